package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.data.Npy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input, one row each: the command exits 2 with exactly one line on stderr that
 * names the file or flag and what was expected, prints no stack trace, and changes no byte of the
 * files already in the directories it was pointed at.
 */
class BadInputTest {
  @TempDir static Path shared;
  /** A real tiny checkpoint (64 features), copied for each case that damages one. */
  static Path good;

  /** Prepares a case's files under {@code dir} and returns its command line. */
  @FunctionalInterface
  interface Setup {
    List<String> args(Path dir) throws IOException;
  }

  record Case(String name, Setup setup, String... expected) {}

  @BeforeAll
  static void trainATinyCheckpoint() throws IOException {
    Path data = shared.resolve("bars.npy");
    Npy.writeUint8(data, bars(40), 40, 8, 8);
    good = shared.resolve("good");
    Cli.Result r = Cli.run("train", "--data", data.toString(), "--encoder", "8", "--decoder", "8", "--latent", "2",
        "--batch", "8", "--steps", "2", "--device", "cpu", "--quiet", "--out", good.toString());
    assertEquals(0, r.rc(), r.toString());
  }

  static byte[] bars(int n) {
    byte[] px = new byte[n * 64];
    for (int i = 0; i < n; i++) for (int j = 0; j < 64; j++) px[i * 64 + j] = (byte) (j / 8 == i % 8 ? 1 : 0);
    return px;
  }

  /** train on {@code data} with a tiny net into {@code dir/out}, which exists and holds a file. */
  static List<String> train(Path dir, String data, String... extra) throws IOException {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep.txt"), "precious");
    List<String> a = Cli.args("train", "--data", data, "--encoder", "8", "--decoder", "8", "--latent", "2", "--batch", "8",
        "--steps", "2", "--device", "cpu", "--quiet", "--force", "--out", out.toString());
    a.addAll(List.of(extra));
    return a;
  }

  static List<String> trainGood(Path dir, String... extra) throws IOException {
    Path f = dir.resolve("bars.npy");
    Npy.writeUint8(f, bars(40), 40, 8, 8);
    return train(dir, f.toString(), extra);
  }

  static String write(Path dir, String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    return f.toString();
  }

  static String floats(Path dir, String name, float[] v, int... shape) throws IOException {
    Path f = dir.resolve(name);
    Npy.writeFloat32(f, v, shape);
    return f.toString();
  }

  static float[] filled(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }

