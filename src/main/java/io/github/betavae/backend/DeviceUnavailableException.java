package io.github.betavae.backend;

/**
 * The requested compute device cannot be used: no driver, no GPU, no kernels in the jar, or a
 * missing native library. The message is one line naming what is missing; the CLI prints it and
 * exits with code 2.
 */
public class DeviceUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }

  public DeviceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
