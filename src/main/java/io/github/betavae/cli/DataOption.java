package io.github.betavae.cli;

import io.github.betavae.data.DSprites;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.NpyDataset;
import io.github.betavae.data.Subset;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves {@code --data dsprites|FILE.npy} and {@code --subset N} to a dataset. */
final class DataOption {
  private DataOption() {}

  /** Checks that the spec names something that can exist, before anything is written. */
  static void check(String spec, String flag) {
    if (spec.equalsIgnoreCase("dsprites")) return;
    Path p = Path.of(spec);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(flag + ": no file " + spec + " (expected dsprites or an .npy file)");
    }
  }

  /** Opens the data; with {@code subset > 0} a seeded random subset of that many samples. */
  static Dataset open(String spec, int subset, long seed, String flag) {
    check(spec, flag);
    Dataset ds = spec.equalsIgnoreCase("dsprites") ? new DSprites() : NpyDataset.open(Path.of(spec));
    if (subset > 0) {
      if (subset > ds.size()) {
        throw new IllegalArgumentException("--subset: expected at most " + ds.size() + " samples but found " + subset
            + " for " + ds.describe());
      }
      ds = Subset.random(ds, subset, seed);
    }
    return ds;
  }
}
