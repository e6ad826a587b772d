package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.cuda.CublasGemm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each invalid input gives exit code 2, exactly one line on stderr that names the problem and what
 * was expected, no stack trace, and leaves an existing --out untouched.
 */
class TrainErrorsTest {
  @TempDir Path dir;
  Path out;

  @BeforeEach
  void existingRun() throws IOException {
    out = dir.resolve("run");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep.txt"), "precious");
  }

  private List<String> outContents() throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /** Runs train with --force (so only the bad value can stop it) and checks the failure contract. */
  private String failing(String... extra) throws IOException {
    List<String> a = Cli.args("train", "--data", "dsprites", "--subset", "100", "--encoder", "8", "--decoder", "8",
        "--steps", "2", "--batch", "8", "--quiet", "--force", "--out", out.toString());
    a.addAll(List.of(extra));
    Cli.Result r = Cli.run(a);
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), "exactly one line on stderr: " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertEquals("", r.out());
    assertEquals(List.of("keep.txt"), outContents(), "nothing written into --out");
    assertEquals("precious", Files.readString(out.resolve("keep.txt")));
    return r.errLines().get(0);
  }

  @Test
  void negativeBeta() throws IOException {
    assertEquals("betavae train: --beta must be a finite number ≥ 0 but was -1.0", failing("--beta", "-1"));
  }

  @Test
  void latentBelowOne() throws IOException {
    assertEquals("betavae train: --latent must be ≥ 1 but was 0", failing("--latent", "0"));
  }

  @Test
  void batchBelowOne() throws IOException {
    assertEquals("betavae train: --batch must be ≥ 1 but was 0", failing("--batch", "0"));
  }

  @Test
  void nonFiniteLearningRate() throws IOException {
    assertEquals("betavae train: --lr must be a finite number > 0 but was NaN", failing("--lr", "NaN"));
    assertEquals("betavae train: --lr must be a finite number > 0 but was Infinity", failing("--lr", "Infinity"));
    String m = failing("--lr", "fast");
    assertTrue(m.contains("'--lr'") && m.contains("'fast' is not a double"), m);
  }

  @Test
  void missingDataFile() throws IOException {
    String m = failing("--data", dir.resolve("nope.npy").toString());
    assertEquals("betavae train: --data: no file " + dir.resolve("nope.npy") + " (expected " + DataOption.ACCEPTED + ")", m);
  }

  @Test
  void unknownFlag() throws IOException {
    String m = failing("--betta", "3");
    assertTrue(m.startsWith("betavae train: Unknown option"), m);
    assertTrue(m.contains("--betta") && m.endsWith("(see 'betavae train --help')"), m);
  }

  @Test
  void unknownDevice() throws IOException {
    assertEquals("betavae train: unknown device 'tpu': expected auto, cpu, cuda, cuda:N or cuda-emu", failing("--device", "tpu"));
    assertTrue(failing("--device", "cuda:x").contains("expected cuda:N with N a GPU number"));
  }

  @Test
  void unknownGemm() throws IOException {
    assertEquals("betavae train: unknown --gemm 'tensor': expected auto, kernels or cublas", failing("--gemm", "tensor"));
  }

  /** Where libcublas.so.12 does not load (CI), --gemm cublas is refused whatever the device. */
  @Test
  void gemmCublasWithoutLibcublasIsOneLine() throws IOException {
    assumeTrue(CublasGemm.loadProblem() != null, "libcublas.so.12 loads on this machine");
    String line = "betavae train: --gemm cublas: cuBLAS is not available: libcublas.so.12 not found on the loader path";
    assertEquals(line, failing("--gemm", "cublas"));
    assertEquals(line, failing("--gemm", "cublas", "--device", "cpu"));
    assertEquals(line, failing("--gemm", "CUBLAS", "--device", "cuda-emu"));
  }

  @Test
  void cudaWithoutAUsableGpuIsOneLine() {
    Cli.Result r = Cli.run("train", "--subset", "100", "--encoder", "8", "--decoder", "8", "--steps", "1", "--batch", "8",
        "--quiet", "--device", "cuda", "--out", dir.resolve("cuda").toString());
    if (r.rc() == 0) return; // a machine with a GPU and a driver trains; the contract below is for the others
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.errLines().get(0).startsWith("betavae train: device cuda unavailable: "), r.err());
    assertFalse(Files.exists(dir.resolve("cuda")), "nothing created for a failed device");
  }

  @Test
  void otherBadValues() throws IOException {
    assertTrue(failing("--likelihood", "poisson").contains("expected bernoulli or gaussian"));
    assertTrue(failing("--encoder-activation", "gelu").contains("expected relu, tanh, sigmoid or identity"));
    assertEquals("betavae train: give --steps or --epochs, not both", failing("--epochs", "1"));
    assertEquals("betavae train: --encoder: expected comma-separated widths ≥ 1 (or none for no hidden layer) but found '8,0'",
        failing("--encoder", "8,0"));
    assertTrue(failing("--subset", "800000").contains("expected at most 737280 samples but found 800000"));
    assertTrue(failing("--batch", "101").contains("needs at least 101 samples but found 100"));
    assertTrue(failing("--threads", "0").contains("--threads must be ≥ 1 but was 0"));
  }

  @Test
  void existingOutIsNeverOverwritten() throws IOException {
    Cli.Result r = Cli.run("train", "--subset", "100", "--encoder", "8", "--decoder", "8", "--steps", "2",
        "--batch", "8", "--quiet", "--out", out.toString());
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(List.of("betavae train: --out " + out + " already exists and is not empty; choose a new directory, "
        + "--resume it, or pass --force to overwrite"), r.errLines());
    assertEquals(List.of("keep.txt"), outContents());
  }

  @Test
  void resumeRefusesSettingsTheRunFixes() throws IOException {
    Cli.Result r = Cli.run("train", "--resume", out.toString(), "--beta", "2");
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(List.of("betavae train: --beta cannot be given with --resume: the run's config.json fixes it"), r.errLines());
    Cli.Result missing = Cli.run("train", "--resume", out.toString());
    assertEquals(Main.USAGE, missing.rc());
    assertTrue(missing.errLines().get(0).contains("expected a run directory written by 'train'"), missing.err());
  }

  @Test
  void verboseAddsTheStackTrace() {
    Cli.Result r = Cli.run("train", "--beta", "-1", "--out", dir.resolve("v").toString(), "--verbose");
    assertEquals(Main.USAGE, r.rc());
    assertTrue(r.errLines().size() > 1 && r.err().contains("\tat "), r.err());
  }
}
