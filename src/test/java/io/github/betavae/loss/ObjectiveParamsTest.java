package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The device form of every objective ({@link ObjectiveParams#evaluate}, the CPU twin of
 * {@code kernels/objective.cu}) against the objective itself: the same KL coefficients bit for bit
 * and the same loss up to the order of the reconstruction sum.
 */
class ObjectiveParamsTest {
  /** Every objective the CLI can build, with schedules that move within the tested steps. */
  static List<Objective> all() {
    return List.of(Objective.beta(4), Objective.scheduled(BetaSchedule.warmup(0.5, 6, 9)),
        Objective.scheduled(BetaSchedule.cyclical(3, 20, 3, 0.4)), Objective.scheduled(BetaSchedule.warmup(2, 0)),
        Objective.freeBits(0.05, 2), Objective.freeBits(0.02, BetaSchedule.cyclical(5, 12, 2)),
        Objective.capacity(100, 0.5, 7), Objective.capacity(10, 0, 0));
  }

  @Test
  void everyObjectiveHasADeviceFormThatAgreesWithIt() {
    Random r = new Random(3);
    for (Objective o : all()) {
      ObjectiveParams p = o.deviceForm().orElseThrow(() -> new AssertionError(o.describe() + " has no device form"));
      for (int batch : new int[] {1, 7, 300}) {
        for (long t : new long[] {0, 1, 5, 6, 7, 9, 11, 13, 19, 20, 500}) {
          float[] loss = new float[batch];
          for (int i = 0; i < batch; i++) loss[i] = 100 + 50 * r.nextFloat();
          float[] klSum = new float[6];
          for (int d = 0; d < klSum.length; d++) klSum[d] = batch * (d == 2 ? 0.05f : r.nextFloat() * 0.2f);
          double recon = 0;
          for (float v : loss) recon += v;
          recon /= batch;
          double[] klDim = new double[klSum.length];
          for (int d = 0; d < klDim.length; d++) klDim[d] = klSum[d] / (double) batch;
          float[] want = new float[klSum.length], got = new float[klSum.length];
          double wantLoss = o.evaluate(recon, klDim, t, want);
          for (int d = 0; d < want.length; d++) want[d] /= batch;
          StepRecord rec = p.evaluate(t, loss, batch, klSum, got);
          String what = o.describe() + " batch " + batch + " step " + t;
          assertArrayEquals(want, got, what + ": KL coefficients");
          assertEquals(wantLoss, rec.loss(), 1e-12 * Math.abs(wantLoss), what + ": loss");
          assertEquals(recon, rec.recon(), 1e-12 * recon, what + ": recon");
          assertArrayEquals(klDim, rec.klDim(), what + ": KL per dimension");
          assertEquals(o.betaAt(t), p.betaAt(t), what + ": β");
          assertEquals(0, rec.flags());
        }
      }
    }
  }

  @Test
  void aNonFiniteLossIsFlagged() {
    ObjectiveParams p = Objective.beta(1).deviceForm().orElseThrow();
    StepRecord rec = p.evaluate(0, new float[] {1, Float.POSITIVE_INFINITY}, 2, new float[] {0.1f}, new float[1]);
    assertEquals(StepRecord.LOSS_NONFINITE, rec.flags());
  }

  @Test
  void anObjectiveOfTheUsersOwnHasNoDeviceForm() {
    Objective mine = new Objective() {
      @Override
      public double evaluate(double recon, double[] klPerDim, long step, float[] klCoef) {
        return recon;
      }

      @Override
      public double betaAt(long step) {
        return 0;
      }
    };
    assertEquals(Optional.empty(), mine.deviceForm());
    assertTrue(mine.settings() instanceof Map);
  }
}
