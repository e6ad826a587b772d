package io.github.betavae.cli;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.data.DSprites;
import io.github.betavae.data.DataFormatException;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Datasets;
import io.github.betavae.data.Subset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves {@code --data dsprites|FILE} (and {@code eval --input FILE}) and {@code --subset N} to a
 * checked dataset. Files are recognised by their content through {@link Datasets#open}, so a name
 * never decides the format, and every value is checked before training sees it: a NaN in the data
 * would otherwise surface hundreds of steps later as a diverged loss.
 */
final class DataOption {
  /** The accepted values, for help texts and messages. */
  static final String ACCEPTED = "dsprites or a data file (" + Datasets.FORMATS + ")";

  private DataOption() {}

  /** Checks that the spec names something that can exist, before anything is written. */
  static void check(String spec, String flag) {
    if (spec.equalsIgnoreCase("dsprites")) return;
    Path p = Path.of(spec);
    if (Files.isDirectory(p)) throw new IllegalArgumentException(flag + ": " + spec + " is a directory (expected " + ACCEPTED + ")");
    if (!Files.isRegularFile(p)) throw new IllegalArgumentException(flag + ": no file " + spec + " (expected " + ACCEPTED + ")");
  }

  /**
   * Opens the data; with {@code subset > 0} a seeded random subset of that many samples. The values
   * must be finite and, when {@code likelihood} is Bernoulli, in [0, 1].
   */
  static Dataset open(String spec, int subset, long seed, Likelihood likelihood, String flag) {
    check(spec, flag);
    Dataset ds;
    if (spec.equalsIgnoreCase("dsprites")) {
      ds = new DSprites();
    } else {
      try {
        ds = Datasets.open(Path.of(spec));
      } catch (DataFormatException e) {
        throw new DataFormatException(flag + ": " + e.getMessage(), e);
      }
    }
    if (subset > 0) {
      if (subset > ds.size()) {
        throw new IllegalArgumentException("--subset: expected at most " + ds.size() + " samples but found " + subset
            + " for " + ds.describe());
      }
      ds = Subset.random(ds, subset, seed);
    }
    try {
      Datasets.checkFinite(ds);
      if (likelihood == Likelihood.BERNOULLI) Datasets.checkUnitRange(ds);
    } catch (DataFormatException e) {
      throw new DataFormatException(flag + ": " + e.getMessage(), e);
    }
    return ds;
  }
}
