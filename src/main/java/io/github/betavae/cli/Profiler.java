package io.github.betavae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.Device;
import io.github.betavae.backend.cuda.DeviceCounters;
import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.train.TrainListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code train --profile}: writes {@code profile.json} (DESIGN §11) with what the device layer was
 * asked to do, per step on average over this invocation's steps after the first ({@code per_step}, over
 * {@code measured_steps}), and up to the end of the first step ({@code setup}: model and data upload,
 * initialisation, the warm-up step and, with a graph, its capture). The counts come from {@link
 * DeviceCounters}, so the emulated CUDA engine reports them too; the CPU engine has no device and
 * reports zeros. On a real GPU {@code kernels} lists the GPU time per kernel over the measured
 * steps (CUDA events around each launch, and around each graph replay as a whole, so with a graph
 * the list is one "graph replay" entry plus what runs outside it); the host harness cannot time
 * kernels and leaves the list empty.
 */
final class Profiler implements TrainListener {
  static final String FILE = "profile.json";

  /** Kernels listed in profile.json, longest total time first. */
  static final int TOP_KERNELS = 20;
  private final DeviceCounters counters; // null on the CPU engine
  private final Device device;          // null on the CPU engine
  private final String deviceName;
  private DeviceCounters.Counts start, warm, last;
  private long warmStep;
  private long firstStep, lastStep;

  Profiler(Backend backend) {
    this.counters = backend instanceof CudaBackend c ? c.device().counters() : null;
    this.device = backend instanceof CudaBackend c ? c.device() : null;
    this.deviceName = backend instanceof CudaBackend c ? c.name() + ": " + c.device().name() : backend.name();
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
    DeviceCounters.Counts c = now();
    if (warm == null) {
      // The first step is warm-up (and, with --graph, the capture): setup, not a per-step cost.
      warm = c;
      warmStep = step.step();
      if (device != null) device.timeKernels(true);
    }
    last = c;
    lastStep = step.step();
  }

  /** Writes profile.json into {@code dir} (atomically). */
  void write(Path dir, boolean graph) throws IOException {
    // With more than one step, per_step averages over the steps after the first; setup holds the rest.
    boolean split = warm != null && lastStep > warmStep;
    long steps = split ? lastStep - warmStep : lastStep - firstStep;
    DeviceCounters.Counts base = split ? warm : start;
    DeviceCounters.Counts window = last == null ? DeviceCounters.Counts.ZERO : last.minus(base);
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("steps", lastStep - firstStep);
    o.put("measured_steps", steps);
    o.put("graph", graph);
    o.put("device", deviceName);
    ObjectNode per = o.putObject("per_step");
    double n = Math.max(steps, 1);
    per.put("launches", window.launches() / n);
    per.put("graph_launches", window.graphLaunches() / n);
    per.put("h2d_bytes", window.h2dBytes() / n);
    per.put("d2h_bytes", window.d2hBytes() / n);
    per.put("syncs", window.syncs() / n);
    // GPU time per kernel over the measured steps (CUDA events; the host harness reports none)
    var kernels = o.putArray("kernels");
    if (device != null) {
      device.timeKernels(false);
      List<Device.KernelTime> times = device.kernelTimes();
      for (Device.KernelTime k : times.subList(0, Math.min(TOP_KERNELS, times.size()))) {
        ObjectNode kn = kernels.addObject();
        kn.put("name", k.name());
        kn.put("calls", k.calls());
        kn.put("ms", k.ms());
      }
    }
    ObjectNode setup = o.putObject("setup");
    DeviceCounters.Counts s = base == null ? DeviceCounters.Counts.ZERO : base;
    setup.put("launches", s.launches());
    setup.put("graph_launches", s.graphLaunches());
    setup.put("h2d_bytes", s.h2dBytes());
    setup.put("d2h_bytes", s.d2hBytes());
    setup.put("syncs", s.syncs());
    String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    AtomicFiles.write(dir.resolve(FILE), json.getBytes(StandardCharsets.UTF_8));
  }
}
