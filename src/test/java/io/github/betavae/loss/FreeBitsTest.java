package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FreeBitsTest {

  @Test
  void handComputedValueAndCoefficients() {
    Objective o = Objective.freeBits(0.5, 2);
    double[] kl = {0.1, 0.5, 3.0, 0.7};
    float[] coef = new float[4];
    // floored: 0.5 + 0.5 + 3.0 + 0.7 = 4.7; objective 1 + 2·4.7
    assertEquals(1 + 2 * 4.7, o.evaluate(1, kl, 0, coef), 1e-12);
    // equality (0.5) counts as floored: coefficient 0
    assertArrayEquals(new float[] {0, 0, 2, 2}, coef);
  }

  @Test
  void coefficientsMatchCentralDifferencesAwayFromTheFloor() {
    Objective o = Objective.freeBits(0.25, BetaSchedule.warmup(3, 10));
    double[] kl = {0.01, 0.2, 0.3, 1.7, 4.0, 0.26};
    float[] coef = new float[kl.length];
    long step = 7;
    o.evaluate(2.5, kl, step, coef);
    double h = 1e-6;
    float[] scratch = new float[kl.length];
    for (int d = 0; d < kl.length; d++) {
      double keep = kl[d];
      kl[d] = keep + h;
      double up = o.evaluate(2.5, kl, step, scratch);
      kl[d] = keep - h;
      double down = o.evaluate(2.5, kl, step, scratch);
      kl[d] = keep;
      assertEquals((up - down) / (2 * h), coef[d], 1e-6, "dimension " + d);
    }
    assertEquals(2.1, coef[3], 1e-6, "β(7) of a warm-up to 3 over 10 steps");
  }

  @Test
  void scheduleSuppliesBeta() {
    FreeBits fb = new FreeBits(1, BetaSchedule.cyclical(4, 100, 2));
    assertEquals(0, fb.betaAt(0));
    assertEquals(4, fb.betaAt(25), 1e-12);
    float[] coef = new float[1];
    // step 60 is 10 steps into the second 50-step cycle, which rises over 25: β = 4·10/25 = 1.6
    assertEquals(10 + 1.6 * 3, fb.evaluate(10, new double[] {3}, 60, coef), 1e-12);
    assertEquals(1.6f, coef[0]);
  }

  @Test
  void describesItselfForConfig() {
    FreeBits fb = new FreeBits(0.5, BetaSchedule.constant(4));
    assertEquals("free bits λ=0.5 nats/dim, constant β=4", fb.describe());
    assertEquals("free-bits", fb.settings().get("kind"));
    assertEquals(0.5, fb.settings().get("lambda"));
  }

  @Test
  void rejectsNegativeFloor() {
    assertThrows(IllegalArgumentException.class, () -> Objective.freeBits(-0.1, 1));
  }
}
