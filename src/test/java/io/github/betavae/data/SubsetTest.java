package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Seeded subsets and splits: distinct, sorted, reproducible, reading through to the base. */
class SubsetTest {

  /** Sample i is the single feature i: lets a test see which base sample a view read. */
  private static final class Numbered implements Dataset {
    private final int n;

    Numbered(int n) {
      this.n = n;
    }

    @Override
    public int size() {
      return n;
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
    public String describe() {
      return "numbered " + n;
    }
  }

  @Test
  void randomSubsetIsDistinctSortedAndReproducible() {
    Dataset base = new Numbered(10_000);
    Subset s = Subset.random(base, 700, 17);
    int[] idx = s.indices();
    assertEquals(700, s.size());
    for (int k = 1; k < idx.length; k++) assertTrue(idx[k] > idx[k - 1], "not strictly increasing at " + k);
    assertTrue(idx[0] >= 0 && idx[idx.length - 1] < 10_000);
    assertArrayEquals(idx, Subset.random(base, 700, 17).indices());
    assertFalse(Arrays.equals(idx, Subset.random(base, 700, 18).indices()), "seeds 17 and 18 agree");
    float[] x = new float[3];
    s.copy(5, x, 2);
    assertEquals(idx[5], (int) x[2]);
    assertEquals(1, s.features());
    // Spread: a uniform sample of 700 from 10,000 has mean index near 5000 (SE ≈ 109).
    double mean = Arrays.stream(idx).average().orElseThrow();
    assertEquals(5000, mean, 600);
  }

  @Test
  void splitIsDisjointCoversTheBaseAndHeldOutMatchesRandom() {
    Dataset base = new Numbered(5000);
    Subset.Split sp = Subset.split(base, 1234, 3);
    assertEquals(5000 - 1234, sp.train().size());
    assertEquals(1234, sp.heldOut().size());
    assertArrayEquals(Subset.random(base, 1234, 3).indices(), sp.heldOut().indices());
    boolean[] seen = new boolean[5000];
    for (int i : sp.train().indices()) seen[i] = true;
    for (int i : sp.heldOut().indices()) {
      assertFalse(seen[i], "index " + i + " in both parts");
      seen[i] = true;
    }
    for (int i = 0; i < 5000; i++) assertTrue(seen[i], "index " + i + " in neither part");
  }

  @Test
  void edgeSizesAndErrors() {
    Dataset base = new Numbered(50);
    assertEquals(0, Subset.random(base, 0, 1).size());
    int[] all = Subset.random(base, 50, 1).indices();
    for (int i = 0; i < 50; i++) assertEquals(i, all[i]);
    assertThrows(IllegalArgumentException.class, () -> Subset.random(base, 51, 1));
    assertThrows(IllegalArgumentException.class, () -> Subset.split(base, -1, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> Subset.of(base, new int[] {3, 50}));
    assertThrows(IndexOutOfBoundsException.class, () -> Subset.of(base, new int[] {3}).copy(1, new float[1], 0));
  }

  @Test
  void factorsFollowTheViewOnDSprites() {
    DSprites ds = new DSprites();
    Subset s = Subset.random(ds, 300, 2024);
    assertTrue(ds.factors().isPresent());
    Factors f = s.factors().orElseThrow();
    assertEquals(ds.names(), f.names());
    assertEquals(ds.sizes(), f.sizes());
    float[] a = new float[4096], b = new float[4096];
    for (int i = 0; i < s.size(); i += 37) {
      int[] c = DSprites.classesOf(s.baseIndex(i));
      for (int k = 0; k < 5; k++) assertEquals(c[k], f.classOf(i, k));
      assertEquals(DSprites.value(DSprites.SCALE, c[1]), f.valueOf(i, DSprites.SCALE));
      s.copy(i, a, 0);
      ds.copy(s.baseIndex(i), b, 0);
      assertArrayEquals(b, a);
    }
    assertTrue(Subset.of(new Numbered(3), new int[] {0}).factors().isEmpty());
  }
}
