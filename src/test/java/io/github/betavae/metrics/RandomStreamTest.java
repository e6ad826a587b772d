package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.betavae.rng.Philox;
import org.junit.jupiter.api.Test;

class RandomStreamTest {

  @Test
  void drawsAreThePhiloxWordsOfTheMetricsStreamInOrder() {
    RandomStream s = new RandomStream(0x1234_5678_9ABCL, RandomStream.FACTOR_VAE);
    int[] block = new int[4];
    for (long quad = 0; quad < 3; quad++) {
      Philox.block(0x1234_5678_9ABCL, quad, RandomStream.FACTOR_VAE, Philox.STREAM_METRICS, block);
      for (int lane = 0; lane < 4; lane++) assertEquals(block[lane], s.nextBits(), "quad " + quad + " lane " + lane);
    }
    assertEquals(12, s.position());
  }

  @Test
  void boundedDrawsUseTheSharedMap() {
    RandomStream a = new RandomStream(9, RandomStream.MIG), b = new RandomStream(9, RandomStream.MIG);
    for (int i = 0; i < 10; i++) assertEquals(Philox.bounded(a.nextBits(), 37), b.nextInt(37));
  }

  @Test
  void subStreamsAndSeedsDiffer() {
    assertNotEquals(new RandomStream(1, RandomStream.BETA_VAE).nextBits(), new RandomStream(1, RandomStream.MIG).nextBits());
    assertNotEquals(new RandomStream(1, RandomStream.MIG).nextBits(), new RandomStream(2, RandomStream.MIG).nextBits());
  }
}
