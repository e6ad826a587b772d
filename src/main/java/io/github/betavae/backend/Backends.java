package io.github.betavae.backend;

import io.github.betavae.backend.cpu.CpuBackend;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Device selection for {@code --device auto|cpu|cuda} (DESIGN §4). This build carries only the CPU
 * engine: {@code auto} chooses it and says why in one line, {@code cuda} is refused with a one-line
 * reason. A CUDA engine plugs in here.
 */
public final class Backends {
  private Backends() {}

  /** The accepted {@code --device} values. */
  public enum Device {
    AUTO, CPU, CUDA;

    public static Device parse(String s) {
      for (Device d : values()) if (d.name().equalsIgnoreCase(s.trim())) return d;
      throw new IllegalArgumentException("unknown device '" + s + "': expected auto, cpu or cuda");
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Opens the backend for {@code device}.
   *
   * @param threads CPU worker threads (≥ 1)
   * @param note receives a one-line note when {@code auto} had to choose
   * @throws IllegalArgumentException when the device cannot be used in this build
   */
  public static Backend open(Device device, int threads, Consumer<String> note) {
    if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1 but was " + threads);
    switch (device) {
      case CUDA:
        throw new IllegalArgumentException("device cuda: this build has no CUDA backend; use --device cpu or --device auto");
      case AUTO:
        note.accept("device auto: no CUDA backend in this build, using cpu with " + threads + " thread" + (threads == 1 ? "" : "s"));
        return new CpuBackend(threads);
      default:
        return new CpuBackend(threads);
    }
  }

  /** One line per backend saying whether it can be used here, for {@code info}. */
  public static List<String> describe() {
    int cores = Runtime.getRuntime().availableProcessors();
    return List.of("cpu: available (pure Java, up to " + cores + " threads)", "cuda: not available (no CUDA backend in this build)");
  }
}
