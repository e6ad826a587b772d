package io.github.betavae.backend;

import io.github.betavae.backend.cpu.CpuBackend;
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
 */
public final class Backends {
  private Backends() {}

  /** An opened backend and the one-line description of the choice. */
  public record Choice(Backend backend, String description) {}

  /**
   * Opens the backend named by {@code device}.
   *
   * @param device auto, cpu, cuda, cuda:N or cuda-emu (case-insensitive)
   * @param threads CPU worker threads (≥ 1), or 0 for one per available core; used by the CPU backend
   * @throws DeviceUnavailableException when the named device cannot be used (never for auto or cpu)
   * @throws IllegalArgumentException for an unknown device name or a negative thread count
   */
  public static Choice open(String device, int threads) {
    if (threads < 0) throw new IllegalArgumentException("threads must be ≥ 0 (0 = all cores) but was " + threads);
    int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
    switch (d) {
      case "cpu":
        return cpu(t, "");
      case "cuda-emu":
        return new Choice(CudaBackend.emulated(),
            "cuda-emu: the CUDA kernels executed on the CPU by the host harness (slow; for checking the GPU path)");
      case "auto":
        try {
          return cuda(0);
        } catch (DeviceUnavailableException e) {
          return cpu(t, " (no usable GPU: " + e.getMessage() + ")");
        }
      default:
        if (d.equals("cuda")) return cuda(0);
        if (d.startsWith("cuda:")) {
          int n;
          try {
            n = Integer.parseInt(d.substring(5));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown device '" + device + "': expected cuda:N with N a GPU number");
          }
          return cuda(n);
        }
        throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu, cuda, cuda:N or cuda-emu");
    }
  }

  /** The CPU backend, described by its own line (threads and GEMM path) followed by {@code why}. */
  private static Choice cpu(int threads, String why) {
    CpuBackend be = new CpuBackend(threads);
    return new Choice(be, be.description() + why);
  }

  private static Choice cuda(int ordinal) {
    JCudaDevice dev;
    try {
      dev = JCudaDevice.open(ordinal);
    } catch (DeviceUnavailableException e) {
      throw new DeviceUnavailableException("device cuda" + (ordinal == 0 ? "" : ":" + ordinal) + " unavailable: " + e.getMessage(), e);
    }
    return new Choice(new CudaBackend(dev, "cuda"), "cuda: " + dev.name());
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
