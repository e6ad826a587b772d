package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host-execution harness itself: CUDA semantics it emulates, and its launch validation. */
class HostDeviceTest {
  HostDevice dev;

  @BeforeEach
  void open() {
    Emulator.assumeBuilt();
    dev = new HostDevice();
  }

  @AfterEach
  void close() {
    if (dev != null) dev.close();
  }

  @Test
  void warpShufflesBarriersAndAtomicsFollowCudaSemantics() {
    long out = dev.alloc(4 * 322);
    dev.memsetD32(out, 0, 322);
    dev.launch("selftest_warp_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out));
    int[] r = new int[322];
    dev.copyOut(out, r, 0, r.length);
    for (int t = 0; t < 64; t++) {
      int lane = t % 32, base = t - lane;
      int seg = lane % 16;
      assertEquals(seg + 1 < 16 ? t + 1 : t, r[t], "shfl_down width 16, thread " + t);
      assertEquals(lane >= 3 ? t - 3 : t, r[64 + t], "shfl_up, thread " + t);
      assertEquals(base + (lane ^ 5), r[128 + t], "shfl_xor, thread " + t);
      assertEquals(base + 7, r[192 + t], "shfl, thread " + t);
      assertEquals(64 * 63 / 2, r[256 + t], "shared memory after __syncthreads, thread " + t);
    }
    assertEquals(64, r[320], "atomicAdd count");
    assertEquals(63, r[321], "atomicMax");
  }

  @Test
  void asyncCopiesLandWhenTheirThreadWaitsForThem() {
    float[] in = new float[256];
    for (int i = 0; i < in.length; i++) in[i] = i + 0.5f;
    long src = dev.alloc(4 * 256), out = dev.alloc(4 * 256);
    dev.copyIn(src, in, 0, in.length);
    for (int wait = 0; wait <= 1; wait++) {
      dev.launch("selftest_cp_async_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out).ptr(src).i32(wait));
      float[] r = new float[256];
      dev.copyOut(out, r, 0, r.length);
      for (int i = 0; i < 128; i++) {
        assertEquals(in[i], r[i], "group 0 lands by either wait, element " + i);
        int t = i / 4, q = i % 4;
        float copied = q < t % 5 ? in[128 + i] : 0f;
        assertEquals(wait == 0 ? copied : -1f, r[128 + i], "group 1 after BV_CP_ASYNC_WAIT(" + wait + "), element " + i);
      }
    }
  }

  @Test
  void misalignedAsyncCopyIsAFinding() {
    long src = dev.alloc(4 * 260), out = dev.alloc(4 * 256);
    dev.memsetD32(src, 0, 260);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> dev.launch("selftest_cp_async_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out).ptr(src + 4).i32(0)));
    assertTrue(e.getMessage().contains("misaligned") && e.getMessage().contains("cp.async"), e.getMessage());
  }

  /**
   * The GPU's alignment rules for shared memory, which fault there whatever the sanitizer: a 128-bit
   * access or cp.async needs its element 16 bytes into an array declared aligned (BV_SHARED2A), a
   * WMMA load 32 bytes and an ldm of a multiple of 4 floats. Each broken rule is a finding; the legal
   * accesses are not.
   */
  @Test
  void misalignedSharedAccessesAreFindings() {
    long out = dev.alloc(4);
    String[] expected = {"not declared with BV_SHARED2A", "not a multiple of 4", "not a multiple of 8", "with ldm 6"};
    for (int which = 0; which < 4; which++) {
      int w = which;
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> dev.launch("selftest_align_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out).i32(w)), "case " + w);
      assertTrue(e.getMessage().contains("misaligned") && e.getMessage().contains(expected[w]), "case " + w + ": " + e.getMessage());
    }
    dev.launch("selftest_align_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(out).i32(4));
    float[] r = new float[1];
    dev.copyOut(out, r, 0, 1);
    assertEquals(8f + 0f, r[0], "legal accesses: eight[1][0] + the fragment's first element, eight[0][0]");
  }

  @Test
  void divergentBarriersAreReportedAsDeadlock() {
    long out = dev.alloc(4 * 64);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> dev.launch("selftest_deadlock_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(out)));
    assertTrue(e.getMessage().contains("selftest_deadlock_kernel1") && e.getMessage().contains("deadlock"), e.getMessage());
    // the harness recovers: the next launch runs normally
    dev.launch("selftest_warp_kernel1", Dim3.of(1), Dim3.of(64), KernelArgs.of().ptr(dev.alloc(4 * 322)));
  }

  @Test
  void unknownKernelIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.launch("dense_forward_kernel9", Dim3.of(1), Dim3.of(32), KernelArgs.of()));
    assertTrue(e.getMessage().startsWith("launch dense_forward_kernel9: no such kernel"), e.getMessage());
  }

  @Test
  void wrongArgumentsStateExpectedAndFound() {
    long p = dev.alloc(64);
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> dev.launch("philox_uint32_kernel1", Dim3.of(1), Dim3.of(32), KernelArgs.of().ptr(p).i64(4)));
    assertTrue(count.getMessage().contains("expected arguments of types 'pllli' but found 'pl'"), count.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> dev.launch("philox_uint32_kernel1", Dim3.of(1), Dim3.of(32),
            KernelArgs.of().ptr(p).i32(4).i64(1).i64(2).i32(1)));
    assertTrue(type.getMessage().contains("found 'pilli'"), type.getMessage());
  }

  @Test
  void nativeLayerRejectsMismatchedArgumentsToo() {
    // bypasses the Java-side check: the C++ registry checks the tags against the kernel's signature
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HostNative.launch("philox_uint32_kernel1", 1, 1, 1, 32, 1, 1, 0, new byte[] {'p'}, new long[] {0}));
    assertTrue(e.getMessage().contains("expected 5 arguments (pointer, long, long, long, int) but found 1 (pointer)"),
        e.getMessage());
  }

  @Test
  void oversizedBlockIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.launch("philox_uint32_kernel1", Dim3.of(1), Dim3.of(2048), KernelArgs.of().ptr(8).i64(1).i64(0).i64(0).i32(0)));
    assertTrue(e.getMessage().contains("expected at most 1024 threads but found 2048"), e.getMessage());
  }

