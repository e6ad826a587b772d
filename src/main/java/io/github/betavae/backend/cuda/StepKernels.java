package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;
import java.util.ArrayDeque;

/**
 * Launchers of the resident step ({@code kernels/objective.cu}, and the {@code *_kernel2} variants of
 * vae.cu, adam.cu and guard.cu that read the step from device memory) and the device form of a
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

  void adam(Buf p, Buf g, Buf m, Buf v, long n, float lr, double beta1, double beta2, float eps, float wd, StepState s) {
    DeviceStepState d = of(s);
    String op = "adam step";
    Launch.positive(op, "n", n);
    CudaBuf P = Launch.floats(op, "p", p, n), G = Launch.floats(op, "g", g, n);
    CudaBuf M = Launch.floats(op, "m", m, n), V = Launch.floats(op, "v", v, n);
    int blocks = Math.min(Launch.blocks(n, 256), Launch.MAX_GRID_X);
    dev.launch("adam_step_kernel2", Dim3.of(blocks), Dim3.of(256),
        KernelArgs.of().ptr(P.address()).ptr(G.address()).ptr(M.address()).ptr(V.address()).i64(n)
            .f32(lr).f32((float) beta1).f32((float) beta2).f32(eps).f32(wd).f64(beta1).f64(beta2).ptr(d.rec));
  }

  void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, StepState s) {
    DeviceStepState d = of(s);
    String op = "reparam forward";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "latent", latent);
    CudaBuf Z = Launch.floats(op, "z", z, (long) batch * latent), K = Launch.floats(op, "klSum", klSum, latent);
    CudaBuf S = Launch.floats(op, "stats", stats, 2L * batch * latent);
    dev.launch("reparam_forward_kernel2", Dim3.of(latent), Dim3.of(128),
        KernelArgs.of().ptr(Z.address()).ptr(K.address()).ptr(S.address()).i32(batch).i32(latent).i64(seed).ptr(d.rec));
  }

  void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, StepState s) {
    DeviceStepState d = of(s);
    String op = "reparam backward";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "latent", latent);
    Launch.atMost(op, "batch × latent", (long) batch * latent, Integer.MAX_VALUE - 255L);
    CudaBuf D = Launch.floats(op, "dstats", dstats, 2L * batch * latent);
    CudaBuf DZ = dz == null ? null : Launch.floats(op, "dz", dz, (long) batch * latent);
    CudaBuf S = Launch.floats(op, "stats", stats, 2L * batch * latent), G = Launch.floats(op, "klGrad", klGrad, latent);
    dev.launch("reparam_backward_kernel2", Dim3.of(Launch.blocks((long) batch * latent, 256)), Dim3.of(256),
        KernelArgs.of().ptr(D.address()).ptr(DZ == null ? 0 : DZ.address()).ptr(S.address()).ptr(G.address())
            .i32(batch).i32(latent).i64(seed).ptr(d.rec));
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