  /** A copy of the good checkpoint, damaged by {@code damage}; eval on it with good input. */
  static List<String> eval(Path dir, Damage damage) throws IOException {
    Path ck = dir.resolve("ck");
    Files.createDirectories(ck);
    try (Stream<Path> s = Files.list(good)) {
      for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, ck.resolve(p.getFileName()));
    }
    damage.apply(ck);
    Path in = dir.resolve("in.npy");
    Npy.writeUint8(in, bars(10), 10, 64);
    return Cli.args("eval", "--checkpoint", ck.toString(), "--input", in.toString(), "--device", "cpu");
  }

  /** A copy of the good checkpoint, damaged by {@code damage}; train --resume on it. */
  static List<String> resume(Path dir, Damage damage) throws IOException {
    eval(dir, damage);
    return Cli.args("train", "--resume", dir.resolve("ck").toString(), "--steps", "4", "--device", "cpu", "--quiet");
  }

  /** Sets element {@code index} of weight tensor {@code name} of the copy's model.safetensors to {@code v}. */
  static Damage weight(String name, int index, float v) {
    return ck -> {
      io.github.betavae.checkpoint.RunConfig rc = io.github.betavae.checkpoint.RunConfig.read(ck.resolve(Checkpoint.CONFIG));
      io.github.betavae.model.ParamLayout layout = new io.github.betavae.model.ParamLayout(rc.vaeConfig());
      float[] p = Checkpoint.readModel(ck.resolve(Checkpoint.MODEL), layout);
      long off = layout.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().offset();
      p[(int) off + index] = v;
      Checkpoint.writeModel(ck.resolve(Checkpoint.MODEL), layout, p);
    };
  }

  /** Sets element {@code index} of Adam's {@code m} (or {@code v}) in the copy's optimizer file to {@code x}. */
  static Damage moment(boolean second, int index, float x) {
    return ck -> {
      Path f = ck.resolve(Checkpoint.OPTIMIZER);
      io.github.betavae.checkpoint.RunConfig rc = io.github.betavae.checkpoint.RunConfig.read(ck.resolve(Checkpoint.CONFIG));
      long n = new io.github.betavae.model.ParamLayout(rc.vaeConfig()).size();
      Checkpoint.OptimizerState st = Checkpoint.readOptimizer(f, n);
      (second ? st.v() : st.m())[index] = x;
      Checkpoint.writeOptimizer(f, st.m(), st.v(), st.step());
    };
  }

  static Damage configEdit(String from, String to) {
    return ck -> {
      Path c = ck.resolve(Checkpoint.CONFIG);
      String before = Files.readString(c);
      if (!before.contains(from)) throw new IllegalStateException("config.json has no " + from);
      Files.writeString(c, before.replace(from, to));
    };
  }

  @FunctionalInterface
  interface Damage {
    void apply(Path ck) throws IOException;
  }

  static byte[] npyHeader(String descr, String shape) {
    String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    StringBuilder s = new StringBuilder(h);
    while ((10 + s.length() + 1) % 64 != 0) s.append(' ');
    s.append('\n');
    byte[] head = s.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[10 + head.length];
    out[0] = (byte) 0x93;
    System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
    out[6] = 1;
    out[8] = (byte) head.length;
    out[9] = (byte) (head.length >> 8);
    System.arraycopy(head, 0, out, 10, head.length);
    return out;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static final List<Case> CASES = List.of(
      new Case("missing file", d -> train(d, d.resolve("nope.npy").toString()), "--data", "nope.npy", "expected"),
      new Case("empty file", d -> train(d, write(d, "empty.npy", new byte[0])), "--data", "empty.npy", "expected"),
      new Case("truncated npy", d -> {
        String f = floats(d, "cut.npy", filled(40 * 64, 0.5f), 40, 64);
        byte[] b = Files.readAllBytes(Path.of(f));
        return train(d, write(d, "cut.npy", Arrays.copyOf(b, b.length / 2)));
      }, "cut.npy", "expected"),
      new Case("a PNG", d -> train(d, write(d, "picture.npy", new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0})),
          "picture.npy", "expected .npy"),
      new Case("random bytes", d -> {
        byte[] b = new byte[500];
        new java.util.Random(1).nextBytes(b);
        b[0] = 7;
        return train(d, write(d, "noise.bin", b));
      }, "noise.bin", "expected .npy"),
      new Case("rank 1", d -> train(d, floats(d, "flat.npy", filled(64, 0.5f), 64)), "flat.npy", "expected shape"),
      new Case("rank 5", d -> train(d, floats(d, "deep.npy", filled(64, 0.5f), 2, 2, 2, 2, 4)), "deep.npy", "expected shape"),
      new Case("complex dtype", d -> train(d, write(d, "cplx.npy", concat(npyHeader("<c8", "(4, 2)"), new byte[64]))),
          "cplx.npy", "expected"),
      new Case("NaN in data", d -> {
        float[] v = filled(40 * 64, 0.5f);
        v[3 * 64 + 5] = Float.NaN;
        return train(d, floats(d, "nan.npy", v, 40, 64));
      }, "--data", "nan.npy", "expected finite values but found NaN at sample 3, feature 5"),
      new Case("Inf in data", d -> {
        float[] v = filled(40 * 64, 0.5f);
        v[7] = Float.NEGATIVE_INFINITY;
        return train(d, floats(d, "inf.npy", v, 40, 64), "--likelihood", "gaussian");
      }, "--data", "inf.npy", "expected finite values but found -Infinity"),
      new Case("bad IDX magic", d -> train(d, write(d, "images.idx", new byte[] {0, 0, 0x07, 3, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 8})),
          "images.idx", "expected"),
      new Case("corrupt gzip", d -> train(d, write(d, "data.npy.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7})),
          "data.npy.gz"),
      new Case("CSV with a word", d -> train(d, write(d, "table.csv", "0,1,0\n1,zero,1\n".getBytes(StandardCharsets.UTF_8))),
          "table.csv"),
      new Case("Bernoulli outside [0, 1]", d -> train(d, floats(d, "big.npy", filled(40 * 64, 2f), 40, 64)),
          "--data", "big.npy", "expected values in [0, 1] but found 2.0", "--likelihood gaussian"),
      new Case("--data is a directory", d -> train(d, Files.createDirectories(d.resolve("folder")).toString()),
          "--data", "folder", "is a directory"),
      new Case("subset larger than the data", d -> trainGood(d, "--subset", "41"), "--subset", "at most 40", "41"),
      new Case("zero steps", d -> trainGood(d, "--steps", "0"), "--steps", "≥ 1"),
      new Case("--out is a regular file", d -> {
        List<String> a = trainGood(d);
        Path f = d.resolve("file.txt");
        Files.writeString(f, "not a directory");
        a.set(a.indexOf("--out") + 1, f.toString());
        return a;
      }, "--out", "file.txt", "not a directory"),
      new Case("unknown flag", d -> trainGood(d, "--betta", "3"), "--betta", "Unknown option"),
      new Case("β < 0", d -> trainGood(d, "--beta", "-0.5"), "--beta", "≥ 0"),
      new Case("latent < 1", d -> trainGood(d, "--latent", "0"), "--latent", "≥ 1"),
      new Case("batch < 1", d -> trainGood(d, "--batch", "0"), "--batch", "≥ 1"),
      new Case("batch larger than the data", d -> trainGood(d, "--batch", "41"), "--batch 41", "found 40"),
      new Case("batch larger than the subset", d -> trainGood(d, "--subset", "10", "--batch", "16"), "--batch 16", "found 10"),
      new Case("NaN lr", d -> trainGood(d, "--lr", "NaN"), "--lr", "finite"),
      new Case("infinite lr", d -> trainGood(d, "--lr", "Infinity"), "--lr", "finite"),
      new Case("garbage model.safetensors", d -> eval(d, ck -> Files.write(ck.resolve(Checkpoint.MODEL), "garbage!".getBytes())),
          "model.safetensors"),
      new Case("truncated model.safetensors", d -> eval(d, ck -> {
        byte[] b = Files.readAllBytes(ck.resolve(Checkpoint.MODEL));
        Files.write(ck.resolve(Checkpoint.MODEL), Arrays.copyOf(b, b.length - 100));
      }), "model.safetensors", "4624", "4524"),
      new Case("config latent changed", d -> eval(d, ck -> {
        Path c = ck.resolve(Checkpoint.CONFIG);
        Files.writeString(c, Files.readString(c).replace("\"latent\" : 2", "\"latent\" : 3"));
      }), "model.safetensors", "expected shape"),
      new Case("missing config.json", d -> eval(d, ck -> Files.delete(ck.resolve(Checkpoint.CONFIG))), "config.json", "expected"),
      new Case("eval input of the wrong width", d -> {
        List<String> a = eval(d, ck -> {});
        Path in = d.resolve("wide.npy");
        Npy.writeUint8(in, new byte[10 * 100], 10, 100);
        a.set(a.indexOf("--input") + 1, in.toString());
        return a;
      }, "--input", "expected 64 features per sample (the checkpoint's input size) but found 100 in wide.npy"),
      new Case("eval input with NaN", d -> {
        List<String> a = eval(d, ck -> {});
        float[] v = filled(10 * 64, 0f);
        v[70] = Float.NaN;
        a.set(a.indexOf("--input") + 1, floats(d, "nan-in.npy", v, 10, 64));
        return a;
      }, "--input", "nan-in.npy", "expected finite values"),
      new Case("resume a damaged optimizer", d -> {
        eval(d, ck -> Files.write(ck.resolve(Checkpoint.OPTIMIZER), new byte[] {1, 2, 3}));
        return Cli.args("train", "--resume", d.resolve("ck").toString(), "--steps", "4", "--device", "cpu", "--quiet");
      }, "optimizer.safetensors"),
      new Case("--checkpoint is a file", d -> {
        List<String> a = eval(d, ck -> {});
        a.set(a.indexOf("--checkpoint") + 1, d.resolve("in.npy").toString());
        return a;
      }, "--checkpoint", "expected a run directory", "in.npy"),
      // Corrupt numbers in a checkpoint: refused on load, naming the file and the tensor.
      new Case("NaN weight, eval", d -> eval(d, weight("encoder.layers.0.weight", 5, Float.NaN)),
          "model.safetensors", "encoder.layers.0.weight", "NaN at index 5"),
      new Case("infinite bias, resume", d -> resume(d, weight("decoder.out.bias", 0, Float.POSITIVE_INFINITY)),
          "model.safetensors", "decoder.out.bias", "Infinity"),
      new Case("NaN in Adam's m, resume", d -> resume(d, moment(false, 3, Float.NaN)), "optimizer.safetensors", "adam.m", "NaN"),
      new Case("negative Adam v, resume", d -> resume(d, moment(true, 7, -1e-3f)), "optimizer.safetensors", "adam.v", "≥ 0"),
      new Case("optimizer step ahead of config.json", d -> resume(d, ck -> {
        Path f = ck.resolve(Checkpoint.OPTIMIZER);
        Checkpoint.OptimizerState st = Checkpoint.readOptimizer(f, sizeOf(ck));
        Checkpoint.writeOptimizer(f, st.m(), st.v(), st.step() + 5);
      }), "optimizer.safetensors"),
      // config.json errors say which field and what was expected.
      new Case("config.json without model", d -> eval(d, ck -> {
        Path c = ck.resolve(Checkpoint.CONFIG);
        Files.writeString(c, Files.readString(c).replaceAll("(?s)\"model\" : \\{.*?\\},\n", ""));
      }), "config.json", "missing field 'model'"),
      new Case("config.json with NaN", d -> eval(d, configEdit("\"lr\" : 1.0E-4", "\"lr\" : NaN")),
          "config.json", "expected a finite number but found NaN"),
      new Case("config.json latent as a word", d -> eval(d, configEdit("\"latent\" : 2", "\"latent\" : \"two\"")),
          "config.json", "model.latent", "expected an integer but found two"),
      new Case("config.json width of 10^9", d -> eval(d, configEdit("\"encoder\" : [ 8 ]", "\"encoder\" : [ 1000000000 ]")),
          "config.json", "parameters, more than one buffer holds"),
      // Checks before side effects: nothing is trained or written when what the run would append to is broken.
      new Case("resume with a malformed metrics.csv row", d -> resume(d, ck -> {
        Path m = ck.resolve("metrics.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(m));
        lines.set(1, lines.get(1).replaceFirst(",[^,]*,", ",oops,"));
        Files.write(m, lines);
      }), "metrics.csv line 2", "expected"),
      new Case("resume with a metrics.csv of another header", d -> resume(d, ck -> {
        Path m = ck.resolve("metrics.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(m));
        lines.set(0, "step,something,else");
        Files.write(m, lines);
      }), "metrics.csv", "expected the header"),
      new Case("sweep naming one β twice", d -> Cli.args("sweep", "--betas", "1,1.0", "--steps", "2", "--out",
          d.resolve("sweep").toString()), "--betas", "β = 1 is given twice"),
      // Sizes: checked in long arithmetic against what a Java array and the heap hold, before --out exists.
      new Case("a batch no array holds", d -> Cli.args("train", "--data", "dsprites", "--batch", "700000", "--steps", "1",
          "--device", "cpu", "--quiet", "--out", d.resolve("big").toString()), "--batch 700000", "too large", "at most 524,287 fits"),
      new Case("a batch the heap does not hold", d -> Cli.args("train", "--data", "dsprites", "--batch", "300000", "--steps", "1",
          "--device", "cpu", "--quiet", "--out", d.resolve("big").toString()), "--batch 300000", "the JVM may use", "fits"),
      new Case("a network no buffer holds", d -> trainGood(d, "--encoder", "1000000000"), "--encoder", "more than one buffer holds"),
      // Smaller ones.
      new Case("--encoder of empty widths", d -> trainGood(d, "--encoder", ",,"), "--encoder", "expected comma-separated widths", "',,'"),
      new Case("--decoder with a zero", d -> trainGood(d, "--decoder", "8,0"), "--decoder", "'8,0'"),
      new Case("npy with a negative dimension", d -> train(d, write(d, "neg.npy", concat(npyHeader("<f4", "(-4, 64)"), new byte[64]))),
          "neg.npy", "dimensions ≥ 0"),
      new Case("unknown command", d -> Cli.args("frobnicate", "--out", d.resolve("x").toString()), "unknown command 'frobnicate'",
          "train"),
      new Case("--graph not a mode", d -> trainGood(d, "--graph", "sometimes"), "--graph must be auto, on or off", "'sometimes'"),
      new Case("--graph on with the cpu engine", d -> trainGood(d, "--graph", "on"), "--graph on", "no graphs"),
      new Case("--arch not an architecture", d -> trainGood(d, "--arch", "resnet"), "unknown architecture 'resnet'", "mlp, conv or burgess"),
      new Case("--arch conv with --encoder", d -> trainGood(d, "--arch", "conv", "--encoder", "100"), "--encoder applies to --arch mlp",
          "fixes its layers"),
      new Case("--arch burgess on 8×8 images", d -> {
        List<String> a = new java.util.ArrayList<>(trainGood(d, "--arch", "burgess"));
        int i = a.indexOf("--encoder");
        a.subList(i, i + 4).clear();  // --encoder 8 --decoder 8: the MLP's widths
        return a;
      }, "--arch burgess takes C×64×64 images", "64 values per sample"),
      new Case("--resident not a mode", d -> trainGood(d, "--resident", "maybe"), "--resident must be auto, on or off", "'maybe'"),
      new Case("--resident on with the cpu engine", d -> trainGood(d, "--resident", "on"), "--resident on", "host memory"),
      new Case("--resident off with --graph on", d -> trainGood(d, "--resident", "off", "--graph", "on"), "--resident off", "--graph on"),
      new Case("--precision not one", d -> trainGood(d, "--precision", "fp16"), "--precision must be fp32 or tf32", "'fp16'"),
      new Case("sweep --devices not a device list", d -> Cli.args("sweep", "--betas", "1", "--out", d.resolve("sw").toString(),
          "--devices", "gpu0", "--data", "dsprites", "--steps", "2", "--quiet"), "--devices", "expected cpu, all or cuda:N,M", "'gpu0'"),
      new Case("sample over a file that is not a PNG", d -> {
        List<String> a = eval(d, ck -> {});
        Path txt = d.resolve("notes.txt");
        Files.writeString(txt, "mine");
        return Cli.args("sample", "--checkpoint", d.resolve("ck").toString(), "--device", "cpu", "--out", txt.toString());
      }, "--out", "notes.txt", "not a PNG"),
      new Case("traverse over a directory", d -> {
        eval(d, ck -> {});
        return Cli.args("traverse", "--checkpoint", d.resolve("ck").toString(), "--data", d.resolve("in.npy").toString(),
            "--device", "cpu", "--out", Files.createDirectories(d.resolve("dir.png")).toString());
      }, "--out", "dir.png", "not a regular file"),
      new Case("eval --mi-batch < 0", d -> {
        List<String> a = eval(d, ck -> {});
        a.addAll(List.of("--mi-batch", "-1"));
        return a;
      }, "--mi-batch", "≥ 0"),
      new Case("resume on a data file that changed", d -> {
        Path data = d.resolve("data.npy");
        Npy.writeUint8(data, bars(40), 40, 8, 8);
        Path run = d.resolve("run");
        Cli.Result r = Cli.run("train", "--data", data.toString(), "--encoder", "8", "--decoder", "8", "--latent", "2",
            "--batch", "8", "--steps", "2", "--device", "cpu", "--quiet", "--out", run.toString());
        if (r.rc() != 0) throw new IllegalStateException(r.toString());
        byte[] other = bars(40);
        other[63] = 1;
        Npy.writeUint8(data, other, 40, 8, 8);
        return Cli.args("train", "--resume", run.toString(), "--steps", "4", "--device", "cpu", "--quiet");
      }, "--resume", "data.npy", "has changed since the run started", "pass --data"));

  static long sizeOf(Path ck) throws IOException {
    return new io.github.betavae.model.ParamLayout(
        io.github.betavae.checkpoint.RunConfig.read(ck.resolve(Checkpoint.CONFIG)).vaeConfig()).size();
  }

  /** Every regular file under {@code dir} with its bytes. */
  static Map<String, byte[]> snapshot(Path dir) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        // A writer's lock file (train --resume takes the lock before it checks) holds no user data.
        if (Files.isRegularFile(p) && !p.getFileName().toString().equals(io.github.betavae.checkpoint.RunLock.FILE)) {
          m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
    return m;
  }

  @TestFactory
  List<DynamicTest> everyBadInputIsOneLineAndExit2() {
    List<DynamicTest> tests = new ArrayList<>();
    int i = 0;
    for (Case c : CASES) {
      Path d = shared.resolve("case" + i++);
      tests.add(DynamicTest.dynamicTest(c.name(), () -> {
        Files.createDirectories(d);
        List<String> args = c.setup().args(d);
        Map<String, byte[]> before = snapshot(d);
        Cli.Result r = Cli.run(args);
        assertEquals(Main.USAGE, r.rc(), c.name() + ": " + r);
        assertEquals(1, r.errLines().size(), c.name() + ": exactly one line on stderr: " + r.err());
        String line = r.errLines().get(0);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String e : c.expected()) assertTrue(line.contains(e), c.name() + ": expected '" + e + "' in: " + line);
        Map<String, byte[]> after = snapshot(d);
        assertEquals(before.keySet(), after.keySet(), c.name() + ": files added or removed");
        for (String f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), c.name() + ": " + f + " changed");
      }));
    }
    return tests;
  }
}
