package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.optim.Adam;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NaN and ±∞ in the loss or a gradient stop training before the update, or are skipped and counted. */
class NumericGuardTest {

  /** β = 1, except that at the given 0-based steps the KL gradient coefficient is NaN and the loss stays finite. */
  static Objective poisonedAt(long... steps) {
    Objective base = Objective.beta(1.0);
    return new Objective() {
      @Override
      public double evaluate(double recon, double[] klPerDim, long step, float[] klCoef) {
        double loss = base.evaluate(recon, klPerDim, step, klCoef);
        for (long s : steps) if (s == step) java.util.Arrays.fill(klCoef, Float.NaN);
        return loss;
      }

      @Override
      public double betaAt(long step) {
        return 1.0;
      }
    };
  }

  @Test
  void findsTheFirstTensorHoldingANonFiniteValue() {
    ParamLayout layout = new ParamLayout(TrainerTest.TINY);
    float[] v = new float[(int) layout.size()];
    assertNull(NumericGuard.firstNonFinite(layout, v));
    v[(int) layout.out().weight().offset() + 5] = Float.POSITIVE_INFINITY;
    assertEquals("decoder.out.weight", NumericGuard.firstNonFinite(layout, v));
    v[(int) layout.head().bias().offset() + layout.head().bias().rows() - 1] = Float.NaN; // the last element: the tail loop
    assertEquals("encoder.head.bias", NumericGuard.firstNonFinite(layout, v));
    v[(int) layout.size() - 1] = Float.NEGATIVE_INFINITY;
    assertEquals("encoder.head.bias", NumericGuard.firstNonFinite(layout, v), "the first one in layout order");
    float[] big = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 0f, -0f};
    assertTrue(io.github.betavae.backend.FiniteScan.allFinite(big, 0, big.length), "extreme finite values are finite");
  }

  @Test
  void aNonFiniteGradientWithAFiniteLossStopsBeforeTheUpdate() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TrainerTest.TINY, be)) {
      vae.initialize(1);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      List<Long> saved = new ArrayList<>();
      float[][] atSave = new float[1][];
      Trainer t = new Trainer(TrainConfig.ofSteps(6, 8, 1).withCheckpointEvery(1), vae, adam, new Bars(40),
          poisonedAt(3), EpochOrder.sequential(40));
      t.onCheckpoint(done -> {
        saved.add(done);
        atSave[0] = vae.paramsToHost();
      });
      NonFiniteException e = assertThrows(NonFiniteException.class, t::run);
      // The KL gradient reaches the decoder through nothing: the first bad tensor is the encoder's input layer.
      assertEquals("non-finite gradient in encoder.layers.0.weight at step 4", e.getMessage());
      assertEquals(4, e.step());
      assertEquals(List.of(1L, 2L, 3L), saved, "no checkpoint after the bad step");
      assertEquals(3, adam.steps(), "the bad update was not applied");
      assertArrayEquals(atSave[0], vae.paramsToHost(), "weights are those of the last checkpoint");
    }
  }

  @Test
  void skippingCountsTheBatchesAndKeepsTheStepNumbering() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TrainerTest.TINY, be)) {
      vae.initialize(1);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      List<Long> rows = new ArrayList<>();
      Trainer t = new Trainer(TrainConfig.ofSteps(8, 8, 1), vae, adam, new Bars(40), poisonedAt(2, 5),
          EpochOrder.sequential(40)).skipNonFinite(true).addListener(s -> rows.add(s.step()));
      t.run();
      assertEquals(2, t.skippedSteps());
      assertEquals(8, t.stepsDone());
      assertEquals(8, adam.steps(), "a skipped batch still counts as a step, so resume maps steps to the same data");
      assertEquals(List.of(1L, 2L, 4L, 5L, 7L, 8L), rows, "no metrics row for a skipped batch");
      for (float p : vae.paramsToHost()) assertTrue(Float.isFinite(p));
    }
  }
}
