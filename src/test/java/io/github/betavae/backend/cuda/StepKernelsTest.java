package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.data.Shuffle;
import io.github.betavae.loss.BetaSchedule;
import io.github.betavae.loss.Objective;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The resident step's kernels ({@code kernels/objective.cu}, the {@code *_kernel2} variants, the
 * device shuffle) on the host harness, against their CPU twins: the same bits.
 */
class StepKernelsTest {
  static final List<Objective> OBJECTIVES = List.of(Objective.beta(4), Objective.scheduled(BetaSchedule.warmup(0.5, 6, 9)),
      Objective.scheduled(BetaSchedule.cyclical(3, 20, 3, 0.4)), Objective.freeBits(0.05, 2),
      Objective.freeBits(0.02, BetaSchedule.cyclical(5, 12, 2)), Objective.capacity(100, 0.5, 7));

  /** Runs objective + finite check + publish/collect for step t on a backend; returns the record and klCoef. */
  private static StepRecord objective(Backend be, ObjectiveParams p, long t, float[] loss, float[] klSum, float[] grads, float[] coef) {
    try (StepState st = be.stepState(klSum.length)) {
      be.setStep(st, t, 0);
      Buf l = be.alloc(loss.length), k = be.alloc(klSum.length), c = be.alloc(klSum.length), g = be.alloc(grads.length);
      be.write(l, loss);
      be.write(k, klSum);
      be.write(g, grads);
      be.objective(st, p, l, k, c, loss.length, false);
      be.checkFinite(st, g);
      be.advance(st, 0, 0);
      be.publish(st);
      StepRecord r = be.collect(st);
      be.read(c, coef);
      return r;
    }
  }

  @Test
  void theObjectiveKernelEqualsItsCpuTwinBitForBit() {
    Emulator.assumeBuilt();
    Random r = new Random(11);
    try (CudaBackend cuda = CudaBackend.emulated(); CpuBackend cpu = new CpuBackend(1)) {
      for (Objective o : OBJECTIVES) {
        ObjectiveParams p = o.deviceForm().orElseThrow();
        for (int batch : new int[] {1, 5, 257, 1000}) {
          for (long t : new long[] {0, 3, 6, 13, 40}) {
            float[] loss = new float[batch];
            for (int i = 0; i < batch; i++) loss[i] = 200 * r.nextFloat();
            float[] kl = new float[5];
            for (int d = 0; d < kl.length; d++) kl[d] = batch * 0.3f * r.nextFloat();
            float[] g = new float[33];
            float[] cc = new float[kl.length], gc = new float[kl.length];
            StepRecord want = objective(cpu, p, t, loss, kl, g, cc);
            StepRecord got = objective(cuda, p, t, loss, kl, g, gc);
            String what = o.describe() + " batch " + batch + " step " + t;
            assertEquals(want, got, what);
            assertArrayEquals(cc, gc, what + ": KL coefficients");
            assertEquals(t + 1, got.step(), what + ": the record is copied after the step advanced");
          }
        }
      }
    }
  }

