package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The numbered variants in {@code bench/cuda/}: the dense products in {@code dense_forward.cu} and
 * {@code dense_backward.cu} and the convolution's three in {@code conv.cu} (the library's kernels with
 * their launch geometry repeated, beside earlier ones): on the host harness, with every sanitizer
 * check on, each variant must match the program's double-precision reference at awkward sizes; and
 * the same files must compile with nvcc, so the programs a GPU machine times are the ones checked here.
 * A missing compiler skips its half, except in CI ({@code CI=true}), where it fails.
 */
class VariantProgramsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath();

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  private static void needs(String tool) {
    boolean ci = "true".equals(System.getenv("CI"));
    if (ci) assertTrue(onPath(tool), tool + " not found: CI must run bench/cuda's variant programs");
    Assumptions.assumeTrue(onPath(tool), tool + " not found");
  }

  /** A finished command: its exit code and its output (stdout and stderr together). */
  private record Result(int code, String out) {}

  /** Runs a command from the repository root. */
  private static Result run(List<String> cmd, long seconds) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().put("BETAVAE_SANITIZE", "all");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void everyVariantMatchesTheReferenceOnTheHarness() throws Exception {
    needs("g++");
    // {70, 1020, 260}: every row 16-byte aligned, so the cp.async paths run (at 1023 × 257 none does)
    int[][] sizes = {{1, 1, 1}, {3, 17, 70}, {70, 1023, 257}, {130, 64, 260}, {70, 1020, 260}};
    // program, and its variants on the harness (cuBLAS, 0 and 5, needs a GPU)
    String[][] programs = {{"dense_forward", "(?:[1-9]|10)"}, {"dense_backward", "(?:[1-46-9]|1[0-9]|2[01])"}};
    for (String[] prog : programs) {
      for (int[] s : sizes) {
        List<String> cmd = new ArrayList<>(List.of("bash", "bench/cuda/run-host.sh", prog[0], "-1"));
        for (int v : s) cmd.add(Integer.toString(v));
        Result r = run(cmd, 300);
        String out = r.out(), what = prog[0] + " B,IN,OUT = " + java.util.Arrays.toString(s);
        assertEquals(0, r.code(), what + ":\n" + out);
        assertTrue(out.contains("harness checks: memcheck synccheck racecheck"), out);
        long passed = out.lines().filter(l -> l.matches("\\s+" + prog[1] + " .* ok")).count();
        assertEquals(prog[0].equals("dense_forward") ? 10 : 20, passed, what + ": every variant checked and passing:\n" + out);
      }
    }
  }

  @Test
  void everyConvVariantMatchesTheReferenceOnTheHarness() throws Exception {
    needs("g++");
    // N C H W O k s p: the program's default (odd sizes, 33 channels); one input channel (the wide
    // product direct, a 16-column weight-gradient tile); a weight gradient whose 720-row sum is split;
    // stride 1, no padding, 70 channels on the narrow side and 6 on the wide one (two row tiles, the
    // phase product)
    int[][] geometries = {{3, 5, 17, 15, 33, 4, 2, 1}, {2, 1, 9, 9, 32, 4, 2, 1}, {3, 3, 33, 31, 5, 4, 2, 1},
        {1, 6, 7, 7, 70, 3, 1, 0}};
    for (int[] g : geometries) {
      List<String> cmd = new ArrayList<>(List.of("bash", "bench/cuda/run-host.sh", "conv", "-1"));
      for (int v : g) cmd.add(Integer.toString(v));
      Result r = run(cmd, 300);
      String out = r.out(), what = "conv " + java.util.Arrays.toString(g);
      assertEquals(0, r.code(), what + ":\n" + out);
      assertTrue(out.contains("harness checks: memcheck synccheck racecheck"), out);
      long passed = out.lines().filter(l -> l.matches("\\s+[123] (narrow|wide|kernel) .* ok")).count();
      assertEquals(9, passed, what + ": three products, three variants each, checked and passing:\n" + out);
    }
  }

  @Test
  void theGpuBuildCompiles() throws Exception {
    needs("nvcc");
    Path dir = Files.createTempDirectory("bv-variants");
    for (String prog : new String[] {"dense_forward", "dense_backward", "conv"}) {
      Path bin = dir.resolve(prog);
      Result r = run(List.of("nvcc", "-O1", "-std=c++17", "-arch=sm_90", "-o", bin.toString(),
          "bench/cuda/" + prog + ".cu", "-ldl"), 600);
      assertEquals(0, r.code(), r.out());
      assertTrue(Files.isExecutable(bin));
    }
  }
}
