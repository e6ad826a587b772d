package io.github.betavae.backend.cuda;

/**
 * A device scratch buffer that is allocated on first need and only ever grows, so steady-state steps
 * allocate nothing. A smaller old buffer is not freed: a captured graph may still point at it. It
 * goes with the device; growth happens a few times per model at most.
 */
final class Scratch {
  private final Device dev;
  private long address;
  private long bytes;

  Scratch(Device dev) {
    this.dev = dev;
  }

  /** The address of at least {@code floats} floats. */
  long floats(long floats) {
    long need = 4 * floats;
    if (need > bytes) {
      address = dev.alloc(need);
      bytes = need;
    }
    return address;
  }
}
