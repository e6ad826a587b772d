package io.github.betavae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.DeviceCounters;
import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.train.TrainListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code train --profile}: writes {@code profile.json} (DESIGN §11) with what the device layer was
 * asked to do, per step on average over this invocation's steps ({@code per_step}), and before the
 * first step ({@code setup}: model upload, initialisation). The counts come from {@link
 * DeviceCounters}, so the emulated CUDA engine reports them too; the CPU engine has no device and
 * reports zeros. Per-kernel times need CUDA events on a real GPU and are not measured yet
 * ({@code kernels} is empty).
 */
final class Profiler implements TrainListener {
  static final String FILE = "profile.json";

  private final DeviceCounters counters; // null on the CPU engine
  private final String device;
  private final boolean graph;
  private DeviceCounters.Counts start, last;
  private long firstStep, lastStep;

  Profiler(Backend backend, boolean graph) {
    this.counters = backend instanceof CudaBackend c ? c.device().counters() : null;
    this.device = backend instanceof CudaBackend c ? c.name() + ": " + c.device().name() : backend.name();
    this.graph = graph;
  }

  private DeviceCounters.Counts now() {
    return counters == null ? DeviceCounters.Counts.ZERO : counters.snapshot();
  }

  @Override
  public void onStart(Plan plan) {
    start = now();
    firstStep = plan.firstStep();
    lastStep = firstStep;
  }

  @Override
  public void onStep(Step step) {
    last = now();
    lastStep = step.step();
  }

  /** Writes profile.json into {@code dir} (atomically). */
  void write(Path dir) throws IOException {
    long steps = lastStep - firstStep;
    DeviceCounters.Counts window = last == null ? DeviceCounters.Counts.ZERO : last.minus(start);
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("steps", steps);
    o.put("graph", graph);
    o.put("device", device);
    ObjectNode per = o.putObject("per_step");
    double n = Math.max(steps, 1);
    per.put("launches", window.launches() / n);
    per.put("graph_launches", window.graphLaunches() / n);
    per.put("h2d_bytes", window.h2dBytes() / n);
    per.put("d2h_bytes", window.d2hBytes() / n);
    per.put("syncs", window.syncs() / n);
    o.putArray("kernels");
    ObjectNode setup = o.putObject("setup");
    DeviceCounters.Counts s = start == null ? DeviceCounters.Counts.ZERO : start;
    setup.put("launches", s.launches());
    setup.put("graph_launches", s.graphLaunches());
    setup.put("h2d_bytes", s.h2dBytes());
    setup.put("d2h_bytes", s.d2hBytes());
    setup.put("syncs", s.syncs());
    String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    AtomicFiles.write(dir.resolve(FILE), json.getBytes(StandardCharsets.UTF_8));
  }
}
