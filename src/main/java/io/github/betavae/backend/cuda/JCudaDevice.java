package io.github.betavae.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceComputeCapability;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuEventQuery;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import io.github.betavae.backend.DeviceUnavailableException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * A real GPU through JCuda's driver API: the fatbin built from {@code kernels/} is loaded with
 * {@code cuModuleLoadData}, kernels are looked up once by name and queued with
 * {@code cuLaunchKernel} on one stream of the device's primary context. Every failed call becomes
 * an exception naming the call (and, for launches, the kernel and its shape).
 */
public final class JCudaDevice implements Device {
  /** Set once when the JCuda natives or libcuda cannot be loaded; later opens report the same line. */
  private static volatile String linkProblem;

  private final int ordinal;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUmodule module = new CUmodule();
  private final CUstream stream = new CUstream();
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final Set<Long> live = new HashSet<>();
  private final DeviceCounters counters = new DeviceCounters();
  private CUstream aside;  // the second stream of launchAside, made on first use
  private CUevent toAside, fromAside;
  private KernelTimer timer, timingOff;  // timer: while timing kernels; timingOff: the last one, for its totals
  private final String name;
  private final int driverVersion;
  private boolean capturing;
  private int captured;  // operations queued since beginCapture
  private boolean closed;

  private JCudaDevice(int ordinal, byte[] fatbin) {
    this.ordinal = ordinal;
    int[] count = {0};
    check(cuDeviceGetCount(count), "cuDeviceGetCount");
    if (count[0] == 0) throw new DeviceUnavailableException("no CUDA device found (the driver answered but lists 0 GPUs)");
    if (ordinal < 0 || ordinal >= count[0]) {
      throw new DeviceUnavailableException("CUDA device " + ordinal + " does not exist: expected 0 to " + (count[0] - 1));
    }
    check(cuDeviceGet(device, ordinal), "cuDeviceGet");
    byte[] raw = new byte[256];
    check(cuDeviceGetName(raw, raw.length, device), "cuDeviceGetName");
    int len = 0;
    while (len < raw.length && raw[len] != 0) len++;
    int[] major = {0}, minor = {0};
    check(cuDeviceComputeCapability(major, minor, device), "cuDeviceComputeCapability");
    long[] mem = {0};
    check(cuDeviceTotalMem(mem, device), "cuDeviceTotalMem");
    int[] drv = {0};
    check(cuDriverGetVersion(drv), "cuDriverGetVersion");
    driverVersion = drv[0];
    name = "cuda:" + ordinal + " " + new String(raw, 0, len, StandardCharsets.UTF_8) + " (sm_" + major[0] + minor[0]
        + ", " + (mem[0] >> 20) + " MiB, driver " + versionText(driverVersion) + ")";
    check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    int r = cuModuleLoadData(module, fatbin);
    if (r != CUresult.CUDA_SUCCESS) {
      cuDevicePrimaryCtxRelease(device);
      throw new DeviceUnavailableException("cannot load the CUDA kernels on " + name + ": " + CUresult.stringFor(r)
          + " (the jar holds SASS for sm_80 and sm_90 and PTX for compute_90, built with CUDA 13, which needs"
          + " an NVIDIA driver ≥ 580)");
    }
    check(cuStreamCreate(stream, 0), "cuStreamCreate");
  }

  /**
   * Opens GPU {@code ordinal}. Throws {@link DeviceUnavailableException} with one line naming what is
   * missing: the JCuda natives or libcuda.so.1, a driver that answers, a GPU, or kernels in the jar.
   */
  public static JCudaDevice open(int ordinal) {
    byte[] fatbin = NativeLibrary.fatbin();
    if (fatbin == null) {
      throw new DeviceUnavailableException("the jar has no CUDA kernels (" + NativeLibrary.FATBIN.substring(1)
          + " is built only where nvcc is installed)");
    }
    initDriver();
    return new JCudaDevice(ordinal, fatbin);
  }

  /** Loads JCuda and runs cuInit; DeviceUnavailableException when either fails. */
  static void initDriver() {
    if (linkProblem != null) throw new DeviceUnavailableException(linkProblem);
    int r;
    try {
      JCudaDriver.setExceptionsEnabled(false);
      r = cuInit(0);
    } catch (LinkageError e) {
      // JCuda's native library links against libcuda.so.1, which only an NVIDIA driver installs.
      linkProblem = "no CUDA driver: JCuda could not load its native library ("
          + NativeLibrary.firstLine(e.getMessage()) + "); libcuda.so.1 comes with the NVIDIA driver";
      throw new DeviceUnavailableException(linkProblem, e);
    }
    if (r != CUresult.CUDA_SUCCESS) {
      throw new DeviceUnavailableException("the CUDA driver does not answer: cuInit failed with " + CUresult.stringFor(r));
    }
  }

