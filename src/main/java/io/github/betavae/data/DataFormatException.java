package io.github.betavae.data;

/**
 * A data file is not what its reader expects: bad magic, truncated contents, an unsupported element
 * type or shape. The message names the file, what was expected and what was found.
 */
public class DataFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message naming the file, the expectation and the finding. */
  public DataFormatException(String message) {
    super(message);
  }

  /** With a message and the I/O failure behind it. */
  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
