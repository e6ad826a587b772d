package io.github.betavae.cli;

import io.github.betavae.backend.Backends;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs a model: which engine ({@code --device}), who computes the
 * dense products on a GPU ({@code --gemm}) and how many CPU threads ({@code --threads}). One place, so
 * their names, defaults and checks cannot drift apart between commands.
 */
final class DeviceOptions {

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "auto, cpu, cuda, cuda:N or cuda-emu (the CUDA kernels run on the CPU; slow)")
  String device = "auto";

  @Option(names = "--gemm", paramLabel = "GEMM",
      description = "dense products on a GPU: kernels (default, the hand-written ones), cublas, or auto (cuBLAS when libcublas.so.12 loads)")
  String gemm = "kernels";

  @Option(names = "--threads", description = "CPU threads (results do not depend on it)")
  int threads = Runtime.getRuntime().availableProcessors();

  /** Rejects impossible values before any work is done. */
  void check() {
    if (threads < 1) throw new IllegalArgumentException("--threads must be ≥ 1 but was " + threads);
  }

  /**
   * Checks that a batch of {@code batch} samples of network {@code vc} fits (see {@link Sizes}), then
   * opens the chosen backend; on the CPU engine also that it fits the heap, closing the backend again
   * when it does not.
   */
  Backends.Choice open(String flag, long batch, io.github.betavae.model.VaeConfig vc, int perParam) {
    Sizes.checkBatch(flag, batch, vc, perParam, false);
    Backends.Choice c = open();
    if (c.backend() instanceof io.github.betavae.backend.cpu.CpuBackend) {
      try {
        Sizes.checkBatch(flag, batch, vc, perParam, true);
      } catch (RuntimeException e) {
        c.backend().close();
        throw e;
      }
    }
    return c;
  }

  /** Checks the values and opens the chosen backend. */
  Backends.Choice open() {
    check();
    return Backends.open(device, threads, gemm);
  }
}
