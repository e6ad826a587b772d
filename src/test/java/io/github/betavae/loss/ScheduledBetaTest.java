package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ScheduledBetaTest {

  @Test
  void valueAndCoefficientsFollowTheSchedule() {
    Objective o = Objective.scheduled(BetaSchedule.warmup(4, 100));
    double[] kl = {1.5, 0.25, 2};
    float[] coef = new float[3];
    assertEquals(10 + 2 * 3.75, o.evaluate(10, kl, 50, coef), 1e-12);
    assertArrayEquals(new float[] {2, 2, 2}, coef);
    assertEquals(10, o.evaluate(10, kl, 0, coef), 1e-12);
    assertArrayEquals(new float[] {0, 0, 0}, coef);
    assertEquals(2, o.betaAt(50), 1e-12);
  }

  @Test
  void plainBetaFactoryIsTheConstantSchedule() {
    Objective o = Objective.beta(4.0);
    float[] coef = new float[2];
    assertEquals(7 + 4 * 3, o.evaluate(7, new double[] {1, 2}, 123, coef), 1e-12);
    assertArrayEquals(new float[] {4, 4}, coef);
    assertEquals("β-VAE, constant β=4", o.describe());
    assertEquals("beta", o.settings().get("kind"));
  }

  @Test
  void coefficientArrayMustMatchTheLatentSize() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Objective.beta(1.0).evaluate(0, new double[3], 0, new float[2]));
    assertEquals("scheduled β: expected one KL coefficient per latent dimension (3) but found 2", e.getMessage());
  }
}