  @Test
  void theGuardFlagsTheFirstNonFiniteGradientAndAdamSkipsTheUpdate() {
    Emulator.assumeBuilt();
    for (Backend be : new Backend[] {CudaBackend.emulated(), new CpuBackend(1)}) {
      try (be) {
        ObjectiveParams p = Objective.beta(1).deviceForm().orElseThrow();
        float[] g = new float[5000];
        g[4100] = Float.NaN;
        g[3001] = Float.NEGATIVE_INFINITY;
        float[] coef = new float[2];
        StepRecord rec = objective(be, p, 0, new float[] {1, 2}, new float[] {0.5f, 0.25f}, g, coef);
        assertEquals(StepRecord.GRAD_NONFINITE, rec.flags(), be.name());
        assertEquals(3001, rec.badIndex(), be.name() + ": the first bad index");

        try (StepState st = be.stepState(1)) {
          Buf params = be.alloc(3), grads = be.alloc(3), m = be.alloc(3), v = be.alloc(3);
          Buf l = be.alloc(1), k = be.alloc(1), c = be.alloc(1);
          be.write(params, new float[] {1, 2, 3});
          be.write(grads, new float[] {0.5f, Float.NaN, 0.5f});
          be.write(l, new float[] {Float.NaN});
          be.objective(st, p, l, k, c, 1, false);
          be.checkFinite(st, grads);
          be.adamStep(params, grads, m, v, 3, 0.1f, 0.9, 0.999, 1e-8f, 0f, st);
          float[] after = new float[3];
          be.read(params, after);
          assertArrayEquals(new float[] {1, 2, 3}, after, be.name() + ": a flagged step applies no update");
          be.advance(st, 0, 0);
          be.publish(st);
          StepRecord r2 = be.collect(st);
          assertEquals(StepRecord.LOSS_NONFINITE | StepRecord.GRAD_NONFINITE, r2.flags(), be.name());
          // With hold, the next (finite) step keeps the flags and applies nothing either.
          be.write(l, new float[] {1});
          be.write(grads, new float[] {0.5f, 0.5f, 0.5f});
          be.objective(st, p, l, k, c, 1, true);
          be.checkFinite(st, grads);
          be.adamStep(params, grads, m, v, 3, 0.1f, 0.9, 0.999, 1e-8f, 0f, st);
          be.read(params, after);
          assertArrayEquals(new float[] {1, 2, 3}, after, be.name() + ": held flags apply no update");
          // Without hold, it starts clean and updates.
          be.objective(st, p, l, k, c, 1, false);
          be.checkFinite(st, grads);
          be.adamStep(params, grads, m, v, 3, 0.1f, 0.9, 0.999, 1e-8f, 0f, st);
          be.read(params, after);
          assertTrue(after[0] < 1, be.name() + ": a finite step updates: " + after[0]);
        }
      }
    }
  }

  @Test
  void adamFromTheCounterEqualsAdamFromHostCorrections() {
    Emulator.assumeBuilt();
    Random r = new Random(2);
    float[] p0 = new float[777], g = new float[777];
    for (int i = 0; i < p0.length; i++) {
      p0[i] = r.nextFloat() - 0.5f;
      g[i] = r.nextFloat() - 0.5f;
    }
    try (CudaBackend be = CudaBackend.emulated(); StepState st = be.stepState(1)) {
      long t = 41;  // update number 42
      be.setStep(st, t, 0);
      Buf p = be.alloc(777), gb = be.alloc(777), m = be.alloc(777), v = be.alloc(777);
      Buf p2 = be.alloc(777), m2 = be.alloc(777), v2 = be.alloc(777);
      be.write(p, p0);
      be.write(p2, p0);
      be.write(gb, g);
      be.adamStep(p, gb, m, v, 777, 1e-3f, 0.9, 0.999, 1e-8f, 0.01f, st);
      float bc1 = (float) (1 - Math.pow(0.9, t + 1)), bc2 = (float) (1 - Math.pow(0.999, t + 1));
      be.adamStep(p2, gb, m2, v2, 777, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
      float[] a = new float[777], b = new float[777];
      be.read(p, a);
      be.read(p2, b);
      assertArrayEquals(b, a);
    }
  }

  @Test
  void theDeviceShuffleIsTheHostShuffle() {
    Emulator.assumeBuilt();
    try (CudaBackend be = CudaBackend.emulated()) {
      for (int n : new int[] {1, 2, 5, 64, 1001}) {
        for (long epoch : new long[] {0, 1, 7}) {
          RawBuf perm = be.allocRaw(4L * n);
          be.data().shuffle(perm, n, 0x5eedL + n, epoch);
          int[] dev = new int[n];
          be.read(perm, dev);
          assertArrayEquals(Shuffle.permutation(0x5eedL + n, epoch, n), dev, "n " + n + " epoch " + epoch);
        }
      }
    }
  }

  @Test
  void aStateBelongsToItsBackend() {
    Emulator.assumeBuilt();
    try (CudaBackend a = CudaBackend.emulated(); CpuBackend c = new CpuBackend(1); StepState s = c.stepState(2)) {
      assertThrows(IllegalArgumentException.class, () -> a.advance(s, 0, 0));
      try (StepState d = a.stepState(2)) {
        assertThrows(IllegalStateException.class, () -> a.collect(d), "nothing published yet");
        a.publish(d);
        a.publish(d);
        assertThrows(IllegalStateException.class, () -> a.publish(d), "at most two outstanding");
        assertEquals(2, a.pending(d));
      }
    }
  }
}