  /** The driver's CUDA version as "major.minor", or a reason it is unknown. */
  static String driverVersionText() {
    initDriver();
    int[] v = {0};
    check(cuDriverGetVersion(v), "cuDriverGetVersion");
    return versionText(v[0]);
  }

  private static String versionText(int v) {
    return (v / 1000) + "." + (v % 1000) / 10;
  }

  /** Number of GPUs the driver lists; 0 where no driver loads. */
  public static int gpus() {
    try {
      return deviceCount();
    } catch (RuntimeException | LinkageError e) {
      return 0;
    }
  }

  /** Number of GPUs the driver lists (driver must load). */
  static int deviceCount() {
    initDriver();
    int[] count = {0};
    check(cuDeviceGetCount(count), "cuDeviceGetCount");
    return count[0];
  }

  public int ordinal() {
    return ordinal;
  }

  /** The CUDA version of the driver, e.g. 13000 for 13.0. */
  public int driverVersion() {
    return driverVersion;
  }

  @Override
  public String name() {
    return name;
  }

  private void current(String op) {
    if (closed) throw new IllegalStateException(op + ": device is closed");
    check(cuCtxSetCurrent(context), op + " (cuCtxSetCurrent)");
  }

  /** A device address as JCuda's pointer type: null base plus the address as byte offset. */
  /** Makes this device's context current on the calling thread (for libraries such as cuBLAS). */
  synchronized void makeCurrent(String op) {
    current(op);
  }

  /** The stream every launch goes to; other libraries queue on it to stay in order with our kernels. */
  CUstream stream() {
    return stream;
  }

  /**
   * Called before another library queues work on {@link #stream()}: makes the context current and
   * counts the operation when a graph is being captured.
   */
  synchronized void external(String op) {
    current(op);
    if (capturing) captured++;
  }

  private static CUdeviceptr at(long address) {
    return new CUdeviceptr().withByteOffset(address);
  }

  @Override
  public synchronized long alloc(long bytes) {
    current("alloc");
    refuseDuringCapture("alloc");
    if (bytes < 0) throw new IllegalArgumentException("alloc: expected a size ≥ 0 bytes but found " + bytes);
    Address p = new Address();
    check(cuMemAlloc(p, Math.max(bytes, 1)), "cuMemAlloc of " + bytes + " bytes");
    long a = p.value();
    live.add(a);
    return a;
  }

  @Override
  public synchronized void free(long address) {
    if (closed) return;
    current("free");
    refuseDuringCapture("free");
    if (!live.remove(address)) {
      throw new IllegalArgumentException("free: address 0x" + Long.toHexString(address) + " was not allocated by this device");
    }
    check(cuMemFree(at(address)), "cuMemFree");
  }

  // Buffers wrapped at an offset: JCuda's Pointer.to(Buffer) honours the buffer's position.
  @Override
  public synchronized void copyIn(long dst, float[] src, int off, int n) {
    hostCopy("copyIn", dst, off, n, src.length);
    counters.hostToDevice(4L * n);
    check(cuMemcpyHtoD(at(dst), Pointer.to(FloatBuffer.wrap(src, off, n)), 4L * n), "cuMemcpyHtoD");
  }

  @Override
  public synchronized void copyIn(long dst, int[] src, int off, int n) {
    hostCopy("copyIn", dst, off, n, src.length);
    counters.hostToDevice(4L * n);
    check(cuMemcpyHtoD(at(dst), Pointer.to(IntBuffer.wrap(src, off, n)), 4L * n), "cuMemcpyHtoD");
  }

  @Override
  public synchronized void copyIn(long dst, byte[] src, int off, int n) {
    hostCopy("copyIn", dst, off, n, src.length);
    counters.hostToDevice(n);
    check(cuMemcpyHtoD(at(dst), Pointer.to(ByteBuffer.wrap(src, off, n)), n), "cuMemcpyHtoD");
  }

  @Override
  public synchronized void copyOut(long src, float[] dst, int off, int n) {
    hostCopy("copyOut", src, off, n, dst.length);
    counters.deviceToHost(4L * n);
    check(cuMemcpyDtoH(Pointer.to(FloatBuffer.wrap(dst, off, n)), at(src), 4L * n), "cuMemcpyDtoH");
  }

