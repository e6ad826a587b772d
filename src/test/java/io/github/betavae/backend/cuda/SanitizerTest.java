package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each detector of the harness's sanitizer against a deliberately broken kernel of
 * {@code src/test/kernels/faults.cu} (it must be caught, with the kernel named) and its correct twin
 * (it must pass); the capture rules; and that results do not depend on the thread schedule.
 */
class SanitizerTest {
  @TempDir Path tmp;

  private static HostDevice device(Sanitizer s) {
    Emulator.assumeBuilt();
    return new HostDevice(s);
  }

  private static float[] floats(HostDevice dev, long ptr, int n) {
    float[] a = new float[n];
    dev.copyOut(ptr, a, 0, n);
    return a;
  }

  private static int[] ints(HostDevice dev, long ptr, int n) {
    int[] a = new int[n];
    dev.copyOut(ptr, a, 0, n);
    return a;
  }

  @Test
  void memcheckCatchesAWritePastTheEndAndNamesTheKernel() {
    try (HostDevice dev = device(Sanitizer.ALL)) {
      long out = dev.alloc(4 * 5); // 20 bytes: out[5] lands in the alignment slack, watched by a canary
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_oob_write_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(5)));
      assertTrue(e.getMessage().contains("fault_oob_write_kernel1") && e.getMessage().contains("memcheck: wrote outside "
          + "the buffer of 20 bytes") && e.getMessage().contains("byte offset 20"), e.getMessage());
      long ok = dev.alloc(4 * 5);
      dev.launch("fault_oob_write_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(ok).i32(5));
      assertArrayEquals(new float[] {1, 1, 1, 1, 1}, floats(dev, ok, 5));
    }
  }

  @Test
  void memcheckRefusesPointersAndRangesOutsideEveryAllocation() {
    try (HostDevice dev = device(Sanitizer.ALL)) {
      long a = dev.alloc(64);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> dev.launch("fault_oob_write_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(a + 4096 * 16).i32(1)));
      assertTrue(e.getMessage().contains("memcheck: launch fault_oob_write_kernel2: argument 0"), e.getMessage());
      IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> dev.memsetD32(a, 0, 17));
      assertTrue(c.getMessage().contains("memcheck: memsetD32 of 68 bytes"), c.getMessage());
    }
  }

  @Test
  void memcheckStopsAReadPastTheEndAtTheGuardPage() throws Exception {
    // A read past the end faults on the guard page, and the JVM's crash report names the kernel's
    // frame: run where a crash is the expected outcome, in a child JVM.
    Emulator.assumeBuilt();
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + tmp.resolve("hs_err_%p.log"), "-cp", System.getProperty("java.class.path"),
        OutOfBoundsRead.class.getName()));
    Path log = tmp.resolve("child.log");
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child ends");
    String out = Files.readString(log);
    assertFalse(out.contains("twin ok") && out.contains("read past the end returned"), out);
    assertTrue(out.contains("twin ok"), "the correct twin ran first: " + out);
    assertTrue(p.exitValue() != 0, "the broken read stops the process: " + out);
    StringBuilder report = new StringBuilder(out);
    try (var files = Files.list(tmp)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().startsWith("hs_err")) report.append(Files.readString(f));
      }
    }
    assertTrue(report.toString().contains("fault_oob_read_kernel1"), "the crash report names the kernel: " + out);
  }

  /** The child of {@link #memcheckStopsAReadPastTheEndAtTheGuardPage}. */
  static final class OutOfBoundsRead {
    public static void main(String[] args) {
      HostDevice dev = new HostDevice(Sanitizer.ALL);
      long in = dev.alloc(4 * 16), out = dev.alloc(4 * 16); // 64 bytes: in[16] is the first byte of the guard page
      dev.memsetD32(in, Float.floatToIntBits(2f), 16);
      dev.launch("fault_oob_read_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).ptr(in).i32(16));
      System.out.println("twin ok");
      System.out.flush();
      dev.launch("fault_oob_read_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).ptr(in).i32(16));
      System.out.println("read past the end returned");
    }
  }

  @Test
  void initcheckTwoPoisonsExposeAReadOfMemoryNobodyWrote() {
    float[][] broken = new float[2][], twin = new float[2][];
    int[] fills = {Sanitizer.NAN_POISON, Sanitizer.FINITE_POISON};
    for (int k = 0; k < 2; k++) {
      try (HostDevice dev = device(Sanitizer.ALL.withFill(fills[k]))) {
        long out = dev.alloc(4 * 8), scratch = dev.alloc(4 * 8);
        dev.launch("fault_uninit_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).ptr(scratch).i32(8));
        broken[k] = floats(dev, out, 8);
        long out2 = dev.alloc(4 * 8), scratch2 = dev.alloc(4 * 8);
        dev.launch("fault_uninit_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out2).ptr(scratch2).i32(8));
        twin[k] = floats(dev, out2, 8);
      }
    }
    assertTrue(Float.isNaN(broken[0][0]), "under the NaN poison the read shows as NaN: " + broken[0][0]);
    assertFalse(java.util.Arrays.equals(broken[0], broken[1]), "the two poisons give two outputs: an uninitialised read");
    assertArrayEquals(twin[0], twin[1], "the twin writes before it reads: the same output under both poisons");
    try (HostDevice dev = device(Sanitizer.NONE)) {
      long a = dev.alloc(4 * 3);
      assertArrayEquals(new float[3], floats(dev, a, 3), "without initcheck fresh memory is zero, as before");
    }
  }

  @Test
  void racecheckSchedulesExposeAMissingBarrier() {
    boolean wrong = false;
    for (long seed = 1; seed <= 8; seed++) {
      try (HostDevice dev = device(Sanitizer.ALL.withScheduleSeed(seed))) {
        int base = 1000 * (int) seed;
        long out = dev.alloc(4 * 64);
        dev.launch("fault_race_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(base));
        int[] r = ints(dev, out, 64);
        long out2 = dev.alloc(4 * 64);
        dev.launch("fault_race_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out2).i32(base));
        int[] r2 = ints(dev, out2, 64);
        for (int t = 0; t < 64; t++) {
          assertEquals(base + 63 - t, r2[t], "the twin with its barrier, seed " + seed + ", thread " + t);
          if (r[t] != base + 63 - t) wrong = true;
        }
      }
    }
    assertTrue(wrong, "some schedule reads a slot before its writer wrote it");
  }

  /**
   * A __syncwarp of the whole warp orders its lanes' shared-memory accesses, as on a GPU: a warp-level
   * exchange passes racecheck under several schedules, while the same exchange between warps, or
   * without the __syncwarp, is a hazard.
   */
  @Test
  void racecheckHonoursSyncwarpWithinAWarpOnly() {
    for (long seed = 1; seed <= 3; seed++) {
      try (HostDevice dev = device(Sanitizer.ALL.withScheduleSeed(seed))) {
        long out = dev.alloc(4 * 64);
        dev.launch("fault_race_kernel5", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(5));
        int[] r = ints(dev, out, 64);
        for (int t = 0; t < 64; t++) assertEquals(5 + (t ^ 1), r[t], "lane " + t + " reads its neighbour's value");
        for (String k : new String[] {"fault_race_kernel6", "fault_race_kernel7"}) {
          String e = assertThrows(IllegalStateException.class,
              () -> dev.launch(k, Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(5))).getMessage();
          assertTrue(e.contains(k) && e.contains("racecheck: shared array slots[") && e.contains("hazard"), e);
        }
      }
    }
  }

  @Test
  void racecheckNamesTheHazardOnATrackedSharedArray() {
    try (HostDevice dev = device(Sanitizer.ALL)) {
      long out = dev.alloc(4 * 64);
      String e = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_race_kernel3", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(5))).getMessage();
      assertTrue(e.contains("fault_race_kernel3") && e.contains("racecheck: shared array slots[")
          && e.contains("between the same two barriers"), e);
      dev.launch("fault_race_kernel4", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out).i32(5));
      assertEquals(5 + 63, ints(dev, out, 1)[0]);
    }
  }

  @Test
  void memcheckCatchesASharedIndexPastTheEnd() {
    try (HostDevice dev = device(Sanitizer.ALL)) {
      long out = dev.alloc(4 * 64);
      String e = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_shared_oob_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out))).getMessage();
      assertTrue(e.contains("fault_shared_oob_kernel1") && e.contains("memcheck: shared array slots: thread 63")
          && e.contains("index [64] outside its extent [64]"), e);
      dev.launch("fault_shared_oob_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out));
      assertEquals(17, ints(dev, out, 18)[17]);
    }
  }

  @Test
  void synccheckCatchesDivergentBarriersAndBadShuffleMasks() {
    try (HostDevice dev = device(Sanitizer.ALL)) {
      long out = dev.alloc(4 * 64);
      String barrier = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_barrier_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out))).getMessage();
      assertTrue(barrier.contains("fault_barrier_kernel1") && barrier.contains("synccheck: divergent __syncthreads"), barrier);
      dev.launch("fault_barrier_kernel2", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out));
      int[] r = ints(dev, out, 64);
      assertEquals(3, r[0]);
      assertEquals(12, r[40]);
      String mask = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_shfl_mask_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out))).getMessage();
      assertTrue(mask.contains("fault_shfl_mask_kernel1") && mask.contains("member mask 0x0000ffff but the lanes converged "
          + "there are 0xffffffff"), mask);
      String exited = assertThrows(IllegalStateException.class,
          () -> dev.launch("fault_shfl_exited_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out))).getMessage();
      assertTrue(exited.contains("member mask 0xffffffff but the lanes converged there are 0x0000ffff"), exited);
      dev.launch("fault_shfl_mask_kernel2", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out));
      assertEquals(1, ints(dev, out, 2)[0]);
    }
    try (HostDevice dev = device(Sanitizer.NONE)) {
      // Without synccheck the harness runs the divergent barrier as a GPU might: silently.
      dev.launch("fault_barrier_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(dev.alloc(4 * 64)));
    }
  }

  @Test
  void whatTheDriverRefusesDuringCaptureIsRefused() {
    try (HostDevice dev = device(Sanitizer.NONE)) {
      long a = dev.alloc(16);
      dev.beginCapture();
      for (Runnable r : List.<Runnable>of(() -> dev.alloc(4), () -> dev.free(a), dev::synchronize,
          () -> dev.copyIn(a, new float[1], 0, 1), () -> dev.copyOut(a, new float[1], 0, 1))) {
        IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
        assertTrue(e.getMessage().contains("during graph capture"), e.getMessage());
      }
      dev.memsetD32(a, 7, 4); // recorded, as the driver records it
      dev.endCapture().close();
      dev.free(a);
    }
  }

  @Test
  void resultsAreBitIdenticalWhateverTheScheduleSeed() {
    float[][] first = null;
    for (long seed : new long[] {1, 2, 0xdeadbeefL}) {
      float[][] now = work(new HostDevice(Sanitizer.ALL.withScheduleSeed(seed)));
      if (first == null) first = now;
      for (int i = 0; i < now.length; i++) assertArrayEquals(first[i], now[i], "output " + i + " under schedule seed " + seed);
    }
  }

  /** A dense layer forward and backward, the reparameterization with its KL sum, and the likelihood. */
  private static float[][] work(HostDevice dev) {
    Emulator.assumeBuilt();
    Random rnd = new Random(3);
    try (CudaBackend be = new CudaBackend(dev, "schedule")) {
      int b = 5, in = 37, out = 19, z = 7;
      Buf x = buf(be, rnd, b * in), w = buf(be, rnd, out * in), bias = buf(be, rnd, out), y = be.alloc(b * out);
      be.denseForward(y, x, w, bias, b, in, out, Activation.TANH);
      Buf dy = buf(be, rnd, b * out), dw = buf(be, rnd, out * in), db = buf(be, rnd, out), dx = be.alloc(b * in);
      be.denseBackward(dx, dw, db, dy, y, x, w, b, in, out, Activation.TANH);
      Buf stats = buf(be, rnd, 2 * b * z), zz = be.alloc(b * z), kl = be.alloc(z);
      be.reparamForward(zz, kl, stats, b, z, 42, 3, true);
      Buf logits = buf(be, rnd, b * in), loss = be.alloc(b), dl = be.alloc(b * in);
      be.likelihood(loss, dl, logits, x, b, in, Likelihood.GAUSSIAN, 0.2f);
      List<float[]> r = new ArrayList<>();
      for (Buf o : List.of(y, dx, dw, db, zz, kl, loss, dl)) {
        float[] a = new float[(int) o.length()];
        be.read(o, a);
        r.add(a);
      }
      return r.toArray(new float[0][]);
    }
  }

  private static Buf buf(CudaBackend be, Random rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() * 2 - 1;
    Buf b = be.alloc(n);
    be.write(b, v);
    return b;
  }

  @Test
  void devicesWithDifferentChecksCanBeOpenTogether() {
    try (HostDevice strict = device(Sanitizer.ALL); HostDevice lax = device(Sanitizer.NONE)) {
      long a = lax.alloc(4 * 3);
      assertArrayEquals(new float[3], floats(lax, a, 3), "the lax device's memory is zeroed");
      long b = strict.alloc(4 * 3);
      assertTrue(Float.isNaN(floats(strict, b, 3)[0]), "the strict device's memory is still poisoned");
      long out = strict.alloc(4 * 64);
      assertThrows(IllegalStateException.class,
          () -> strict.launch("fault_barrier_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out)));
      lax.launch("fault_barrier_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(lax.alloc(4 * 64)));
    }
  }
}
