package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.data.DSprites;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Factors;
import io.github.betavae.data.Shuffle;
import io.github.betavae.data.Subset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GroundTruthTest {

  @Test
  void dSpritesHasTheFiveFactorsAndDrawsTheImageOfTheClasses() {
    GroundTruth gt = GroundTruth.dSprites();
    assertEquals(List.of("shape", "scale", "orientation", "posX", "posY"), gt.factorNames());
    assertArrayEquals(new int[] {3, 6, 40, 32, 32}, gt.factorSizes());
    assertEquals(4096, gt.features());
    int[] classes = {2, 4, 17, 3, 29};
    float[] got = new float[4096 + 5], want = new float[4096];
    gt.render(classes, got, 5);
    new DSprites().copy(DSprites.indexOf(classes), want, 0);
    assertArrayEquals(want, java.util.Arrays.copyOfRange(got, 5, 4096 + 5));
  }

  @Test
  void anyFullGridDatasetIsFoundByItsClassesWhateverTheSampleOrder() {
    DSprites ds = new DSprites();
    Dataset shuffled = Subset.of(ds, Shuffle.permutation(3, 0, ds.size()));
    GroundTruth gt = GroundTruth.of(shuffled);
    assertArrayEquals(new int[] {3, 6, 40, 32, 32}, gt.factorSizes());
    float[] got = new float[4096], want = new float[4096];
    for (int[] c : new int[][] {{0, 0, 0, 0, 0}, {1, 5, 39, 31, 0}, {2, 3, 11, 7, 30}}) {
      gt.render(c, got, 0);
      ds.copy(DSprites.indexOf(c), want, 0);
      assertArrayEquals(want, got, java.util.Arrays.toString(c));
    }
  }

  @Test
  void rejectsDataWithoutFactorsOrNotAFullGrid() {
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> GroundTruth.of(new Grid(new int[] {0, 1}, false)));
    assertTrue(none.getMessage().contains("has none"), none.getMessage());
    IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> GroundTruth.of(new Grid(new int[] {0, 1, 1}, true)));
    assertTrue(partial.getMessage().contains("expected one sample per factor combination (4"), partial.getMessage());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> GroundTruth.of(new Grid(new int[] {0, 1, 1, 3}, true)));
    assertTrue(twice.getMessage().contains("samples 1 and 2 share one"), twice.getMessage());
    GroundTruth ok = GroundTruth.of(new Grid(new int[] {3, 1, 0, 2}, true));
    float[] x = new float[1];
    ok.render(new int[] {0, 1}, x, 0); // code 1 is sample 1
    assertEquals(1f, x[0]);
    ok.render(new int[] {1, 1}, x, 0); // code 3 is sample 0
    assertEquals(0f, x[0]);
    assertThrows(IllegalArgumentException.class, () -> ok.render(new int[] {2, 0}, x, 0));
  }

  @Test
  void sampledClassesAreInRangeAndRoughlyUniform() {
    GroundTruth gt = SyntheticFactors.truth(3, 7);
    RandomStream rng = new RandomStream(5, RandomStream.MIG);
    int[] row = new int[2];
    int[] counts = new int[7];
    int n = 7000;
    for (int i = 0; i < n; i++) {
      gt.sampleFactors(rng, row);
      assertTrue(row[0] >= 0 && row[0] < 3);
      counts[row[1]]++;
    }
    for (int c : counts) assertTrue(Math.abs(c - n / 7) < 120, "class count " + c);
    assertEquals(2L * n, rng.position());
  }

  /** Two binary factors; sample i has the factor code {@code codes[i]} (f0·2 + f1) and feature value i. */
  private static final class Grid implements Dataset, Factors {
    private final int[] codes;
    private final boolean withFactors;

    Grid(int[] codes, boolean withFactors) {
      this.codes = codes;
      this.withFactors = withFactors;
    }

    @Override
    public int size() {
      return codes.length;
    }

    @Override
    public int features() {
      return 1;
    }

    @Override
    public void copy(int index, float[] dst, int off) {
      dst[off] = index;
    }

    @Override
    public Optional<Factors> factors() {
      return withFactors ? Optional.of(this) : Optional.empty();
    }

    @Override
    public String describe() {
      return "grid of " + codes.length;
    }

    @Override
    public List<String> names() {
      return List.of("a", "b");
    }

    @Override
    public List<Integer> sizes() {
      return List.of(2, 2);
    }

    @Override
    public int classOf(int i, int f) {
      return f == 0 ? codes[i] / 2 : codes[i] % 2;
    }

    @Override
    public double valueOf(int i, int f) {
      return classOf(i, f);
    }
  }
}