  @Override
  public synchronized void copyOut(long src, int[] dst, int off, int n) {
    hostCopy("copyOut", src, off, n, dst.length);
    counters.deviceToHost(4L * n);
    check(cuMemcpyDtoH(Pointer.to(IntBuffer.wrap(dst, off, n)), at(src), 4L * n), "cuMemcpyDtoH");
  }

  private synchronized void hostCopy(String op, long address, int off, int n, int length) {
    current(op);
    if (capturing) throw new IllegalStateException(op + ": copies to or from the host are not allowed during graph capture");
    if (address == 0) throw new IllegalArgumentException(op + ": null device address");
    if (off < 0 || n < 0 || off + n > length) {
      throw new IllegalArgumentException(op + ": range [" + off + ", " + (off + n) + ") outside array of " + length);
    }
    // Copies run outside our stream: wait for queued kernels, which may read what copyIn overwrites
    // or write what copyOut reads.
    check(cuStreamSynchronize(stream), "cuStreamSynchronize before " + op);
  }

  /** Pinned host memory, an async copy on the stream, and an event recorded after it to wait on. */
  @Override
  public synchronized Staging staging(int words) {
    current("staging");
    refuseDuringCapture("staging");
    if (words < 1) throw new IllegalArgumentException("staging: expected at least one word but found " + words);
    long bytes = 8L * words;
    Pointer host = new Pointer();
    check(cuMemAllocHost(host, bytes), "cuMemAllocHost of " + bytes + " bytes");
    CUevent event = new CUevent();
    int r = cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING);
    if (r != CUresult.CUDA_SUCCESS) {
      cuMemFreeHost(host);
      check(r, "cuEventCreate");
    }
    return new Staging() {
      private boolean queued, gone;

      @Override
      public void copyFrom(long src) {
        synchronized (JCudaDevice.this) {
          if (gone) throw new IllegalStateException("staging: closed");
          current("staging copy");
          if (capturing) throw new IllegalStateException("staging copy: queue it after the graph replay, not inside the capture");
          counters.deviceToHostAsync(bytes);
          check(cuMemcpyDtoHAsync(host, at(src), bytes, stream), "cuMemcpyDtoHAsync of " + bytes + " bytes");
          check(cuEventRecord(event, stream), "cuEventRecord");
          queued = true;
        }
      }

      @Override
      public void await(long[] out) {
        synchronized (JCudaDevice.this) {
          if (!queued) throw new IllegalStateException("staging await: no copy was queued");
          current("staging await");
          refuseDuringCapture("staging await");
          counters.sync();
          check(cuEventSynchronize(event), "cuEventSynchronize (an earlier kernel failed)");
          host.getByteBuffer(0, bytes).order(java.nio.ByteOrder.nativeOrder()).asLongBuffer().get(out, 0, Math.min(out.length, words));
        }
      }

      @Override
      public void close() {
        synchronized (JCudaDevice.this) {
          if (gone || closed) return;
          gone = true;
          cuCtxSetCurrent(context);
          cuEventSynchronize(event);
          cuEventDestroy(event);
          cuMemFreeHost(host);
        }
      }
    };
  }

  /**
   * Pinned host memory copied on the second stream: an event after the copy (the host waits on it
   * before writing again; the main stream waits on it before reading) and one the main stream
   * records at {@code release} (the next copy waits on it before overwriting what was read).
   */
  @Override
  public synchronized Upload upload(int floats) {
    current("upload");
    refuseDuringCapture("upload");
    if (floats < 1) throw new IllegalArgumentException("upload: expected at least one float but found " + floats);
    long bytes = 4L * floats;
    ensureAside();
    Pointer host = new Pointer();
    check(cuMemAllocHost(host, bytes), "cuMemAllocHost of " + bytes + " bytes");
    CUevent copied = new CUevent(), used = new CUevent();
    int r = cuEventCreate(copied, CUevent_flags.CU_EVENT_DISABLE_TIMING);
    if (r == CUresult.CUDA_SUCCESS) r = cuEventCreate(used, CUevent_flags.CU_EVENT_DISABLE_TIMING);
    if (r != CUresult.CUDA_SUCCESS) {
      cuMemFreeHost(host);
      check(r, "cuEventCreate");
    }
    java.nio.FloatBuffer view = host.getByteBuffer(0, bytes).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    return new Upload() {
      private boolean sent, released, gone;

      @Override
      public java.nio.FloatBuffer acquire() {
        synchronized (JCudaDevice.this) {
          if (gone) throw new IllegalStateException("upload: closed");
          current("upload acquire");
          refuseDuringCapture("upload acquire");
          if (sent && cuEventQuery(copied) != CUresult.CUDA_SUCCESS) {
            // the copy of two batches ago is still reading the buffer: a real wait
            counters.sync();
            check(cuEventSynchronize(copied), "cuEventSynchronize (an earlier copy or kernel failed)");
          }
          view.clear();
          return view;
        }
      }

      @Override
      public void send(long dst, int n) {
        synchronized (JCudaDevice.this) {
          if (gone) throw new IllegalStateException("upload: closed");
          current("upload send");
          refuseDuringCapture("upload send");
          if (dst == 0) throw new IllegalArgumentException("upload send: null device address");
          if (n < 0 || n > floats) throw new IllegalArgumentException("upload send: expected 0.." + floats + " floats but found " + n);
          if (released) check(cuStreamWaitEvent(aside, used, 0), "cuStreamWaitEvent");
          counters.hostToDeviceAsync(4L * n);
          check(cuMemcpyHtoDAsync(at(dst), host, 4L * n, aside), "cuMemcpyHtoDAsync of " + 4L * n + " bytes");
          check(cuEventRecord(copied, aside), "cuEventRecord");
          check(cuStreamWaitEvent(stream, copied, 0), "cuStreamWaitEvent");
          sent = true;
        }
      }

      @Override
      public void release() {
        synchronized (JCudaDevice.this) {
          current("upload release");
          refuseDuringCapture("upload release");
          check(cuEventRecord(used, stream), "cuEventRecord");
          released = true;
        }
      }

      @Override
      public void close() {
        synchronized (JCudaDevice.this) {
          if (gone || closed) return;
          gone = true;
          cuCtxSetCurrent(context);
          cuEventSynchronize(copied);
          cuEventDestroy(copied);
          cuEventDestroy(used);
          cuMemFreeHost(host);
        }
      }
    };
  }

  @Override
  public synchronized void memsetD32(long dst, int bits, long count) {
    current("memsetD32");
    check(cuMemsetD32Async(at(dst), bits, count, stream), "cuMemsetD32Async of " + count + " words");
    if (capturing) captured++;
    else counters.launch();
  }

  @Override
  public synchronized void copyDevice(long dst, long src, long bytes) {
    current("copyDevice");
    check(cuMemcpyDtoDAsync(at(dst), at(src), bytes, stream), "cuMemcpyDtoDAsync of " + bytes + " bytes");
    if (capturing) captured++;
    else counters.launch();
  }

  @Override
  public synchronized void launchAside(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    current("launchAside " + kernel);
    refuseDuringCapture("launchAside " + kernel);
    ensureAside();
    check(cuEventRecord(toAside, stream), "cuEventRecord");
    check(cuStreamWaitEvent(aside, toAside, 0), "cuStreamWaitEvent");
    int r = launchOn(aside, kernel, grid, block, args);
    if (r != CUresult.CUDA_SUCCESS) {
      throw new IllegalStateException("launchAside " + kernel + " grid " + grid + " block " + block + " failed: " + CUresult.stringFor(r));
    }
    counters.launch();
  }

  /** Makes the second stream and the events that order it against the main stream, once. */
  private void ensureAside() {
    if (aside != null) return;
    aside = new CUstream();
    check(cuStreamCreate(aside, 0), "cuStreamCreate");
    toAside = new CUevent();
    fromAside = new CUevent();
    check(cuEventCreate(toAside, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    check(cuEventCreate(fromAside, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  }

  @Override
  public synchronized void joinAside() {
    current("joinAside");
    refuseDuringCapture("joinAside");
    if (aside == null) return;
    check(cuEventRecord(fromAside, aside), "cuEventRecord");
    check(cuStreamWaitEvent(stream, fromAside, 0), "cuStreamWaitEvent");
  }

  @Override
  public synchronized void launch(String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    current("launch " + kernel);
    Object timed = timer != null && !capturing ? timer.begin(kernel, stream) : null;
    int r = launchOn(stream, kernel, grid, block, args);
    if (timed != null && r == CUresult.CUDA_SUCCESS) timer.end(timed, stream);
    if (r != CUresult.CUDA_SUCCESS) {
      throw new IllegalStateException("launch " + kernel + " grid " + grid + " block " + block + " failed: " + CUresult.stringFor(r));
    }
    if (capturing) captured++;
    else counters.launch();
  }

  /** cuLaunchKernel of {@code kernel} on {@code on}; returns the driver's result. */
  private int launchOn(CUstream on, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
    CUfunction f = functions.get(kernel);
    if (f == null) {
      f = new CUfunction();
      int r = cuModuleGetFunction(f, module, kernel);
      if (r != CUresult.CUDA_SUCCESS) {
        throw new IllegalArgumentException("launch " + kernel + ": no such kernel in the fatbin (" + CUresult.stringFor(r) + ")");
      }
      functions.put(kernel, f);
    }
    Pointer[] slots = new Pointer[args.size()];
    for (int i = 0; i < slots.length; i++) {
      long v = args.value(i);
      switch (args.tag(i)) {
        case 'i': slots[i] = Pointer.to(new int[] {(int) v}); break;
        case 'f': slots[i] = Pointer.to(new float[] {Float.intBitsToFloat((int) v)}); break;
        default: slots[i] = Pointer.to(new long[] {v}); break;  // 'p', 'l' and 'd': 8 bytes
      }
    }
    return cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), 0, on,
        Pointer.to(slots), null);
  }

  @Override
  public synchronized void synchronize() {
    current("synchronize");
    refuseDuringCapture("synchronize");
    counters.sync();
    check(cuStreamSynchronize(stream), "cuStreamSynchronize (an earlier kernel failed)");
  }

  @Override
  public synchronized void timeKernels(boolean on) {
    current("timeKernels");
    if (on) {
      if (timer == null) timer = new KernelTimer();
      timer.reset();
    } else if (timer != null) {
      timer.drain();
      timingOff = timer;
      timer = null;
    }
  }

  @Override
  public synchronized java.util.List<KernelTime> kernelTimes() {
    KernelTimer t = timer != null ? timer : timingOff;
    if (t == null) return java.util.List.of();
    current("kernelTimes");
    return t.totals().stream().map(x -> new KernelTime(x.name(), x.calls(), x.ms())).toList();
  }

  @Override
  public DeviceCounters counters() {
    return counters;
  }

  @Override
  public synchronized long freeBytes() {
    current("freeBytes");
    long[] free = new long[1], total = new long[1];
    check(cuMemGetInfo(free, total), "cuMemGetInfo");
    return free[0];
  }

  /**
   * What the driver would fail on a capturing stream, refused with the same words as {@link HostDevice}
   * before the call can invalidate the capture.
   */
  private void refuseDuringCapture(String op) {
    if (capturing) {
      throw new IllegalStateException(op + ": not allowed during graph capture (the driver refuses it); do it before "
          + "beginCapture or after endCapture");
    }
  }

  @Override
  public synchronized void beginCapture() {
    current("beginCapture");
    if (capturing) throw new IllegalStateException("beginCapture: a capture is already in progress");
    check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
    capturing = true;
    captured = 0;
  }

  @Override
  public synchronized Graph endCapture() {
    current("endCapture");
    if (!capturing) throw new IllegalStateException("endCapture: no capture in progress");
    capturing = false;
    final int ops = captured;
    CUgraph graph = new CUgraph();
    check(cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
    CUgraphExec exec = new CUgraphExec();
    int r = cuGraphInstantiate(exec, graph, 0);
    if (r != CUresult.CUDA_SUCCESS) {
      cuGraphDestroy(graph);
      throw new IllegalStateException("cuGraphInstantiate failed: " + CUresult.stringFor(r));
    }
    return new Graph() {
      private boolean gone;

      @Override
      public void replay() {
        synchronized (JCudaDevice.this) {
          if (gone) throw new IllegalStateException("replay: graph is closed");
          current("replay");
          counters.graphLaunch();
          Object timed = timer != null ? timer.begin("graph replay", stream) : null;
          check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
          if (timed != null) timer.end(timed, stream);
        }
      }

      @Override
      public int size() {
        return ops;
      }

      @Override
      public void close() {
        synchronized (JCudaDevice.this) {
          if (gone || closed) return;
          gone = true;
          cuCtxSetCurrent(context);
          cuGraphExecDestroy(exec);
          cuGraphDestroy(graph);
        }
      }
    };
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    cuCtxSetCurrent(context);
    cuStreamSynchronize(stream);
    if (aside != null) {
      cuStreamSynchronize(aside);
      cuStreamDestroy(aside);
      cuEventDestroy(toAside);
      cuEventDestroy(fromAside);
    }
    for (KernelTimer t : new KernelTimer[] {timer, timingOff}) {
      if (t != null) t.close();
    }
    for (long a : live) cuMemFree(at(a));
    live.clear();
    cuStreamDestroy(stream);
    cuModuleUnload(module);
    cuDevicePrimaryCtxRelease(device);
    closed = true;
  }

  static void check(int result, String what) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new IllegalStateException(what + " failed: " + CUresult.stringFor(result));
    }
  }

  /** Exposes the address JCuda keeps inside the pointer object that cuMemAlloc fills. */
  private static final class Address extends CUdeviceptr {
    long value() {
      return getNativePointer() + getByteOffset();
    }
  }
}
