package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;
import java.util.ArrayDeque;

/**
 * Launchers of the resident step's own kernels ({@code kernels/objective.cu}, the guard's
 * {@code finite_record_kernel1}; the {@code *_kernel2} variants of vae.cu and adam.cu that read the
 * step from the record are launched by {@link VaeKernels} and {@link AdamKernels}) and the device form of a
 * {@link StepState}: the record in device memory plus two staging buffers, so that the record of step
 * t can be copied while the host still reads that of step t − 1.
 */
public final class StepKernels {
  private final Device dev;

  public StepKernels(Device dev) {
    this.dev = dev;
  }

  /** The record ({@link StepRecord} layout) in device memory and its two host staging buffers. */
  static final class DeviceStepState implements StepState {
    final Device dev;
    final int latent;
    final long rec;
    final Device.Staging[] slots;
    final ArrayDeque<Integer> published = new ArrayDeque<>(2);
    int next;
    boolean closed;

    DeviceStepState(Device dev, int latent) {
      this.dev = dev;
      this.latent = latent;
      int words = StepRecord.words(latent);
      this.rec = dev.alloc(8L * words);
      dev.memsetD32(rec, 0, 2L * words);
      this.slots = new Device.Staging[] {dev.staging(words), dev.staging(words)};
    }

    @Override
    public int latent() {
      return latent;
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      for (Device.Staging s : slots) s.close();
    }

    static DeviceStepState of(StepState s, Device dev) {
      if (s instanceof DeviceStepState d && d.dev == dev) {
        if (d.closed) throw new IllegalStateException("step state is closed");
        return d;
      }
      throw new IllegalArgumentException("expected a step state of this CUDA backend but found "
          + (s == null ? "null" : s.getClass().getName()));
    }
  }

  DeviceStepState state(int latent) {
    if (latent < 1) throw new IllegalArgumentException("stepState: expected a latent size ≥ 1 but found " + latent);
    return new DeviceStepState(dev, latent);
  }

  DeviceStepState of(StepState s) {
    return DeviceStepState.of(s, dev);
  }

  /** Host write of the counter and the first row (two int64 words as four int32). */
  void set(StepState s, long step, long row) {
    DeviceStepState d = of(s);
    if (step < 0 || row < 0) throw new IllegalArgumentException("setStep: expected step and row ≥ 0 but found " + step + ", " + row);
    dev.copyIn(d.rec + 8L * StepRecord.STEP, new int[] {(int) step, (int) (step >>> 32)}, 0, 2);
    dev.copyIn(d.rec + 8L * StepRecord.ROW, new int[] {(int) row, (int) (row >>> 32)}, 0, 2);
  }

  void objective(StepState s, ObjectiveParams p, Buf lossPerSample, Buf klSum, Buf klCoef, int batch, boolean hold) {
    DeviceStepState d = of(s);
    String op = "objective";
    Launch.positive(op, "batch", batch);
    CudaBuf L = Launch.floats(op, "lossPerSample", lossPerSample, batch);
    CudaBuf K = Launch.floats(op, "klSum", klSum, d.latent), G = Launch.floats(op, "klCoef", klCoef, d.latent);
    dev.launch("objective_forward_kernel1", Dim3.of(1), Dim3.of(ObjectiveParams.PARTIALS),
        KernelArgs.of().ptr(d.rec).ptr(G.address()).ptr(L.address()).ptr(K.address()).i32(batch).i32(d.latent)
            .i32(p.kind()).i32(p.schedule()).f64(p.beta()).f64(p.start()).i64(p.steps()).i32(p.cycles())
            .f64(p.ratio()).f64(p.lambda()).f64(p.capacityMax()).i64(p.rampSteps()).i32(hold ? 1 : 0));
  }

  void checkFinite(StepState s, Buf grads) {
    DeviceStepState d = of(s);
    CudaBuf x = CudaBuf.of(grads, "finite check");
    if (x.length() == 0) return;
    int blocks = Math.min(Launch.blocks(x.length(), 256), Launch.MAX_GRID_X);
    dev.launch("finite_record_kernel1", Dim3.of(blocks), Dim3.of(256), KernelArgs.of().ptr(d.rec).ptr(x.address()).i64(x.length()));
  }

  void advance(StepState s, long stepsPerEpoch, int batch) {
    DeviceStepState d = of(s);
    if (stepsPerEpoch < 0 || batch < 0) {
      throw new IllegalArgumentException("advance: expected steps per epoch and batch ≥ 0 but found " + stepsPerEpoch + ", " + batch);
    }
    dev.launch("step_advance_kernel1", Dim3.of(1), Dim3.of(1), KernelArgs.of().ptr(d.rec).i64(stepsPerEpoch).i32(batch));
  }

  void publish(StepState s) {
    DeviceStepState d = of(s);
    if (d.published.size() >= 2) throw new IllegalStateException("publish: two records are outstanding; collect one first");
    int slot = d.next;
    d.next ^= 1;
    d.slots[slot].copyFrom(d.rec);
    d.published.addLast(slot);
  }

  StepRecord collect(StepState s) {
    DeviceStepState d = of(s);
    Integer slot = d.published.pollFirst();
    if (slot == null) throw new IllegalStateException("collect: nothing published");
    long[] w = new long[StepRecord.words(d.latent)];
    d.slots[slot].await(w);
    return StepRecord.of(w, d.latent);
  }

  int pending(StepState s) {
    return of(s).published.size();
  }
}
