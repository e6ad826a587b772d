package io.github.betavae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Datasets;
import io.github.betavae.metrics.Disentanglement;
import io.github.betavae.metrics.Encoder;
import io.github.betavae.metrics.GroundTruth;
import io.github.betavae.metrics.ScoreDump;
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
 * (each in [0, 1]), {@code factor_vae_active_dims}, the {@code samples} preset and counts used, and
 * the {@code seed}; {@code --dump DIR} also writes what each score was computed from ({@link
 * ScoreDump}).
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = {"Scores disentanglement on data with ground-truth factors (a full factor",
        "grid, such as dSprites) on the posterior mean μ(x); prints one JSON object.",
        "Each number is computed as google-research/disentanglement_lib computes it:",
        "  beta_vae_metric    Higgins et al. 2017 (beta_vae_sklearn): sklearn's",
        "                     LogisticRegression() defaults (lbfgs, multinomial,",
        "                     C = 1) on the raw mean |z1 - z2| features",
        "  factor_vae_metric  Kim & Mnih 2018 (factor_vae_score): global-variance",
        "                     normalisation, pruning at std 0.05, majority vote;",
        "                     factor_vae_active_dims counts the dimensions kept",
        "  mig                Chen et al. 2018 (mig): 20-bin histograms, plug-in",
        "                     mutual information over H(v_k)",
        "--dump DIR writes the arrays each score was computed from as .npy, so",
        "reference code can re-score them (bench/rescore_dump.py does, with numpy",
        "and scikit-learn). Scores comparable with published ones need the",
        "original dSprites .npz (--data FILE): the built-in data draws its own shapes."})
public final class ScoreCommand implements Callable<Integer> {
  @Mixin DeviceOptions devices;

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "run directory written by train")
  Path checkpoint;

  @Option(names = "--data", paramLabel = "dsprites|FILE", description = {"dsprites (built in) or a file with factors that form a full grid,",
      "such as the original dsprites .npz"})
  String data = "dsprites";

  @Option(names = "--samples", paramLabel = "PRESET", description = {"default: disentanglement_lib's counts (about 2.9 million encoded images);",
      "small: about 40,000, for a quick, noisier look"})
  String samples = "default";

  @Option(names = "--dump", paramLabel = "DIR", description = "also write the arrays behind each score as .npy into "
      + "DIR, a new or empty directory: beta_vae_{train,eval}_{features,labels}, factor_vae_{train,eval}_votes, mig_codes, "
      + "mig_factors")
  Path dump;

  @Option(names = "--standardize-beta-vae", description = "z-score the β-VAE metric's features before the fit: "
      + "blind to the scale of each code dimension, NOT disentanglement_lib's metric (off by default)")
  boolean standardizeBetaVae;

  @Option(names = "--seed", description = "seeds the metrics' sampling")
  long seed = 0;

  @Option(names = "--batch", description = "observations per encoder pass (at most 512 are used: the metrics never pass more at once)")
  int batch = 256;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1 but was " + batch);
    devices.check();
    ScorePreset preset = ScorePreset.parse(samples, "--samples");
    if (dump != null) checkDumpIsFree(dump);
    GroundTruth truth = groundTruth(data);
    // μ(x) of one row ignores the others, so a pass larger than the metrics' 512 only pads: capped. (On
    // the CPU engine the pass size changes no bit; the CUDA kernels' split-K may move the last bits.)
    int b = Math.min(batch, Disentanglement.MAX_PASS);
    RunConfig config = RunConfig.read(checkpoint.resolve(Checkpoint.CONFIG));
    Backends.Choice choice = devices.open("--batch", b, config.vaeConfig(), 2);
    try (Backend be = choice.backend(); BetaVae model = Checkpoint.load(checkpoint, be).model()) {
      Disentanglement.Counts counts = preset.counts;
      if (standardizeBetaVae) {
        counts = new Disentanglement.Counts(counts.betaVae().withStandardize(true), counts.factorVae(), counts.mig());
      }
      Disentanglement.Scores s = score(model, truth, counts, seed, b);
      if (dump != null) ScoreDump.write(dump, s);
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

  /** Refuses a dump directory that is a file or holds anything: a dump never replaces files. */
  static void checkDumpIsFree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--dump: expected a new or empty directory but found a file at " + dir);
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      if (s.findAny().isPresent()) {
        throw new IllegalArgumentException("--dump: expected a new or empty directory but " + dir + " is not empty");
      }
    }
  }

  /** The three scores of {@code model}'s posterior mean with a preset's counts. */
  static Disentanglement.Scores score(BetaVae model, GroundTruth truth, ScorePreset preset, long seed, int batch) {
    return score(model, truth, preset.counts, seed, batch);
  }

  /** The three scores of {@code model}'s posterior mean. */
  static Disentanglement.Scores score(BetaVae model, GroundTruth truth, Disentanglement.Counts counts, long seed,
                                      int batch) {
    if (truth.features() != model.config().inputSize()) {
      throw new IllegalArgumentException("score: the model expects " + model.config().inputSize()
          + " features per sample but the ground truth has " + truth.features());
    }
    return Disentanglement.score(Encoder.posteriorMean(model, batch), truth, counts, seed);
  }

  static ObjectNode toJson(Disentanglement.Scores s, ScorePreset preset) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("beta_vae_metric", s.betaVaeMetric());
    o.put("factor_vae_metric", s.factorVaeMetric());
    o.put("mig", s.mig());
    o.put("factor_vae_active_dims", s.factorVaeDetail().activeDims());
    ObjectNode n = o.putObject("samples");
    n.put("preset", preset.id());
    Disentanglement.Counts c = s.counts();
    ObjectNode b = n.putObject("beta_vae_metric");
    b.put("batch_size", c.betaVae().batchSize());
    b.put("num_train", c.betaVae().numTrain());
    b.put("num_eval", c.betaVae().numEval());
    b.put("features", c.betaVae().standardize() ? "standardized" : "raw");
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
