package io.github.betavae.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.optim.Adam;
import io.github.betavae.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that produced a checkpoint, stored as {@code config.json} beside the weights: the
 * network, the objective, the optimizer, the training schedule, the data and provenance. Keys are
 * snake_case; unknown keys are ignored so newer files stay readable.
 *
 * @param format file format tag, {@value #FORMAT}
 * @param diagnostics held-out split and collapse monitoring; {@link Diagnostics#NONE} in files written
 *     before the section existed
 */
public record RunConfig(String format, Model model, ObjectiveSettings objective, OptimizerSettings optimizer,
                        Training training, DataInfo data, Provenance provenance, Diagnostics diagnostics) {

  /** A configuration without diagnostics ({@link Diagnostics#NONE}). */
  public RunConfig(String format, Model model, ObjectiveSettings objective, OptimizerSettings optimizer,
                   Training training, DataInfo data, Provenance provenance) {
    this(format, model, objective, optimizer, training, data, provenance, Diagnostics.NONE);
  }

  /** The format tag written into every config.json. */
  public static final String FORMAT = "betavae-run/1";

  /**
   * The network (DESIGN §3); activations, likelihood and architecture by their lower-case names.
   * {@code inputShape} is (C, H, W) for the convolutional architectures, (D) for an MLP.
   */
  public record Model(int inputSize, List<Integer> encoder, String encoderActivation, int latent,
                      List<Integer> decoder, String decoderActivation, String likelihood, String architecture,
                      List<Integer> inputShape) {
    public static Model of(VaeConfig c) {
      return new Model(c.inputSize(), c.encoder(), c.encoderActivation().id(), c.latent(), c.decoder(),
          c.decoderActivation().id(), c.likelihood().id(), c.arch().id(),
          c.arch().convolutional() ? List.of(c.channels(), io.github.betavae.model.Arch.SIDE, io.github.betavae.model.Arch.SIDE)
              : List.of(c.inputSize()));
    }
  }

  /**
   * The loss. {@code type} is the objective's kind ("beta" for {@code recon + β·KL} with a constant β);
   * {@code beta} is the β that evaluation reports {@code loss = recon + β·KL} with (the plateau of a
   * schedule); {@code settings} is {@code Objective.settings()}, from which a resumed run rebuilds the
   * exact objective.
   */
  public record ObjectiveSettings(String type, double beta, Map<String, Object> settings) {
    public ObjectiveSettings {
      settings = settings == null ? constantBeta(beta) : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** A constant-β objective, as files written before {@code settings} existed describe it. */
    public ObjectiveSettings(String type, double beta) {
      this(type, beta, constantBeta(beta));
    }

    /** What {@code Objective.beta(beta).settings()} gives. */
    private static Map<String, Object> constantBeta(double beta) {
      Map<String, Object> schedule = new LinkedHashMap<>();
      schedule.put("kind", "constant");
      schedule.put("beta", beta);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "beta");
      m.put("schedule", schedule);
      return m;
    }
  }

  /**
   * Diagnostics on a held-out split (DESIGN §7).
   *
   * @param valFraction fraction of the data held out of training (0 = none)
   * @param every evaluate the held-out set every this many steps and at the end (0 = only at the end)
   * @param collapseThreshold warn when fewer latent dimensions than this are active
   * @param miBatch posteriors per mini-batch of the batched I(x; z) estimator; 0 = all held-out samples
   */
  public record Diagnostics(double valFraction, long every, int collapseThreshold, int miBatch) {
    /** No held-out split; collapse warnings from the training batch only. */
    public static final Diagnostics NONE = new Diagnostics(0, 0, 1, 0);

    public Diagnostics {
      if (!(valFraction >= 0 && valFraction < 1)) {
        throw new IllegalArgumentException("diagnostics: expected a held-out fraction in [0, 1) but found " + valFraction);
      }
      if (every < 0) throw new IllegalArgumentException("diagnostics: expected an interval ≥ 0 but found " + every);
      if (collapseThreshold < 0) {
        throw new IllegalArgumentException("diagnostics: expected a collapse threshold ≥ 0 but found " + collapseThreshold);
      }
      if (miBatch < 0) throw new IllegalArgumentException("diagnostics: expected a mutual-information batch ≥ 0 but found " + miBatch);
    }
  }

  /** Adam/AdamW hyper-parameters. */
  public record OptimizerSettings(String name, double lr, double beta1, double beta2, double eps, double weightDecay) {
    public static OptimizerSettings of(Adam.Config c) {
      return new OptimizerSettings(c.weightDecay() == 0 ? "adam" : "adamw", c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay());
    }

    public Adam.Config toAdam() {
      return new Adam.Config(lr, beta1, beta2, eps, weightDecay);
    }
  }

  /**
   * The schedule: {@code steps} is the budget asked for (0 when given in epochs), {@code steps_done}
   * the updates this checkpoint has taken, {@code skipped_nonfinite} how many of those batches were
   * skipped for a NaN or ±∞ under {@code --skip-nonfinite} (0 when absent from older files).
   */
  public record Training(long seed, int batch, long steps, int epochs, long stepsDone, long checkpointEvery,
                         long skippedNonfinite, String precision) {
    public Training {
      if (precision == null) precision = "fp32";
      io.github.betavae.backend.Precision.parse(precision);  // fp32 or tf32, else the file is refused
    }

    /** A schedule with nothing skipped, in FP32. */
    public Training(long seed, int batch, long steps, int epochs, long stepsDone, long checkpointEvery) {
      this(seed, batch, steps, epochs, stepsDone, checkpointEvery, 0, "fp32");
    }

    /** The arithmetic of the dense products the run trains with (DESIGN §12). */
    public io.github.betavae.backend.Precision precisionMode() {
      return io.github.betavae.backend.Precision.parse(precision);
    }
  }

  /**
   * What was trained on: the {@code --data} spec (a file as an absolute path, so the run resumes from
   * any working directory), its description, N and D, the subset size (0 = all), and for a file its
   * size in bytes and a {@link #fingerprint} (−1 and "" for the built-in data and in older files).
   */
  public record DataInfo(String spec, String description, int size, int features, int subset, long fileBytes,
                         String fingerprint) {
    /** Without a file identity: built-in data, or written before it was recorded. */
    public DataInfo(String spec, String description, int size, int features, int subset) {
      this(spec, description, size, features, subset, -1, "");
    }

    /** The record of {@code data} opened from {@code spec}: a file spec is made absolute and fingerprinted. */
    public static DataInfo of(String spec, Dataset data, int subset) {
      if (spec.equalsIgnoreCase("dsprites") || !Files.isRegularFile(Path.of(spec))) {
        return new DataInfo(spec, data.describe(), data.size(), data.features(), subset);
      }
      Path p = Path.of(spec).toAbsolutePath().normalize();
      try {
        return new DataInfo(p.toString(), data.describe(), data.size(), data.features(), subset, Files.size(p), fingerprint(p));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("reading " + spec + " to fingerprint it", e);
      }
    }

    /**
     * A cheap identity of a file's content: SHA-256 over its size and its first and last MiB, as 16 hex
     * digits. Two files of the same shape but different values differ here unless they differ only in
     * the middle of a file larger than 2 MiB, which the size and ends rarely hide.
     */
    public static String fingerprint(Path file) throws IOException {
      java.security.MessageDigest sha;
      try {
        sha = java.security.MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
        long size = ch.size();
        sha.update(java.nio.ByteBuffer.allocate(8).putLong(0, size));
        int chunk = 1 << 20;
        boolean large = size > 2L * chunk;
        for (long at : large ? new long[] {0, size - chunk} : new long[] {0}) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(large ? chunk : (int) size);
          while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // keep reading
          }
          b.flip();
          sha.update(b);
        }
      }
      return java.util.HexFormat.of().formatHex(sha.digest(), 0, 8);
    }

    /** Whether this record carries a file identity to check. */
    public boolean hasIdentity() {
      return fileBytes >= 0 && fingerprint != null && !fingerprint.isEmpty();
    }
  }

  /** What produced the file. {@code created} is the only time-dependent field of a run directory's checkpoint. */
  public record Provenance(String library, String version, String backend, String java, String created) {
    /** Provenance stamped now (to the second) for {@code backend}, with this JVM's version. */
    public static Provenance now(String version, String backend) {
      return new Provenance("betavae", version, backend,
          System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
  }

  /** A β-VAE run (objective {@code recon + β·KL}) with nothing done yet. */
  public static RunConfig of(VaeConfig vae, Adam.Config adam, TrainConfig train, DataInfo data, Provenance provenance) {
    return new RunConfig(FORMAT, Model.of(vae), new ObjectiveSettings("beta", vae.beta()), OptimizerSettings.of(adam),
        new Training(train.seed(), train.batch(), train.steps(), train.epochs(), 0, train.checkpointEvery()), data, provenance);
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  /** The network as a validated {@link VaeConfig}; β comes from the objective section. */
  public VaeConfig vaeConfig() {
    io.github.betavae.model.Arch arch = io.github.betavae.model.Arch.parse(model.architecture());
    int channels = 1;
    if (arch.convolutional()) {
      List<Integer> s = model.inputShape();
      if (s == null || s.size() != 3 || s.get(1) != io.github.betavae.model.Arch.SIDE || s.get(2) != io.github.betavae.model.Arch.SIDE) {
        throw new IllegalArgumentException("model: the " + arch.id() + " architecture needs an input shape (C, 64, 64) but found " + s);
      }
      channels = s.get(0);
    }
    return new VaeConfig(model.inputSize(), model.encoder(), Activation.parse(model.encoderActivation()), model.latent(),
        model.decoder(), Activation.parse(model.decoderActivation()), Likelihood.parse(model.likelihood()), objective.beta(),
        arch, channels);
  }

  /** The same configuration with {@code steps_done} replaced. */
  public RunConfig withStepsDone(long stepsDone) {
    return withProgress(stepsDone, training.skippedNonfinite());
  }

  /** The same configuration with {@code steps_done} and {@code skipped_nonfinite} replaced. */
  public RunConfig withProgress(long stepsDone, long skippedNonfinite) {
    Training t = new Training(training.seed(), training.batch(), training.steps(), training.epochs(), stepsDone,
        training.checkpointEvery(), skippedNonfinite, training.precision());
    return new RunConfig(format, model, objective, optimizer, t, data, provenance, diagnostics);
  }

  /** The same configuration with the objective replaced. */
  public RunConfig withObjective(ObjectiveSettings o) {
    return new RunConfig(format, model, o, optimizer, training, data, provenance, diagnostics);
  }

  /** The same configuration training in {@code p}. */
  public RunConfig withPrecision(io.github.betavae.backend.Precision p) {
    Training t = new Training(training.seed(), training.batch(), training.steps(), training.epochs(), training.stepsDone(),
        training.checkpointEvery(), training.skippedNonfinite(), p.id());
    return new RunConfig(format, model, objective, optimizer, t, data, provenance, diagnostics);
  }

  /** The same configuration with the diagnostics replaced. */
  public RunConfig withDiagnostics(Diagnostics d) {
    return new RunConfig(format, model, objective, optimizer, training, data, provenance, d);
  }

  /** Pretty-printed JSON, ending in a newline. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("config.json: cannot encode", e);
    }
  }

  /** Parses JSON produced by {@link #toJson()}; problems are reported in one line. */
  public static RunConfig fromJson(String json, String source) throws IOException {
    RunConfig c;
    try {
      // Sections added after format 1 was first written get their defaults where a file lacks them.
      com.fasterxml.jackson.databind.JsonNode tree = JSON.readTree(json);
      if (tree instanceof ObjectNode o) {
        if (!o.has("diagnostics")) o.set("diagnostics", JSON.valueToTree(Diagnostics.NONE));
        // Files written before the data's identity was recorded: nothing to check it against.
        if (o.get("data") instanceof ObjectNode dn) {
          if (!dn.has("file_bytes")) dn.put("file_bytes", -1L);
          if (!dn.has("fingerprint")) dn.put("fingerprint", "");
        }
        // Files written before --mi-batch existed used the all-N estimate.
        if (o.get("diagnostics") instanceof ObjectNode dg && !dg.has("mi_batch")) dg.put("mi_batch", 0);
        if (o.get("objective") instanceof ObjectNode obj && !obj.has("settings") && obj.has("beta")) {
          obj.set("settings", JSON.valueToTree(new ObjectiveSettings("beta", obj.get("beta").asDouble()).settings()));
        }
        // Files written before --skip-nonfinite existed lack the count: they skipped nothing.
        if (o.get("training") instanceof ObjectNode t && !t.has("skipped_nonfinite")) t.put("skipped_nonfinite", 0L);
        // Files written before --arch existed describe an MLP.
        if (o.get("model") instanceof ObjectNode m && !m.has("architecture")) {
          m.put("architecture", "mlp");
          if (m.has("input_size")) m.putArray("input_shape").add(m.get("input_size").asInt());
        }
        // Files written before --precision existed trained in FP32.
        if (o.get("training") instanceof ObjectNode t && !t.has("precision")) t.put("precision", "fp32");
      }
      c = JSON.treeToValue(tree, RunConfig.class);
    } catch (JsonProcessingException e) {
      throw new IOException(source + ": " + describe(e));
    }
    if (c == null || c.model() == null || c.objective() == null || c.optimizer() == null || c.training() == null) {
      throw new IOException(source + ": expected sections model, objective, optimizer and training");
    }
    if (!FORMAT.equals(c.format())) {
      throw new IOException(source + ": expected format " + FORMAT + " but found " + c.format());
    }
    try {
      c.vaeConfig(); // the network it describes must be one that can be built
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": model: " + e.getMessage());
    }
    return c;
  }

  /** A Jackson failure in the words of this file: which field, what was expected, what was found. */
  static String describe(JsonProcessingException e) {
    String msg = String.valueOf(e.getOriginalMessage());
    if (e instanceof com.fasterxml.jackson.core.JsonParseException p) {
      String where = p.getLocation() == null ? "" : " at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr();
      if (msg.contains("NaN") || msg.contains("Infinity") || msg.contains("NON_NUMERIC")) {
        return "not valid JSON" + where + ": expected a finite number but found NaN or Infinity";
      }
      return "not valid JSON" + where + ": " + msg.replaceAll("\\s*\\R.*", "").replaceAll(" \\(for .*", "");
    }
    String field = "";
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
      StringBuilder sb = new StringBuilder();
      for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) sb.append(sb.length() > 0 ? "." : "").append(r.getFieldName());
        else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
      }
      field = sb.toString();
    }
    java.util.regex.Matcher missing = java.util.regex.Pattern.compile("Missing (?:required )?creator property '([^']+)'").matcher(msg);
    if (missing.find()) {
      String parent = field.contains(".") ? field.substring(0, field.lastIndexOf('.')) : "";
      return "missing field '" + (parent.isEmpty() ? "" : parent + ".") + missing.group(1) + "'";
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f) {
      return "field '" + field + "': expected " + typeName(f.getTargetType()) + " but found " + f.getValue();
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mi && mi.getTargetType() != null) {
      return "field '" + field + "': expected " + typeName(mi.getTargetType()) + " but found " + found(mi);
    }
    return (field.isEmpty() ? "" : "field '" + field + "': ") + msg.replaceAll("\\s*\\R.*", "");
  }

  private static String found(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
    if (e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p && p.currentToken() != null) {
      switch (p.currentToken()) {
        case VALUE_NUMBER_INT: return "an integer";
        case VALUE_NUMBER_FLOAT: return "a number";
        case VALUE_STRING: return "a string";
        case START_OBJECT: return "an object";
        case START_ARRAY: return "a list";
        case VALUE_TRUE: case VALUE_FALSE: return "true or false";
        case VALUE_NULL: return "null";
        default: break;
      }
    }
    return "something else";
  }

  private static String typeName(Class<?> t) {
    if (t == null) return "a value";
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
    if (t == double.class || t == Double.class || t == float.class) return "a number";
    if (t == boolean.class || t == Boolean.class) return "true or false";
    if (t == String.class) return "a string";
    if (java.util.List.class.isAssignableFrom(t)) return "a list";
    return "an object (" + t.getSimpleName() + ")";
  }

  /** Writes {@code dir/config.json} atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.write(file, toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Reads and checks a config.json. */
  public static RunConfig read(Path file) throws IOException {
    String text;
    AtomicFiles.requireRegular(file);
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IOException("missing " + file + " (expected a run directory written by 'train')");
    }
    return fromJson(text, file.getFileName().toString());
  }
}
