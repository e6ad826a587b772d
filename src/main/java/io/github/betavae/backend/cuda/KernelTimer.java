package io.github.betavae.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * Per-kernel GPU times for {@code train --profile}, from a pair of CUDA events around each eager
 * launch (and around each graph replay, which is timed as a whole). Events are pooled; pairs are
 * read back when more than {@value #MAX_PENDING} are waiting and when the totals are asked for. The
 * events cost the host a few microseconds per launch, so they are recorded only while profiling.
 * Not thread-safe: the device calls it under its own lock.
 */
final class KernelTimer {
  static final int MAX_PENDING = 4096;

  /** Calls and total milliseconds of one kernel (or "graph replay"). */
  record Total(String name, long calls, double ms) {}

  private record Pending(String name, CUevent start, CUevent end) {}

  private final ArrayDeque<CUevent> pool = new ArrayDeque<>();
  private final List<Pending> pending = new ArrayList<>();
  private final Map<String, double[]> totals = new LinkedHashMap<>();  // name → {calls, ms}
  private final List<CUevent> all = new ArrayList<>();

  private CUevent event() {
    CUevent e = pool.poll();
    if (e != null) return e;
    e = new CUevent();
    JCudaDevice.check(cuEventCreate(e, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
    all.add(e);
    return e;
  }

  /** Records the start event of {@code name} on {@code stream}; returns what {@link #end} needs. */
  Object begin(String name, CUstream stream) {
    if (pending.size() >= MAX_PENDING) drain();
    CUevent s = event();
    JCudaDevice.check(cuEventRecord(s, stream), "cuEventRecord");
    return new Pending(name, s, null);
  }

  void end(Object begun, CUstream stream) {
    Pending p = (Pending) begun;
    CUevent e = event();
    JCudaDevice.check(cuEventRecord(e, stream), "cuEventRecord");
    pending.add(new Pending(p.name(), p.start(), e));
  }

  /** Waits for the recorded pairs and adds them to the totals. */
  void drain() {
    if (pending.isEmpty()) return;
    JCudaDevice.check(cuEventSynchronize(pending.get(pending.size() - 1).end()), "cuEventSynchronize");
    float[] ms = new float[1];
    for (Pending p : pending) {
      JCudaDevice.check(cuEventElapsedTime(ms, p.start(), p.end()), "cuEventElapsedTime");
      double[] t = totals.computeIfAbsent(p.name(), k -> new double[2]);
      t[0]++;
      t[1] += ms[0];
      pool.add(p.start());
      pool.add(p.end());
    }
    pending.clear();
  }

  /** Totals so far, longest first. */
  List<Total> totals() {
    drain();
    List<Total> out = new ArrayList<>();
    totals.forEach((k, v) -> out.add(new Total(k, (long) v[0], v[1])));
    out.sort(Comparator.comparingDouble(Total::ms).reversed());
    return out;
  }

  void reset() {
    drain();
    totals.clear();
  }

  void close() {
    for (CUevent e : all) cuEventDestroy(e);
    all.clear();
    pool.clear();
    pending.clear();
  }
}
