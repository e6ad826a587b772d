package io.github.betavae.checkpoint;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.FiniteScan;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run directory's checkpoint (DESIGN §9): {@code model.safetensors} with PyTorch {@code nn.Linear}
 * names and shapes, {@code optimizer.safetensors} with Adam's moments and step, and
 * {@code config.json}. The three are replaced as a recoverable group ({@link AtomicFiles#writeGroup},
 * {@link #recover}). The weights file holds nothing but the weights, a fixed format tag and the step,
 * so same-seed runs produce identical bytes.
 */
public final class Checkpoint {
  public static final String MODEL = "model.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String CONFIG = "config.json";

  private Checkpoint() {}

  /** A model loaded from a run directory, with the configuration that produced it. */
  public record Loaded(RunConfig config, BetaVae model) {}

  /** Adam's state as stored: first and second moments (layout order) and the number of updates taken. */
  public record OptimizerState(float[] m, float[] v, long step) {}

  /**
   * Writes weights, optimizer state and config into {@code dir} (created if needed) as one group
   * (see {@link AtomicFiles#writeGroup}): after a kill at any moment, {@link #recover} finds the
   * three files of one step. Both safetensors files carry the step in their metadata so that
   * agreement can be checked.
   */
  public static void save(Path dir, BetaVae model, Adam adam, RunConfig config) throws IOException {
    Files.createDirectories(dir);
    long step = config.training().stepsDone();
    float[] params = model.paramsToHost();
    // A checkpoint never holds a NaN: the numeric guard stops one before an update, this is the last wall.
    if (!FiniteScan.allFinite(params, 0, params.length)) {
      for (ParamLayout.Tensor t : model.layout().tensors()) {
        int i = firstBad(params, (int) t.offset(), (int) t.size(), false);
        if (i >= 0) {
          throw new IllegalStateException("refusing to save a checkpoint: tensor " + t.name() + " holds "
              + params[(int) t.offset() + i] + " at index " + i);
        }
      }
    }
    Map<Path, AtomicFiles.Writer> group = new LinkedHashMap<>();
    group.put(dir.resolve(MODEL), modelWriter(model.layout(), params, step));
    if (adam != null) {
      Backend be = model.backend();
      float[] m = new float[(int) model.layout().size()];
      float[] v = new float[m.length];
      be.read(adam.m(), m);
      be.read(adam.v(), v);
      group.put(dir.resolve(OPTIMIZER), optimizerWriter(m, v, adam.steps()));
    }
    // config.json last: its steps_done never claims more than the weights beside it hold.
    byte[] json = config.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    group.put(dir.resolve(CONFIG), out -> out.write(json));
    AtomicFiles.writeGroup(group);
  }

  /**
   * Makes {@code dir}'s checkpoint consistent after a process was killed while saving: removes the
   * temporary files of writers that are no longer alive, and if the weights, the optimizer state and
   * config.json do not hold the same step, puts back the complete previous checkpoint kept beside
   * them. A writer's operation: call it only while holding the directory's {@link RunLock}.
   *
   * @return the step the checkpoint holds
   * @throws IOException when the files disagree and no previous checkpoint can be restored
   */
  public static long recover(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir + " (expected a run directory written by 'train')");
    AtomicFiles.removeLeftovers(dir);
    String why = disagreement(dir);
    if (why == null) return RunConfig.read(dir.resolve(CONFIG)).training().stepsDone();
    List<Path> group = new ArrayList<>(List.of(dir.resolve(MODEL), dir.resolve(CONFIG)));
    if (Files.exists(dir.resolve(OPTIMIZER))) group.add(1, dir.resolve(OPTIMIZER));
    if (!AtomicFiles.restorePrevious(group) || disagreement(dir) != null) {
      throw new IOException(dir + ": the checkpoint files disagree (" + why + ") and no complete previous checkpoint is left");
    }
    return RunConfig.read(dir.resolve(CONFIG)).training().stepsDone();
  }

  /**
   * Why the three files do not belong to one step; null when they do (a file without a step tag
   * agrees). A file that does not parse is damage, not a kill mid-save (each file is replaced
   * atomically): its own error is thrown.
   */
  private static String disagreement(Path dir) throws IOException {
    long config = RunConfig.read(dir.resolve(CONFIG)).training().stepsDone();
    for (String f : List.of(MODEL, OPTIMIZER)) {
      Path p = dir.resolve(f);
      if (!Files.exists(p)) continue;
      long step;
      try (SafeTensors.Reader r = SafeTensors.open(p)) {
        String s = r.metadata().get("step");
        if (s == null) continue;
        try {
          step = Long.parseLong(s);
        } catch (NumberFormatException e) {
          throw new IOException(f + ": expected an integer 'step' in the metadata but found " + s);
        }
      }
      if (step != config) return CONFIG + " says step " + config + " but " + f + " holds step " + step;
    }
    return null;
  }

  /** How often a reader re-reads a checkpoint that a live writer is replacing, and how long it waits between. */
  private static final int READ_ATTEMPTS = 100;
  private static final long READ_PAUSE_MS = 20;

  /**
   * Reads config.json and model.safetensors from {@code dir} and builds the model on {@code backend}.
   *
   * <p>A reader: it never writes, renames or deletes anything in {@code dir}, so it may run while
   * {@code train} writes the directory. It returns the last complete checkpoint: when the weights and
   * config.json it read belong to different steps (a save was under way), it takes the previous
   * checkpoint's files that the writer keeps beside them during a save ({@link AtomicFiles#previous}),
   * or reads again a moment later. Only a writer ({@link #recover}, under {@link RunLock}) repairs a
   * directory.
   */
  public static Loaded load(Path dir, Backend backend) throws IOException {
    if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir + " (expected a run directory written by 'train')");
    Snapshot s = readSnapshot(dir);
    BetaVae model = new BetaVae(s.vc(), backend);
    try {
      model.loadParams(s.params());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return new Loaded(s.config(), model);
  }

  private record Snapshot(RunConfig config, VaeConfig vc, float[] params) {}

  /** A consistent (config.json, weights) pair of {@code dir}; read-only. */
  private static Snapshot readSnapshot(Path dir) throws IOException {
    Path config = dir.resolve(CONFIG), model = dir.resolve(MODEL);
    Path[][] pairs = {{config, model}, {config, AtomicFiles.previous(model)},
        {AtomicFiles.previous(config), AtomicFiles.previous(model)}, {AtomicFiles.previous(config), model}};
    String why = null;
    for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (attempt > 0) pause();
      for (Path[] pair : pairs) {
        if (pair[0] != config && !Files.isRegularFile(pair[0])) continue;
        if (pair[1] != model && !Files.isRegularFile(pair[1])) continue;
        RunConfig rc;
        float[] params;
        long step;
        VaeConfig vc;
        try {
          rc = RunConfig.read(pair[0]);
          vc = vaeConfigOf(rc);
          ParamLayout layout = new ParamLayout(vc);
          step = modelStep(pair[1]);
          if (step >= 0 && step != rc.training().stepsDone()) {
            why = CONFIG + " says step " + rc.training().stepsDone() + " but " + MODEL + " holds step " + step;
            continue;
          }
          params = readModel(pair[1], layout);
        } catch (IOException e) {
          if (pair[0] == config && pair[1] == model) throw e; // the checkpoint itself is missing or damaged
          // A .prev name the writer removed while we read: this pair is gone, try the others. Anything
          // else wrong with a .prev file is reported as it is.
          if (Files.exists(pair[0]) && Files.exists(pair[1])) throw e;
          continue;
        }
        return new Snapshot(rc, vc, params);
      }
    }
    throw new IOException(dir + ": the checkpoint files disagree (" + why + ") and no complete previous checkpoint is "
        + "beside them; if no run is writing it, 'train --resume " + dir + "' repairs it");
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(READ_PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading a checkpoint");
    }
  }

  private static VaeConfig vaeConfigOf(RunConfig config) throws IOException {
    try {
      return config.vaeConfig();
    } catch (IllegalArgumentException e) {
      throw new IOException(CONFIG + ": " + e.getMessage());
    }
  }

  /** The step in a weights file's metadata, or −1 when it has none. */
  private static long modelStep(Path file) throws IOException {
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      String s = r.metadata().get("step");
      if (s == null) return -1;
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new IOException(file.getFileName() + ": expected an integer 'step' in the metadata but found " + s);
      }
    }
  }

  /**
   * Refuses a loaded tensor holding NaN or ±∞ (and, for Adam's second moment, a negative value): such
   * a file is damaged, and training from it would only spread the damage.
   */
  private static void requireFinite(Path file, String tensor, float[] a, int off, int n, boolean nonNegative)
      throws IOException {
    int i = firstBad(a, off, n, nonNegative);
    if (i >= 0) {
      throw new IOException(file.getFileName() + ": tensor " + tensor + " holds " + a[off + i] + " at index " + i
          + " (expected " + (nonNegative ? "finite values ≥ 0, as a second moment is" : "finite values")
          + "); the file is damaged");
    }
  }

  /**
   * The index in {@code a[off, off+n)} of the first NaN or ±∞ (or, with {@code nonNegative}, negative
   * value), or −1: the shared fast scan first, element by element only to find what it found.
   */
  private static int firstBad(float[] a, int off, int n, boolean nonNegative) {
    if (!nonNegative && FiniteScan.allFinite(a, off, off + n)) return -1;
    for (int i = 0; i < n; i++) {
      float v = a[off + i];
      if (!Float.isFinite(v) || (nonNegative && v < 0)) return i;
    }
    return -1;
  }

  /** Writes the parameters (layout order) as named tensors. */
  public static void writeModel(Path file, ParamLayout layout, float[] params) throws IOException {
    AtomicFiles.write(file, modelWriter(layout, params, -1));
  }

  /** The weights as safetensors; {@code step} ≥ 0 goes into the metadata. */
  private static AtomicFiles.Writer modelWriter(ParamLayout layout, float[] params, long step) {
    if (params.length != layout.size()) {
      throw new IllegalArgumentException("write " + MODEL + ": expected " + layout.size()
          + " parameters but found " + params.length);
    }
    List<SafeTensors.Entry> entries = new ArrayList<>();
    for (ParamLayout.Tensor t : layout.tensors()) {
      entries.add(new SafeTensors.Entry(t.name(), t.shape(), params, (int) t.offset()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    if (step >= 0) meta.put("step", Long.toString(step));
    return SafeTensors.writer(entries, meta);
  }

  /**
   * Reads weights for {@code layout}: every tensor of the layout must be present with its exact
   * shape, and nothing else may be.
   */
  public static float[] readModel(Path file, ParamLayout layout) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file + " (expected the weights written by 'train')");
    float[] p = new float[(int) layout.size()];
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      for (ParamLayout.Tensor t : layout.tensors()) {
        SafeTensors.Info info = r.tensors().get(t.name());
        if (info == null) throw new IOException(file.getFileName() + ": missing tensor " + t.name() + " required by config.json");
        if (!Arrays.equals(info.shape(), t.shape())) {
          throw new IOException(file.getFileName() + ": expected shape " + Arrays.toString(t.shape()) + " but found "
              + Arrays.toString(info.shape()) + " for tensor " + t.name());
        }
        r.read(t.name(), p, (int) t.offset());
        requireFinite(file, t.name(), p, (int) t.offset(), (int) t.size(), false);
      }
      if (r.tensors().size() != layout.tensors().size()) {
        for (String name : r.tensors().keySet()) {
          boolean known = layout.tensors().stream().anyMatch(t -> t.name().equals(name));
          if (!known) throw new IOException(file.getFileName() + ": unexpected tensor " + name + " not in the configured network");
        }
      }
    }
    return p;
  }

  /** Writes Adam's moments and step; the step is metadata so resuming continues the bias correction exactly. */
  public static void writeOptimizer(Path file, float[] m, float[] v, long step) throws IOException {
    AtomicFiles.write(file, optimizerWriter(m, v, step));
  }

  private static AtomicFiles.Writer optimizerWriter(float[] m, float[] v, long step) {
    if (m.length != v.length) throw new IllegalArgumentException("optimizer state: m has " + m.length + " but v has " + v.length);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("optimizer", "adam");
    meta.put("step", Long.toString(step));
    return SafeTensors.writer(List.of(
        new SafeTensors.Entry("adam.m", new long[] {m.length}, m, 0),
        new SafeTensors.Entry("adam.v", new long[] {v.length}, v, 0)), meta);
  }

  /** Reads Adam's state for {@code n} parameters. */
  public static OptimizerState readOptimizer(Path file, long n) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file + " (expected the optimizer state written by 'train')");
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      String s = r.metadata().get("step");
      long step;
      try {
        step = Long.parseLong(s == null ? "" : s);
      } catch (NumberFormatException e) {
        throw new IOException(file.getFileName() + ": expected an integer 'step' in the metadata but found " + s);
      }
      float[][] mv = new float[2][];
      String[] names = {"adam.m", "adam.v"};
      for (int i = 0; i < 2; i++) {
        SafeTensors.Info info = r.info(names[i]);
        if (info.numel() != n) {
          throw new IOException(file.getFileName() + ": expected " + n + " values in " + names[i] + " but found " + info.numel());
        }
        mv[i] = r.read(names[i]);
        requireFinite(file, names[i], mv[i], 0, mv[i].length, i == 1);
      }
      if (step < 0) throw new IOException(file.getFileName() + ": expected a step ≥ 0 in the metadata but found " + step);
      return new OptimizerState(mv[0], mv[1], step);
    }
  }
}
