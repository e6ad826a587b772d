package io.github.betavae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.metrics.Diagnostics;
import io.github.betavae.metrics.Evaluator;
import io.github.betavae.model.BetaVae;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code betavae eval}: evaluates a checkpoint on a file of samples and prints one JSON object with
 * per-sample means {@code recon}, {@code kl}, {@code loss} = recon + β·kl, {@code kl_per_dim},
 * {@code active_units} (Var over the inputs of μ_d above 0.01), {@code n}, and He et al. 2019's
 * {@code mutual_info} I(x; z) in nats over {@code mutual_info_n} inputs (at most 2,000, a seeded
 * random subset beyond) with {@code mutual_info_batch} posteriors per mini-batch ({@code --mi-batch};
 * n for the all-N estimate), and on the same posterior samples {@code agg_kl} and {@code agg_mmd}, how
 * far the aggregate posterior is from the prior.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = "Evaluates a trained model on held-out data; prints one JSON object.")
public final class EvalCommand implements Callable<Integer> {
  @Mixin DeviceOptions devices;

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "run directory written by train")
  Path checkpoint;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "data file of N samples with the model's D features (.npy, .npz, IDX or CSV, plain or gzip)")
  String input;

  @Option(names = "--posterior-mean", description = "decode z = μ instead of a sample z = μ + σ·ε")
  boolean posteriorMean;

  @Option(names = "--seed", description = "seed for ε when sampling z")
  long seed = 0;

  @Option(names = "--batch", description = "samples per forward pass; sampled ε is drawn per batch, so keep it fixed to reproduce a sampled result")
  int batch = 256;

  @Option(names = "--mi-batch", paramLabel = "N", description = "estimate I(x; z) over mini-batches of N posteriors "
      + "(He et al. 2019 use 50); 0 = over all (up to 2,000) inputs")
  int miBatch = 0;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1 but was " + batch);
    if (miBatch < 0) throw new IllegalArgumentException("--mi-batch must be ≥ 0 (0 = all inputs) but was " + miBatch);
    devices.check();
    DataOption.check(input, "--input");
    if (!java.nio.file.Files.isDirectory(checkpoint)) {
      throw new IllegalArgumentException("--checkpoint: expected a run directory written by 'train' but found "
          + (java.nio.file.Files.exists(checkpoint) ? "a file " : "nothing at ") + checkpoint);
    }
    // The checkpoint's config first: it says which width and value range the input must have.
    RunConfig config = RunConfig.read(checkpoint.resolve(Checkpoint.CONFIG));
    Likelihood lik = parseLikelihood(config);
    Dataset data = DataOption.open(input, 0, seed, lik, "--input");
    int d = config.model().inputSize();
    if (data.features() != d) {
      throw new IllegalArgumentException("--input: expected " + d + " features per sample (the checkpoint's input size) but found "
          + data.features() + " in " + Path.of(input).getFileName());
    }
    // One pass never needs more rows than there are samples. On the CPU engine the cap changes no bit;
    // the CUDA kernels choose their split-K by batch, so there it may move the last bits.
    int b = Math.min(batch, data.size());
    Backends.Choice choice = devices.open("--batch", b, config.vaeConfig(), 2);
    try (Backend be = choice.backend();
         BetaVae model = Checkpoint.load(checkpoint, be).model();
         io.github.betavae.train.BatchSource source = DataPlacement.of(be, data, seed)) {
      Evaluator.Result r = Evaluator.evaluate(model, data, posteriorMean, seed, b, source);
      ObjectNode o = toJson(r);
      // I(x; z) costs O(n²): past the cap it is estimated on a seeded random subset of the input.
      Dataset miData = data.size() > DiagnosticOptions.MAX_HELD_OUT
          ? io.github.betavae.data.Subset.random(data, DiagnosticOptions.MAX_HELD_OUT, seed) : data;
      if (miData.size() >= 2) {
        Diagnostics.Result dr = Diagnostics.compute(model, miData, seed, Math.min(b, miData.size()), miBatch);
        o.put("mutual_info", dr.mutualInfo());
        o.put("mutual_info_n", miData.size());
        o.put("mutual_info_batch", dr.miBatch());
        o.put("agg_kl", dr.aggKl());
        o.put("agg_mmd", dr.aggMmd());
      }
      spec.commandLine().getOut().println(o);
      // The device line follows the result, so a failure prints only its one error line.
      spec.commandLine().getErr().println(choice.description());
      return 0;
    }
  }

  private Likelihood parseLikelihood(RunConfig config) throws IOException {
    try {
      return Likelihood.parse(config.model().likelihood());
    } catch (IllegalArgumentException e) {
      throw new IOException(checkpoint.resolve(Checkpoint.CONFIG) + ": " + e.getMessage());
    }
  }

  /** The result as a JSON object. */
  static ObjectNode toJson(Evaluator.Result r) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode o = json.createObjectNode();
    o.put("recon", r.recon());
    o.put("kl", r.kl());
    o.put("loss", r.loss());
    ArrayNode per = o.putArray("kl_per_dim");
    for (double k : r.klPerDim()) per.add(k);
    o.put("active_units", r.activeUnits());
    o.put("n", r.n());
    return o;
  }
}
