package io.github.betavae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FastMathTest {

  private static long ulps(float a, float b) {
    return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(b));
  }

  @Test
  void tanhIsWithinOneUlpOfMathTanh() {
    Random r = new Random(40);
    long worst = 0;
    float worstAt = 0;
    for (int i = 0; i < 200_000; i++) {
      // Log-uniform magnitudes from 1e-12 to 30 cover the Taylor branch, the switch-over and saturation.
      float a = (float) (Math.pow(10, -12 + 13.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
      long u = ulps((float) Math.tanh(a), FastMath.tanh(a));
      if (u > worst) {
        worst = u;
        worstAt = a;
      }
    }
    for (float a : new float[] {0x1p-10f, -0x1p-10f, Math.nextDown(0x1p-10f), 0.5f, 9f, 20f, -20f, 100f, Float.MAX_VALUE}) {
      long u = ulps((float) Math.tanh(a), FastMath.tanh(a));
      if (u > worst) {
        worst = u;
        worstAt = a;
      }
    }
    assertTrue(worst <= 1, "tanh off by " + worst + " ulps at " + worstAt);
  }

  @Test
  void tanhSpecialValues() {
    assertEquals(0f, FastMath.tanh(0f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(FastMath.tanh(-0f)), "sign of zero kept");
    assertEquals(1f, FastMath.tanh(Float.POSITIVE_INFINITY));
    assertEquals(-1f, FastMath.tanh(Float.NEGATIVE_INFINITY));
    assertTrue(Float.isNaN(FastMath.tanh(Float.NaN)));
  }

  @Test
  void biasActivateMatchesTheActivationEnum() {
    Random r = new Random(41);
    float[] bias = Ops.gaussian(r, 37, 1);
    for (Activation act : Activation.values()) {
      float[] row = Ops.gaussian(r, 37, 3);
      float[] want = new float[37];
      for (int j = 0; j < 37; j++) want[j] = act.apply(row[j] + bias[j]);
      FastMath.biasActivate(row, bias, 37, act);
      for (int j = 0; j < 37; j++) assertTrue(ulps(want[j], row[j]) <= 1, act + " at " + j + ": " + want[j] + " vs " + row[j]);
    }
  }

  @Test
  void derivativeMatchesTheActivationEnumExactly() {
    Random r = new Random(42);
    for (Activation act : Activation.values()) {
      float[] y = Ops.outputOf(act, r, 50), dy = Ops.gaussian(r, 55, 1);
      float[] want = dy.clone();
      for (int i = 0; i < 50; i++) want[i + 5] *= act.derivFromOutput(y[i]);
      FastMath.scaleByDerivative(dy, 5, y, 0, 50, act);
      for (int i = 0; i < 55; i++) assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(dy[i]), act + " at " + i);
    }
  }
}