  @Test
  void launcherChecksBufferSizesBeforeLaunching() {
    try (CudaBackend be = new CudaBackend(dev, "cuda-emu")) {
      Buf y = be.alloc(5), x = be.alloc(6), w = be.alloc(6), b = be.alloc(2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> be.denseForward(y, x, w, b, 3, 2, 2, Activation.RELU));
      assertEquals("dense forward: y expected at least 6 floats but found 5", e.getMessage());
      IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
          () -> be.denseForward(y, x, w, b, 0, 2, 2, Activation.RELU));
      assertEquals("dense forward: batch must be ≥ 1 but was 0", zero.getMessage());
    }
  }

  @Test
  void copiesRoundTripAndAreRefusedDuringCapture() {
    long a = dev.alloc(4 * 5);
    float[] v = {1, 2, 3, 4, 5};
    dev.copyIn(a, v, 0, 5);
    float[] back = new float[5];
    dev.copyOut(a, back, 0, 5);
    assertArrayEquals(v, back);
    dev.beginCapture();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> dev.copyIn(a, v, 0, 5));
    assertTrue(e.getMessage().contains("not allowed during graph capture"), e.getMessage());
    assertEquals(0, dev.endCapture().size());
  }

  @Test
  void everyKernelTheLaunchersUseIsInTheLibrary() {
    for (String k : new String[] {"dense_forward", "dense_bias_grad", "dense_backward_dw",
        "dense_backward_dx", "dense_forward_partial", "dense_forward_sum", "dense_backward_dx_partial",
        "dense_backward_dx_sum", "reparam_forward_kernel1", "reparam_backward_kernel1", "likelihood_forward_kernel1",
        "adam_step_kernel1", "gather_forward_kernel1", "dense_bias_act", "philox_uint32_kernel1", "philox_normal_kernel1"}) {
      assertTrue(dev.kernels().containsKey(k), k + " missing from " + dev.kernels().keySet());
    }
  }
}
