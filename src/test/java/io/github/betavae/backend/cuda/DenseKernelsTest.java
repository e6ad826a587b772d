package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The split-K decision; the parity suite runs both paths (see CudaBackendContract.DENSE_SIZES). */
class DenseKernelsTest {

  @Test
  void splitsOnlyLongSumsOverFewTiles() {
    assertEquals(17, DenseKernels.kChunk(3, 1023, 17), "short K is never split");
    assertEquals(511, DenseKernels.kChunk(3, 17, 511), "K < 2·256 is never split");
    assertEquals(352, DenseKernels.kChunk(3, 17, 1023), "K = 1023 over one tile: 3 chunks of 352");
    assertEquals(4096, DenseKernels.kChunk(1024, 1024, 4096), "256 tiles already fill the GPU");
    // Higgins' first encoder layer at batch 64: 19 tiles, K = 4096 → 14 chunks of 304
    assertEquals(304, DenseKernels.kChunk(64, 1200, 4096));
  }

  @Test
  void chunksAreTileAlignedAndNoneIsEmpty() {
    int[][] cases = {{3, 17, 4097}, {1, 3, 4097}, {1, 1, 100_000}, {64, 1200, 1200}, {70, 130, 600}};
    for (int[] c : cases) {
      int k = c[2];
      int chunk = DenseKernels.kChunk(c[0], c[1], k);
      assertTrue(chunk < k, "case " + java.util.Arrays.toString(c) + " should split");
      assertEquals(0, chunk % 16, "chunk " + chunk + " is a multiple of the K step");
      int splits = (k + chunk - 1) / chunk;
      assertTrue((long) (splits - 1) * chunk < k, "last of " + splits + " chunks of " + chunk + " is empty for K=" + k);
      assertTrue(splits <= DenseKernels.MAX_SPLITS, "splits " + splits);
    }
  }
}
