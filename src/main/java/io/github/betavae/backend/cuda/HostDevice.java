package io.github.betavae.backend.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernels of {@code kernels/} executed on the CPU by the host-execution harness (JNI): host
 * memory stands in for device memory, and each launch runs to completion before {@link #launch}
 * returns. It is slow, and exists so that every kernel and the Java launch code in front of it run
 * in builds without a GPU. Graph capture records launches and memsets and replays them in order;
 * what the driver refuses during capture (alloc, free, synchronize, copies to or from the host) this
 * device refuses too, so a capture bug fails in every build. {@link Sanitizer} adds compute-sanitizer
 * style checks ({@value Sanitizer#PROPERTY}). The harness's settings are process-wide; each device puts
 * its own back before it allocates or launches, so devices with different checks can be open together.
 */
public final class HostDevice implements Device {
  private final Map<String, String> signatures;
  private final Set<Long> live = new HashSet<>();
  private List<Runnable> capture;
  private boolean closed;

  private final Sanitizer sanitizer;
  private final DeviceCounters counters = new DeviceCounters();

  /** Loads the host kernel library, with the checks of {@value Sanitizer#PROPERTY}. */
  public HostDevice() {
    this(Sanitizer.fromSystemProperty());
  }

  /** Loads the host kernel library, with the given checks; DeviceUnavailableException when the jar lacks it. */
  public HostDevice(Sanitizer sanitizer) {
    NativeLibrary.loadHost();
    this.sanitizer = sanitizer;
    activate();
    Map<String, String> s = new LinkedHashMap<>();
    for (String k : HostNative.kernels()) {
      int c = k.indexOf(':');
      s.put(k.substring(0, c), k.substring(c + 1));
    }
    signatures = Collections.unmodifiableMap(s);
  }

  /** Kernel name → argument tags (as in {@link KernelArgs#tags()}) of every kernel in the library. */
  public Map<String, String> kernels() {
    return signatures;
  }

  @Override
  public String name() {
    return "host (CUDA kernels executed on the CPU)" + (sanitizer.describe().equals("none") ? "" : "; sanitizer: " + sanitizer.describe());
  }

  /** The device whose checks the native harness holds now (its settings are process-wide). */
  private static HostDevice active;

  /** Makes the harness run with this device's checks, if another device set its own since. */
  private void activate() {
    synchronized (HostDevice.class) {
      if (active != this) {
        HostNative.configure(sanitizer.flags(), sanitizer.fill(), sanitizer.scheduleSeed());
        active = this;
      }
    }
  }

  /** The checks this device runs with. */
  public Sanitizer sanitizer() {
    return sanitizer;
  }

  @Override
  public synchronized long alloc(long bytes) {
    open("alloc");
    activate();
    refuseDuringCapture("alloc");
    if (bytes < 0) throw new IllegalArgumentException("alloc: expected a size ≥ 0 bytes but found " + bytes);
    long a = HostNative.alloc(bytes);
    live.add(a);
    return a;
  }

  @Override
  public synchronized void free(long address) {
    if (closed) return;
    refuseDuringCapture("free");
    if (!live.remove(address)) {
      throw new IllegalArgumentException("free: address 0x" + Long.toHexString(address) + " was not allocated by this device");
    }
    HostNative.free(address);
  }

  @Override
  public void copyIn(long dst, float[] src, int off, int n) {
    copyIn(dst, src, off, n, 4, src.length);
  }

  @Override
  public void copyIn(long dst, int[] src, int off, int n) {
    copyIn(dst, src, off, n, 4, src.length);
  }

  @Override
  public void copyIn(long dst, byte[] src, int off, int n) {
    copyIn(dst, src, off, n, 1, src.length);
  }

  private synchronized void copyIn(long dst, Object src, int off, int n, int size, int length) {
    hostCopy("copyIn", dst, off, n, length);
    counters.hostToDevice((long) n * size);
    HostNative.copyIn(dst, src, (long) off * size, (long) n * size);
  }

  @Override
  public void copyOut(long src, float[] dst, int off, int n) {
    copyOut(src, dst, off, n, 4, dst.length);
  }

  @Override
  public void copyOut(long src, int[] dst, int off, int n) {
    copyOut(src, dst, off, n, 4, dst.length);
  }

  private synchronized void copyOut(long src, Object dst, int off, int n, int size, int length) {
    hostCopy("copyOut", src, off, n, length);
    counters.deviceToHost((long) n * size);
    HostNative.copyOut(src, dst, (long) off * size, (long) n * size);
  }

  private void hostCopy(String op, long address, int off, int n, int length) {
    open(op);
    if (capture != null) throw new IllegalStateException(op + ": copies to or from the host are not allowed during graph capture");
    if (address == 0) throw new IllegalArgumentException(op + ": null device address");
    if (off < 0 || n < 0 || off + n > length) {
      throw new IllegalArgumentException(op + ": range [" + off + ", " + (off + n) + ") outside array of " + length);
    }
  }

  /** Launches run to completion here, so the copy is made at once; the wait is still counted. */
  @Override
  public Staging staging(int words) {
    if (words < 1) throw new IllegalArgumentException("staging: expected at least one word but found " + words);
    long[] buf = new long[words];
    return new Staging() {
      private boolean queued, gone;

      @Override
      public void copyFrom(long src) {
        synchronized (HostDevice.this) {
          if (gone) throw new IllegalStateException("staging: closed");
          open("staging copy");
          if (capture != null) throw new IllegalStateException("staging copy: queue it after the graph replay, not inside the capture");
          if (src == 0) throw new IllegalArgumentException("staging copy: null device address");
          counters.deviceToHostAsync(8L * words);
          HostNative.copyOut(src, buf, 0, 8L * words);
          queued = true;
        }
      }

      @Override
      public void await(long[] out) {
        synchronized (HostDevice.this) {
          if (!queued) throw new IllegalStateException("staging await: no copy was queued");
          if (capture != null) throw new IllegalStateException("staging await: not allowed during graph capture (the driver refuses it)");
          counters.sync();
          System.arraycopy(buf, 0, out, 0, Math.min(out.length, words));
        }
      }

      @Override
      public void close() {
        gone = true;
      }
    };
  }

  /** Copies run at once here, so the buffer is always free again; the order rules are still checked. */
  @Override
  public Upload upload(int floats) {
    if (floats < 1) throw new IllegalArgumentException("upload: expected at least one float but found " + floats);
    float[] buf = new float[floats];
    java.nio.FloatBuffer view = java.nio.FloatBuffer.wrap(buf);
    return new Upload() {
      private boolean gone;

      @Override
      public java.nio.FloatBuffer acquire() {
        synchronized (HostDevice.this) {
          if (gone) throw new IllegalStateException("upload: closed");
          refuseDuringCapture("upload acquire");
          view.clear();
          return view;
        }
      }

      @Override
      public void send(long dst, int n) {
        synchronized (HostDevice.this) {
          if (gone) throw new IllegalStateException("upload: closed");
          open("upload send");
          refuseDuringCapture("upload send");
          if (dst == 0) throw new IllegalArgumentException("upload send: null device address");
          if (n < 0 || n > floats) throw new IllegalArgumentException("upload send: expected 0.." + floats + " floats but found " + n);
          counters.hostToDeviceAsync(4L * n);
          HostNative.copyIn(dst, buf, 0, 4L * n);
        }
      }

      @Override
      public void release() {
        synchronized (HostDevice.this) {
          refuseDuringCapture("upload release");
        }
      }

      @Override
      public void close() {
        gone = true;
      }
    };
  }

  @Override
  public synchronized void memsetD32(long dst, int bits, long count) {
    open("memsetD32");
    if (dst == 0 || count < 0) throw new IllegalArgumentException("memsetD32: expected an address and count ≥ 0 but found " + count);
    enqueue(() -> HostNative.memsetD32(dst, bits, count));
  }

  /** Records {@code op} while capturing, else counts it as a queued operation and runs it now. */
  private void enqueue(Runnable op) {
    if (capture != null) {
      capture.add(op);
    } else {
      counters.launch();
      op.run();
    }
  }

  @Override
  public synchronized void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    open("launch " + kernel);
    activate();
    String want = signatures.get(kernel);
    if (want == null) {
      throw new IllegalArgumentException("launch " + kernel + ": no such kernel; the library has " + signatures.keySet());
    }
    if (!want.equals(args.tags())) {
      throw new IllegalArgumentException("launch " + kernel + ": expected arguments of types '" + want + "' but found '"
          + args.tags() + "' (p pointer, i int, l long, d double, f float)");
    }
    if (block.volume() > 1024) {
      throw new IllegalArgumentException("launch " + kernel + " block " + block + ": expected at most 1024 threads but found " + block.volume());
    }
    byte[] tags = args.tagBytes();
    long[] values = args.valueArray();
    enqueue(() -> HostNative.launch(kernel, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), 0, tags, values));
  }

  @Override
  public synchronized void copyDevice(long dst, long src, long bytes) {
    open("copyDevice");
    if (dst == 0 || src == 0 || bytes < 0) throw new IllegalArgumentException("copyDevice: expected two addresses and bytes ≥ 0 but found " + bytes);
    enqueue(() -> HostNative.copyDevice(dst, src, bytes));
  }

  /** Every launch here has finished when it returns, so a launch aside is a launch. */
  @Override
  public synchronized void launchAside(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    if (capture != null) throw new IllegalStateException("launchAside " + kernel + ": not allowed during graph capture");
    launch(kernel, grid, block, args);
  }

  @Override
  public synchronized void joinAside() {
    if (capture != null) throw new IllegalStateException("joinAside: not allowed during graph capture");
  }

  @Override
  public synchronized void synchronize() {
    // Every launch has already run to completion; only the driver's rule is left to enforce.
    refuseDuringCapture("synchronize");
    counters.sync();
  }

  @Override
  public DeviceCounters counters() {
    return counters;
  }

  /** What the harness offers for device-resident data: 256 MiB, so tests stay small and fast. */
  static final long FREE_BYTES = 256L << 20;

  @Override
  public long freeBytes() {
    return FREE_BYTES;
  }

  /** The driver fails these calls on a capturing stream (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED). */
  private void refuseDuringCapture(String op) {
    if (capture != null) {
      throw new IllegalStateException(op + ": not allowed during graph capture (the driver refuses it); do it before "
          + "beginCapture or after endCapture");
    }
  }

  @Override
  public synchronized void beginCapture() {
    open("beginCapture");
    if (capture != null) throw new IllegalStateException("beginCapture: a capture is already in progress");
    capture = new ArrayList<>();
  }

  @Override
  public synchronized Graph endCapture() {
    if (capture == null) throw new IllegalStateException("endCapture: no capture in progress");
    List<Runnable> ops = List.copyOf(capture);
    capture = null;
    return new Graph() {
      private boolean gone;

      @Override
      public void replay() {
        synchronized (HostDevice.this) {
          if (gone) throw new IllegalStateException("replay: graph is closed");
          open("replay");
          if (capture != null) throw new IllegalStateException("replay: not allowed during graph capture");
          activate();
          counters.graphLaunch();
          for (Runnable r : ops) r.run();
        }
      }

      @Override
      public int size() {
        return ops.size();
      }

      @Override
      public void close() {
        gone = true;
      }
    };
  }

  private void open(String op) {
    if (closed) throw new IllegalStateException(op + ": device is closed");
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    for (long a : live) HostNative.free(a);
    live.clear();
    capture = null;
    closed = true;
  }
}
