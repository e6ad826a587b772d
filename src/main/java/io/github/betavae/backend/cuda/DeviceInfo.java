package io.github.betavae.backend.cuda;

import io.github.betavae.backend.DeviceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;

/** What the CUDA side of this build can do on this machine, as text for the {@code info} command. */
public final class DeviceInfo {
  private DeviceInfo() {}

  /** The same words as the --gemm cublas error, so info and train agree on what is missing. */
  static final String UNAVAILABLE = "unavailable: libcublas.so.12 not found on the loader path";

  /**
   * Lines of "key: value": the CPU, each GPU or why there is none, the kernel binaries in the jar,
   * the host harness, driver and JCuda versions, and cuBLAS.
   */
  public static String report() {
    StringBuilder s = new StringBuilder();
    s.append("cpu: pure Java, ").append(Runtime.getRuntime().availableProcessors()).append(" cores available, ");
    try (io.github.betavae.backend.cpu.CpuBackend cpu = new io.github.betavae.backend.cpu.CpuBackend(1)) {
      s.append(cpu.gemmPath()).append('\n');
    }
    String driver;
    String cublas = CublasGemm.loadProblem() == null ? "libcublas.so.12 loads (no usable GPU to open a handle on)" : UNAVAILABLE;
    try {
      driver = JCudaDevice.driverVersionText();
      int n = JCudaDevice.deviceCount();
      if (n == 0) s.append("cuda: no GPU listed by the driver\n");
      for (int i = 0; i < n; i++) {
        try (JCudaDevice d = JCudaDevice.open(i)) {
          s.append("cuda:").append(i).append(": ").append(d.name()).append('\n');
          if (i == 0) cublas = cublasStatus();  // needs the context that open() made current
        } catch (RuntimeException e) {
          s.append("cuda:").append(i).append(": unusable: ").append(e.getMessage()).append('\n');
        }
      }
    } catch (DeviceUnavailableException e) {
      driver = "not loaded";
      s.append("cuda: unavailable: ").append(e.getMessage()).append('\n');
    }
    String emu;
    try (HostDevice h = new HostDevice()) {
      long n = h.kernels().keySet().stream().filter(k -> !k.startsWith("selftest_")).count();
      emu = "available (" + n + " kernels in " + NativeLibrary.HOST_LIB.substring(1) + ")";
    } catch (DeviceUnavailableException e) {
      emu = "unavailable: " + e.getMessage();
    }
    s.append("cuda-emu: ").append(emu).append('\n');
    byte[] fatbin = NativeLibrary.fatbin();
    s.append("kernels: ").append(fatbin == null
        ? "none in the jar (built without nvcc)"
        : NativeLibrary.FATBIN.substring(1) + " (" + fatbin.length / 1024 + " KiB; SASS sm_80, sm_90; PTX compute_90;"
            + " CUDA 13 output, needs an NVIDIA driver >= 580)").append('\n');
    s.append("CUDA driver: ").append(driver).append('\n');
    s.append("JCuda: ").append(jcudaVersion()).append('\n');
    s.append("cuBLAS: ").append(cublas).append("; --gemm auto uses it on a GPU where available, else the hand-written GEMMs of"
        + " kernels/dense.cu\n");
    return s.toString();
  }

  /**
   * Whether JCublas loads (it needs libcublas.so.12 on the loader path) and a handle can be made on
   * the current context; one line either way.
   */
  static String cublasStatus() {
    if (CublasGemm.loadProblem() != null) return UNAVAILABLE;
    try {
      JCublas2.setExceptionsEnabled(false);
      cublasHandle h = new cublasHandle();
      int r = JCublas2.cublasCreate(h);
      if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) return "loads, but cublasCreate failed: " + cublasStatus.stringFor(r);
      int[] v = {0};
      JCublas2.cublasGetVersion(h, v);
      JCublas2.cublasDestroy(h);
      return "available (cuBLAS " + v[0] / 10000 + "." + (v[0] / 100) % 100 + "." + v[0] % 100 + ")";
    } catch (LinkageError e) {
      return UNAVAILABLE;
    }
  }

  /** The JCuda artifact version on the class path, from its Maven metadata. */
  static String jcudaVersion() {
    try (InputStream in = jcuda.Pointer.class.getResourceAsStream("/META-INF/maven/org.jcuda/jcuda/pom.properties")) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException | LinkageError e) {
      return "unknown";
    }
  }
}
