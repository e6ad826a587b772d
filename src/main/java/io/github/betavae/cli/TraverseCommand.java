package io.github.betavae.cli;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;
import io.github.betavae.viz.Traversals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code betavae traverse}: latent traversals of a trained model, one row per dimension, by KL. */
@Command(name = "traverse", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = {"Varies one latent dimension at a time around the posterior mean of an input and writes the",
        "decoded grid as a PNG: one row per dimension, sorted by mean KL (largest first), one column per value."})
public final class TraverseCommand implements Callable<Integer> {
  @Mixin DeviceOptions devices;

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "run directory written by train")
  Path checkpoint;

  @Option(names = "--data", paramLabel = "dsprites|FILE", description = "data the input and the KL ordering come from")
  String data = "dsprites";

  @Option(names = "--index", paramLabel = "I", description = "input sample (default: one picked by --seed)")
  Integer index;

  @Option(names = "--range", description = "each dimension runs over [-range, range]")
  double range = 3.0;

  @Option(names = "--steps", description = "values per dimension (2 to 100)")
  int steps = 10;

  @Option(names = "--reference", paramLabel = "N", description = "samples whose mean KL orders the rows")
  int reference = 1000;

  @Option(names = "--seed", description = "picks the input (without --index) and the reference samples")
  long seed = 0;

  @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "PNG file to write")
  Path out;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    // Check everything the user typed before any work, so a bad value costs nothing.
    Traversals.Options opt = new Traversals.Options(range, steps, reference, seed);
    OutputPng.checkReplaceable(out);
    // The checkpoint's likelihood decides which value range the data must have.
    RunConfig config = RunConfig.read(checkpoint.resolve(Checkpoint.CONFIG));
    Dataset ds = DataOption.open(data, 0, seed, Likelihood.parse(config.model().likelihood()), "--data");
    int i = index != null ? index : Traversals.pickIndex(ds, seed);
    if (i < 0 || i >= ds.size()) {
      throw new IllegalArgumentException("--index: expected a sample in [0, " + ds.size() + ") but found " + i);
    }
    Backends.Choice choice = devices.open();
    try (Backend be = choice.backend();
         BetaVae model = Checkpoint.load(checkpoint, be).model()) {
      Traversals.Result res = Traversals.write(model, ds, i, opt, out);
      StringBuilder rows = new StringBuilder();
      for (int dim : res.order()) {
        rows.append(String.format(Locale.ROOT, " z%d %.3f", dim, res.klPerDim()[dim]));
      }
      spec.commandLine().getOut().println("wrote " + out + " (input " + i + "; rows by KL in nats:" + rows + ")");
      spec.commandLine().getErr().println(choice.description());
      return 0;
    }
  }
}
