package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Buf;
import io.github.betavae.data.DSprites;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Subset;
import io.github.betavae.train.EpochOrder;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batches gathered on the device from resident data equal the host loader's, value for value. */
class ResidentDataTest {

  /** N rows of D values produced by {@code value(row, col)}. */
  private static Dataset table(int n, int d, java.util.function.BiFunction<Integer, Integer, Float> value) {
    return new Dataset() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public int features() {
        return d;
      }

      @Override
      public void copy(int index, float[] dst, int off) {
        for (int j = 0; j < d; j++) dst[off + j] = value.apply(index, j);
      }

      @Override
      public String describe() {
        return "table " + n + " × " + d;
      }
    };
  }

  private static void sameBatches(CudaBackend be, Dataset data, ResidentData r, long seed) {
    int b = 7, d = data.features();
    int[] perm = EpochOrder.shuffled(seed, data.size()).order(0);
    Buf in = be.alloc((long) b * d);
    float[] host = new float[b * d], dev = new float[b * d];
    for (int first = 0; first + b <= data.size(); first += b) {
      for (int i = 0; i < b; i++) data.copy(perm[first + i], host, i * d);
      r.fill(in, perm, first, b);
      be.read(in, dev);
      assertArrayEquals(host, dev, "rows " + first + ".." + (first + b));
    }
  }

  /** The resident step's gather (epoch order generated on the device, rows read from the step record) = the host's batches. */
  private static void sameStepBatches(CudaBackend be, Dataset data, ResidentData r, long seed) {
    int b = 6, d = data.features(), steps = data.size() / b;
    Buf in = be.alloc((long) b * d);
    float[] host = new float[b * d], dev = new float[b * d];
    try (io.github.betavae.backend.StepState st = be.stepState(1)) {
      for (long epoch : new long[] {0, 3}) {
        int[] perm = EpochOrder.shuffled(seed, data.size()).order(epoch);
        r.startEpoch(seed, epoch);
        assertArrayEquals(perm, r.order(), "epoch " + epoch + " order");
        for (int t = 0; t < steps; t++) {
          be.setStep(st, epoch * steps + t, (long) t * b);
          r.queueFill(in, st, b);
          be.read(in, dev);
          for (int i = 0; i < b; i++) data.copy(perm[t * b + i], host, i * d);
          assertArrayEquals(host, dev, "epoch " + epoch + " step " + t);
        }
      }
    }
  }

  @Test
  void binaryRowsOfAnyWidthPackToBits() {
    Emulator.assumeBuilt();
    Random rnd = new Random(8);
    boolean[][] on = new boolean[37][13];  // 13 values a row: rows start mid-byte
    for (boolean[] row : on) for (int j = 0; j < row.length; j++) row[j] = rnd.nextBoolean();
    try (CudaBackend be = CudaBackend.emulated()) {
      Dataset data = table(37, 13, (i, j) -> on[i][j] ? 1f : 0f);
      ResidentData r = ResidentData.upload(be, data).orElseThrow();
      assertTrue(r.describe().contains("1 bit per value"), r.describe());
      sameBatches(be, data, r, 5);
      sameStepBatches(be, data, r, 5);
    }
  }

  @Test
  void binaryImagesStayAsTheyAre() {
    Emulator.assumeBuilt();
    try (CudaBackend be = CudaBackend.emulated()) {
      Dataset data = Subset.random(new DSprites(), 50, 3);
      Optional<ResidentData> r = ResidentData.upload(be, data);
      assertTrue(r.isPresent());
      assertTrue(r.get().describe().contains("1 bit per value"), r.get().describe());
      sameBatches(be, data, r.get(), 1);
      sameStepBatches(be, data, r.get(), 1);
    }
  }

  @Test
  void greyLevelsAreDividedBy255OnTheDeviceAsOnTheHost() {
    Emulator.assumeBuilt();
    Random rnd = new Random(4);
    int[][] levels = new int[40][33];
    for (int[] row : levels) for (int j = 0; j < row.length; j++) row[j] = rnd.nextInt(256);
    try (CudaBackend be = CudaBackend.emulated()) {
      Dataset data = table(40, 33, (i, j) -> levels[i][j] / 255f);
      ResidentData r = ResidentData.upload(be, data).orElseThrow();
      assertTrue(r.describe().contains("255"), r.describe());
      sameBatches(be, data, r, 2);
      sameStepBatches(be, data, r, 2);
    }
  }

  @Test
  void otherValuesLiveOnTheDeviceAsFloats() {
    Emulator.assumeBuilt();
    Random rnd = new Random(6);
    float[][] v = new float[29][11];
    for (float[] row : v) for (int j = 0; j < row.length; j++) row[j] = (float) rnd.nextGaussian();
    try (CudaBackend be = CudaBackend.emulated()) {
      Dataset data = table(29, 11, (i, j) -> v[i][j]);
      ResidentData r = ResidentData.upload(be, data).orElseThrow();
      assertTrue(r.describe().contains("float32"), r.describe());
      sameBatches(be, data, r, 3);
      sameStepBatches(be, data, r, 3);
    }
  }

  @Test
  void dataLargerThanTheBudgetStaysOnTheHost() {
    Emulator.assumeBuilt();
    try (CudaBackend be = CudaBackend.emulated()) {
      int n = (int) (HostDevice.FREE_BYTES * 4 / 1000) + 8; // 8 rows of 1,000 bits more than half fits
      assertFalse(ResidentData.upload(be, table(n, 1000, (i, j) -> 0f)).isPresent(), "larger than the budget");
      assertFalse(ResidentData.upload(be, table(n / 16, 1000, (i, j) -> 0.5f)).isPresent(), "floats larger than the budget");
      assertFalse(ResidentData.upload(be, table(10, 4, (i, j) -> Float.NaN)).isPresent(), "NaN: the host path reports it");
      assertEquals(256L << 20, be.device().freeBytes());
    }
  }

  @Test
  void streamedBatchesEqualTheHostLoadersAcrossBothPinnedBuffersAndBatchSizes() {
    Emulator.assumeBuilt();
    Random rnd = new Random(9);
    float[][] v = new float[31][19];
    for (float[] row : v) for (int j = 0; j < row.length; j++) row[j] = (float) rnd.nextGaussian();
    Dataset data = table(31, 19, (i, j) -> v[i][j]);
    int d = data.features();
    int[] perm = EpochOrder.shuffled(4, data.size()).order(2);
    io.github.betavae.model.VaeConfig vc = new io.github.betavae.model.VaeConfig(d, java.util.List.of(8),
        io.github.betavae.backend.Activation.RELU, 2, java.util.List.of(8), io.github.betavae.backend.Activation.RELU,
        io.github.betavae.backend.Likelihood.GAUSSIAN, 1.0);
    try (CudaBackend be = CudaBackend.emulated();
         io.github.betavae.model.BetaVae model = new io.github.betavae.model.BetaVae(vc, be);
         StreamedData s = new StreamedData(be, data)) {
      for (int b : new int[] {5, 5, 5, 9, 3}) {  // both slots, a larger batch (new buffers), a smaller one
        for (int first = 0; first + b <= data.size(); first += b) {
          s.fill(model, perm, first, b);
          float[] host = new float[b * d], dev = new float[b * d];
          for (int i = 0; i < b; i++) data.copy(perm[first + i], host, i * d);
          be.read(model.input(b), dev);
          assertArrayEquals(host, dev, "batch " + b + " rows " + first);
        }
      }
    }
  }

  @Test
  void evalGivesTheSameNumbersFromResidentStreamedAndHostBatches() {
    Emulator.assumeBuilt();
    Dataset data = Subset.random(new DSprites(), 45, 2);
    io.github.betavae.model.VaeConfig vc = new io.github.betavae.model.VaeConfig(4096, java.util.List.of(16),
        io.github.betavae.backend.Activation.RELU, 3, java.util.List.of(16), io.github.betavae.backend.Activation.RELU,
        io.github.betavae.backend.Likelihood.BERNOULLI, 4.0);
    try (CudaBackend be = CudaBackend.emulated(); io.github.betavae.model.BetaVae model = new io.github.betavae.model.BetaVae(vc, be)) {
      model.initialize(3);
      var host = io.github.betavae.metrics.Evaluator.evaluate(model, data, false, 7, 16);  // 16, 16, then 13 rows
      var resident = io.github.betavae.metrics.Evaluator.evaluate(model, data, false, 7, 16,
          ResidentData.upload(be, data).orElseThrow().batches(7));
      io.github.betavae.metrics.Evaluator.Result streamed;
      try (StreamedData s = new StreamedData(be, data)) {
        streamed = io.github.betavae.metrics.Evaluator.evaluate(model, data, false, 7, 16, s);
      }
      for (var r : java.util.List.of(resident, streamed)) {
        assertEquals(host.recon(), r.recon());
        assertEquals(host.kl(), r.kl());
        assertArrayEquals(host.muVariance(), r.muVariance());
      }
    }
  }
}
