package io.github.betavae.backend;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.backend.cuda.CublasGemm;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.DeviceInfo;
import io.github.betavae.backend.cuda.HostDevice;
import io.github.betavae.backend.cuda.JCudaDevice;
import java.util.Locale;

/**
 * Device selection ({@code --device}): turns a device name into a {@link Backend} and one line
 * saying what was chosen and why.
 *
 * <ul>
 *   <li>{@code cpu}: the pure-Java backend.
 *   <li>{@code cuda} or {@code cuda:N}: the CUDA kernels on GPU N (0 by default); where no driver, GPU
 *       or kernel binary is found, {@link DeviceUnavailableException} with one line naming what is
 *       missing.
 *   <li>{@code auto}: CUDA when a driver and a device answer, else the CPU with a note saying why.
 *   <li>{@code cuda-emu}: the CUDA kernels executed on the CPU by the host-execution harness — slow,
 *       for checking the GPU code path on machines without a GPU.
 * </ul>
 *
 * <p>GEMM provider ({@code --gemm}), for the dense products of the CUDA backend. The default is
 * {@code kernels}: cuBLAS is an opt-in provider (and the benchmark anchor), so a run uses the
 * project's own kernels unless asked otherwise.
 *
 * <ul>
 *   <li>{@code auto}: cuBLAS when libcublas.so.12 loads and a handle opens on the GPU, else the
 *       hand-written kernels; the description says which, and why.
 *   <li>{@code kernels}: the hand-written kernels of {@code kernels/dense.cu}.
 *   <li>{@code cublas}: cuBLAS or {@link DeviceUnavailableException} with one line; also refused on
 *       {@code cpu} and {@code cuda-emu}, which have no cuBLAS to call.
 * </ul>
 */
public final class Backends {
  private Backends() {}

  /** An opened backend and the one-line description of the choice. */
  public record Choice(Backend backend, String description) {}

  /**
   * Opens the backend named by {@code device}, with the hand-written kernels for the dense products.
   *
   * @param device auto, cpu, cuda, cuda:N or cuda-emu (case-insensitive)
   * @param threads CPU worker threads (≥ 1), or 0 for one per available core; used by the CPU backend
   * @throws DeviceUnavailableException when the named device cannot be used (never for auto or cpu)
   * @throws IllegalArgumentException for an unknown device name or a negative thread count
   */
  public static Choice open(String device, int threads) {
    return open(device, threads, "kernels");
  }

  /**
   * Opens the backend named by {@code device} with the dense products on {@code gemm}.
   *
   * @param gemm auto, kernels or cublas (case-insensitive; null means auto)
   * @throws DeviceUnavailableException also when {@code gemm} is cublas and cuBLAS cannot be used
   * @throws IllegalArgumentException for an unknown device or gemm name, or a negative thread count
   */
  public static Choice open(String device, int threads, String gemm) {
    String g = gemm == null ? "auto" : gemm.trim().toLowerCase(Locale.ROOT);
    if (!g.equals("auto") && !g.equals("kernels") && !g.equals("cublas")) {
      throw new IllegalArgumentException("unknown --gemm '" + gemm + "': expected auto, kernels or cublas");
    }
    boolean cublas = g.equals("cublas");
    if (threads < 0) throw new IllegalArgumentException("threads must be ≥ 0 (0 = all cores) but was " + threads);
    // A missing libcublas is what the user has to fix whatever the device: say so before opening one.
    if (cublas && CublasGemm.loadProblem() != null) throw new DeviceUnavailableException("--gemm cublas: " + CublasGemm.loadProblem());
    int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
    switch (d) {
      case "cpu":
        if (cublas) throw cublasRefused("cpu");
        return cpu(t, "");
      case "cuda-emu":
        if (cublas) throw cublasRefused("cuda-emu");
        return new Choice(CudaBackend.emulated(),
            "cuda-emu: the CUDA kernels executed on the CPU by the host harness (slow; for checking the GPU path)");
      case "auto":
        JCudaDevice dev;
        try {
          dev = device(0);
        } catch (DeviceUnavailableException e) {
          if (cublas) throw cublasRefused("cpu (no usable GPU)");
          return cpu(t, " (no usable GPU: " + e.getMessage() + ")");
        }
        return withGemm(dev, g);
      default:
        if (d.equals("cuda")) return withGemm(device(0), g);
        if (d.startsWith("cuda:")) {
          int n;
          try {
            n = Integer.parseInt(d.substring(5));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown device '" + device + "': expected cuda:N with N a GPU number");
          }
          return withGemm(device(n), g);
        }
        throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu, cuda, cuda:N or cuda-emu");
    }
  }

  /** The CPU backend, described by its own line (threads and GEMM path) followed by {@code why}. */
  private static Choice cpu(int threads, String why) {
    CpuBackend be = new CpuBackend(threads);
    return new Choice(be, be.description() + why);
  }

  private static JCudaDevice device(int ordinal) {
    try {
      return JCudaDevice.open(ordinal);
    } catch (DeviceUnavailableException e) {
      throw new DeviceUnavailableException("device cuda" + (ordinal == 0 ? "" : ":" + ordinal) + " unavailable: " + e.getMessage(), e);
    }
  }

  /** The CUDA backend on {@code dev} with the dense products on {@code gemm}; closes dev on failure. */
  private static Choice withGemm(JCudaDevice dev, String gemm) {
    String line = "cuda: " + dev.name() + "; GEMMs: ";
    if (gemm.equals("kernels")) return new Choice(new CudaBackend(dev, "cuda"), line + "hand-written kernels (--gemm kernels)");
    CublasGemm c;
    try {
      c = CublasGemm.open(dev);
    } catch (RuntimeException e) {
      if (gemm.equals("auto")) {
        return new Choice(new CudaBackend(dev, "cuda"), line + "hand-written kernels (" + firstLine(e.getMessage()) + ")");
      }
      dev.close();
      throw new DeviceUnavailableException("--gemm cublas: " + firstLine(e.getMessage()), e);
    }
    CudaBackend be = new CudaBackend(dev, "cuda", c);
    return new Choice(be, line + be.gemm());
  }

  private static String firstLine(String s) {
    String m = String.valueOf(s).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl).strip();
  }

  /**
   * Why {@code --gemm cublas} cannot run on a device other than a CUDA GPU: cuBLAS missing says so
   * first (that is what a user has to fix either way), else the device is the problem.
   */
  static DeviceUnavailableException cublasRefused(String device) {
    String missing = CublasGemm.loadProblem();
    if (missing != null) return new DeviceUnavailableException("--gemm cublas: " + missing);
    return new DeviceUnavailableException("--gemm cublas: cuBLAS runs only on a CUDA GPU, but the device is " + device
        + "; use --device cuda, or --gemm auto or kernels");
  }

  /** Whether the host harness can run here (its library is in the jar and loads). */
  public static boolean emulatorAvailable() {
    try {
      new HostDevice().close();
      return true;
    } catch (DeviceUnavailableException e) {
      return false;
    }
  }

  /**
   * A multi-line report for {@code info}: devices and whether each opens, the kernel binaries in the
   * jar, the CUDA driver and JCuda versions, and whether cuBLAS loads.
   */
  public static String info() {
    return DeviceInfo.report();
  }
}
