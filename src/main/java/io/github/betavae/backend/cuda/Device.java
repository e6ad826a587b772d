package io.github.betavae.backend.cuda;

/**
 * Where kernels run: device memory, copies, launches by kernel name, and graph capture. Addresses
 * are plain 64-bit device addresses, so views into a buffer are address arithmetic. Launches are
 * queued in order on one stream; copies to and from the host wait for queued work.
 */
public interface Device extends AutoCloseable {

  /** One line: what this device is ("host (kernels on the CPU)", "cuda:0 NVIDIA H100 …"). */
  String name();

  /** Allocates {@code bytes} bytes (256-byte aligned) and returns the address. */
  long alloc(long bytes);

  /** Frees an address returned by {@link #alloc}. */
  void free(long address);

  /** Copies {@code n} floats from {@code src[off..]} to device address {@code dst}. */
  void copyIn(long dst, float[] src, int off, int n);

  /** Copies {@code n} ints from {@code src[off..]} to device address {@code dst}. */
  void copyIn(long dst, int[] src, int off, int n);

  /** Copies {@code n} bytes from {@code src[off..]} to device address {@code dst}. */
  void copyIn(long dst, byte[] src, int off, int n);

  /** Copies {@code n} floats from device address {@code src} to {@code dst[off..]}. */
  void copyOut(long src, float[] dst, int off, int n);

  /** Copies {@code n} ints from device address {@code src} to {@code dst[off..]}. */
  void copyOut(long src, int[] dst, int off, int n);

  /** Sets {@code count} 32-bit words at {@code dst} to {@code bits}; queued like a launch. */
  void memsetD32(long dst, int bits, long count);

  /**
   * Queues kernel {@code kernel} with the given shape and arguments. Failures name the kernel and
   * the launch shape.
   */
  void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args);

  /** Copies {@code bytes} bytes from device address {@code src} to {@code dst}; queued like a launch. */
  void copyDevice(long dst, long src, long bytes);

  /**
   * Queues kernel {@code kernel} on a second stream, after everything queued on the main stream so
   * far: it then runs beside the main stream's later work (work that can wait, such as the next
   * epoch's order). Refused during capture.
   */
  void launchAside(String kernel, Dim3 grid, Dim3 block, KernelArgs args);

  /** Makes the main stream's later work wait for everything launched aside so far. */
  void joinAside();

  /** Waits until all queued work has finished, reporting any asynchronous failure. */
  void synchronize();

  /**
   * Starts recording: until {@link #endCapture}, launches and memsets are recorded instead of run,
   * and copies to or from the host are refused (as in CUDA stream capture).
   */
  void beginCapture();

  /** Stops recording and returns the recorded work as a replayable graph. */
  Graph endCapture();

  /** Recorded work, replayed with the same arguments (same addresses, same scalars) each time. */
  interface Graph extends io.github.betavae.backend.Graph {
    /** Number of recorded operations. */
    int size();

    @Override
    void close();
  }

  /**
   * Host memory for {@code words} 64-bit words that receives asynchronous copies from the device
   * (pinned on a GPU): how a resident step's stats record reaches the host without the host waiting
   * inside the training loop.
   */
  Staging staging(int words);

  /** A host buffer filled by copies queued on the stream. */
  interface Staging extends AutoCloseable {
    /**
     * Queues a copy of the buffer's words from device address {@code src} and marks when it lands;
     * never waits. Not allowed during capture (queue it after the replay).
     */
    void copyFrom(long src);

    /** Waits for the last queued copy to land (one synchronisation) and copies the words into {@code out}. */
    void await(long[] out);

    @Override
    void close();
  }

  /**
   * Pinned host memory for {@code floats} floats whose contents reach the device by copies queued on
   * the second stream, so that uploading the next batch runs beside the main stream's kernels
   * (batches streamed for data that does not fit on the device). Not allowed during capture.
   */
  Upload upload(int floats);

  /**
   * A host buffer copied to the device aside. One cycle: {@link #acquire} (the host waits until the
   * last copy has read the buffer), write the floats, {@link #send} (the copy runs on the second
   * stream once the main stream's work queued before the last {@link #release} is done, and the main
   * stream's later work waits for the copy), queue the work that reads the copy, {@link #release}.
   */
  interface Upload extends AutoCloseable {
    /** Waits until the last queued copy has read this buffer, then returns it, positioned at 0. */
    java.nio.FloatBuffer acquire();

    /** Queues, aside, a copy of the first {@code n} floats to {@code dst}; the main stream's later work waits for it. */
    void send(long dst, int n);

    /** Marks that the main stream's work reading what the last {@link #send} wrote has been queued. */
    void release();

    @Override
    void close();
  }

  /**
   * Device memory free for new allocations, in bytes: what the driver reports on a GPU, a fixed
   * budget on the host harness. Decides whether a dataset may live on the device.
   */
  long freeBytes();

  /**
   * Starts (or stops) timing every kernel launch and graph replay on the device, for {@code train
   * --profile}; starting clears earlier times. Only a GPU can time kernels (CUDA events); the host
   * harness ignores this and reports none.
   */
  default void timeKernels(boolean on) {}

  /** Kernel times since {@link #timeKernels} was turned on, longest first: name, calls, milliseconds. */
  default java.util.List<KernelTime> kernelTimes() {
    return java.util.List.of();
  }

  /** GPU time spent in one kernel (or in whole graph replays, named "graph replay"). */
  record KernelTime(String name, long calls, double ms) {}

  /** What this device has been asked to do so far (for {@code train --profile}). */
  DeviceCounters counters();

  /** Frees device resources; idempotent, no checked exception. */
  @Override
  void close();
}
