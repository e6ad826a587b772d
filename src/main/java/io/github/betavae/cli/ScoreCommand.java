package io.github.betavae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.data.Datasets;
import io.github.betavae.metrics.Disentanglement;
import io.github.betavae.metrics.Encoder;
import io.github.betavae.metrics.GroundTruth;
import io.github.betavae.model.BetaVae;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code betavae score}: the three disentanglement metrics of a checkpoint on data with ground-truth
 * factors, printed as one JSON object: {@code beta_vae_metric}, {@code factor_vae_metric}, {@code mig}
 * (each in [0, 1]), the {@code samples} preset and counts used, and the {@code seed}.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = {"Scores disentanglement on data with ground-truth factors (a full factor grid, such as dSprites):",
        "the β-VAE metric (Higgins et al. 2017), the FactorVAE metric (Kim & Mnih 2018) and MIG (Chen et al. 2018),",
        "on the posterior mean μ(x). Prints one JSON object."})
public final class ScoreCommand implements Callable<Integer> {
  @Mixin DeviceOptions devices;

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "run directory written by train")
  Path checkpoint;

  @Option(names = "--data", paramLabel = "dsprites|FILE", description = {"dsprites (built in) or a file with factors that form a full grid,",
      "such as the original dsprites .npz"})
  String data = "dsprites";

  @Option(names = "--samples", paramLabel = "PRESET", description = {"default: disentanglement_lib's counts (about 2.1 million encoded images);",
      "small: about 40,000, for a quick, noisier look"})
  String samples = "default";

  @Option(names = "--seed", description = "seeds the metrics' sampling")
  long seed = 0;

  @Option(names = "--batch", description = "observations per encoder pass")
  int batch = 256;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1 but was " + batch);
    devices.check();
    ScorePreset preset = ScorePreset.parse(samples, "--samples");
    GroundTruth truth = groundTruth(data);
    Backends.Choice choice = devices.open();
    try (Backend be = choice.backend(); BetaVae model = Checkpoint.load(checkpoint, be).model()) {
      Disentanglement.Scores s = score(model, truth, preset, seed, batch);
      spec.commandLine().getOut().println(toJson(s, preset));
      spec.commandLine().getErr().println(choice.description());
      return 0;
    }
  }

  /** The ground truth of {@code --data}; data without a full factor grid is refused in one line. */
  static GroundTruth groundTruth(String spec) {
    if (spec.equalsIgnoreCase("dsprites")) return GroundTruth.dSprites();
    if (!Files.isRegularFile(Path.of(spec))) {
      throw new IllegalArgumentException("--data: no file " + spec + " (expected dsprites or a file with factors)");
    }
    try {
      return GroundTruth.of(Datasets.open(Path.of(spec)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--data " + spec + ": disentanglement needs a full factor grid; " + e.getMessage());
    }
  }

  /** The three scores of {@code model}'s posterior mean. */
  static Disentanglement.Scores score(BetaVae model, GroundTruth truth, ScorePreset preset, long seed, int batch) {
    if (truth.features() != model.config().inputSize()) {
      throw new IllegalArgumentException("score: the model expects " + model.config().inputSize()
          + " features per sample but the ground truth has " + truth.features());
    }
    return Disentanglement.score(Encoder.posteriorMean(model, batch), truth, preset.counts, seed);
  }

  static ObjectNode toJson(Disentanglement.Scores s, ScorePreset preset) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("beta_vae_metric", s.betaVaeMetric());
    o.put("factor_vae_metric", s.factorVaeMetric());
    o.put("mig", s.mig());
    ObjectNode n = o.putObject("samples");
    n.put("preset", preset.id());
    Disentanglement.Counts c = s.counts();
    ObjectNode b = n.putObject("beta_vae_metric");
    b.put("batch_size", c.betaVae().batchSize());
    b.put("num_train", c.betaVae().numTrain());
    b.put("num_eval", c.betaVae().numEval());
    ObjectNode f = n.putObject("factor_vae_metric");
    f.put("batch_size", c.factorVae().batchSize());
    f.put("num_train", c.factorVae().numTrain());
    f.put("num_eval", c.factorVae().numEval());
    f.put("num_variance", c.factorVae().numVariance());
    ObjectNode m = n.putObject("mig");
    m.put("num_points", c.mig().numPoints());
    m.put("bins", c.mig().bins());
    o.put("seed", s.seed());
    return o;
  }
}
