package io.github.betavae.cli;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.model.BetaVae;
import io.github.betavae.viz.Figures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code betavae sample}: decodes draws from the prior N(0, I) into a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = "Decodes z ~ N(0, I) with a trained model and writes a PNG grid.")
public final class SampleCommand implements Callable<Integer> {
  @Mixin DeviceOptions devices;

  /** Upper bound on --n: a 64×64 grid is already 4096 images. */
  static final int MAX_N = 4096;

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "run directory written by train")
  Path checkpoint;

  @Option(names = "--n", description = "number of samples (1 to " + MAX_N + ")")
  int n = 64;

  @Option(names = "--seed", description = "seed of the prior draws")
  long seed = 0;

  @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "PNG file to write")
  Path out;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    if (n < 1 || n > MAX_N) throw new IllegalArgumentException("--n must be in [1, " + MAX_N + "] but was " + n);
    OutputPng.checkReplaceable(out);
    Backends.Choice choice = devices.open();
    try (Backend be = choice.backend();
         BetaVae model = Checkpoint.load(checkpoint, be).model()) {
      Figures.writeSamples(model, n, seed, out);
      spec.commandLine().getOut().println("wrote " + out + " (" + n + " samples, seed " + seed + ")");
      // The device line follows the result, so a failure prints only its one error line.
      spec.commandLine().getErr().println(choice.description());
      return 0;
    }
  }
}
