package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CapacityObjectiveTest {

  @Test
  void capacityRampsLinearlyThenHolds() {
    CapacityObjective o = new CapacityObjective(1000, 25, 100_000);
    assertEquals(0, o.capacity(0));
    assertEquals(12.5, o.capacity(50_000), 1e-12);
    assertEquals(25, o.capacity(100_000));
    assertEquals(25, o.capacity(1_000_000));
    assertEquals(25, new CapacityObjective(1, 25, 0).capacity(0));
  }

  @Test
  void handComputedValueOnBothSidesOfTheTarget() {
    CapacityObjective o = new CapacityObjective(10, 4, 100);
    float[] coef = new float[2];
    // step 50: C = 2; KL = 3 → 5 + 10·1
    assertEquals(15, o.evaluate(5, new double[] {1, 2}, 50, coef), 1e-12);
    assertArrayEquals(new float[] {10, 10}, coef);
    // KL = 1.5 < 2 → 5 + 10·0.5, pushing KL up
    assertEquals(10, o.evaluate(5, new double[] {1, 0.5}, 50, coef), 1e-12);
    assertArrayEquals(new float[] {-10, -10}, coef);
    // KL exactly at the target: sign 0
    assertEquals(5, o.evaluate(5, new double[] {1, 1}, 50, coef), 1e-12);
    assertArrayEquals(new float[] {0, 0}, coef);
  }

  @Test
  void coefficientsMatchCentralDifferences() {
    CapacityObjective o = new CapacityObjective(7.5, 25, 1000);
    for (double[] kl : new double[][] {{0.3, 2.0, 1.1}, {9.0, 8.0, 7.5}}) {
      long step = 400; // C = 10: the first case is below, the second above
      float[] coef = new float[kl.length];
      o.evaluate(3, kl, step, coef);
      double h = 1e-6;
      float[] scratch = new float[kl.length];
      for (int d = 0; d < kl.length; d++) {
        double keep = kl[d];
        kl[d] = keep + h;
        double up = o.evaluate(3, kl, step, scratch);
        kl[d] = keep - h;
        double down = o.evaluate(3, kl, step, scratch);
        kl[d] = keep;
        assertEquals((up - down) / (2 * h), coef[d], 1e-5, "dimension " + d);
      }
    }
  }

  @Test
  void defaultsAreTheDSpritesSettings() {
    CapacityObjective o = CapacityObjective.dSprites();
    assertEquals(1000, o.gamma());
    assertEquals(25, o.capacityMax());
    assertEquals(100_000, o.rampSteps());
    assertEquals("capacity γ=1000, C 0 → 25 nats over 100000 steps", o.describe());
    assertEquals("capacity", o.settings().get("kind"));
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new CapacityObjective(-1, 25, 10));
    assertThrows(IllegalArgumentException.class, () -> new CapacityObjective(1, Double.NaN, 10));
    assertThrows(IllegalArgumentException.class, () -> new CapacityObjective(1, 25, -10));
  }
}
