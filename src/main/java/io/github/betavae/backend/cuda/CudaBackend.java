package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.Precision;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;

/**
 * The {@link Backend} contract on CUDA kernels. All buffers live on the {@link Device}; ops queue
 * kernels and return, copies to the host wait for them. The ops allocate nothing: every reduction
 * writes its result directly (one block per output), so a training step touches only the buffers
 * the model allocated once.
 */
public final class CudaBackend implements Backend {
  private final Device dev;
  private final String name;
  private final DenseKernels dense;
  private final ConvKernels conv;
  private final VaeKernels vae;
  private final LikelihoodKernels likelihood;
  private final AdamKernels adam;
  private final DataKernels data;
  private final RngKernels rng;
  private final GuardKernels guard;
  private final StepKernels steps;
  private final CublasGemm cublas;  // null: the dense products run on our kernels
  private boolean closed;

  /**
   * A backend on {@code device}, which it owns and closes. {@code name} is what {@link #name()}
   * reports: "cuda" on a GPU, "cuda-emu" on the host device.
   */
  public CudaBackend(Device device, String name) {
    this(device, name, null);
  }

  /**
   * A backend on {@code device} whose dense products (y = x·wᵀ, dx = dA·w, dw += dAᵀ·x) run on
   * {@code cublas} when it is not null; the backend owns both and closes the handle before the
   * device. Results then match the kernels' within the parity tolerance, not bit for bit (see
   * {@link CublasGemm}).
   */
  public CudaBackend(Device device, String name, CublasGemm cublas) {
    this.dev = device;
    this.name = name;
    this.cublas = cublas;
    this.dense = new DenseKernels(device, cublas);
    this.conv = new ConvKernels(device);
    this.vae = new VaeKernels(device);
    this.likelihood = new LikelihoodKernels(device);
    this.adam = new AdamKernels(device);
    this.data = new DataKernels(device);
    this.rng = new RngKernels(device);
    this.guard = new GuardKernels(device);
    this.steps = new StepKernels(device);
  }

  /** CudaBackend on the host-execution harness: the CUDA kernels run on the CPU. */
  public static CudaBackend emulated() {
    return new CudaBackend(new HostDevice(), "cuda-emu");
  }

  @Override
  public String name() {
    return name;
  }

  /** Who computes the dense products: "cuBLAS 12.x.y (FP32)" or "hand-written kernels", "(TF32)" in TF32. */
  public String gemm() {
    String p = precision == Precision.TF32 ? " (TF32 tensor cores)" : "";
    return cublas == null ? "hand-written kernels" + p : "cuBLAS " + cublas.version() + (p.isEmpty() ? " (FP32)" : p);
  }

  private Precision precision = Precision.FP32;

  @Override
  public Precision precision() {
    return precision;
  }

  /**
   * Which tile kernels the dense products use: {@code 0} the table in {@link DenseKernels} (the
   * default), {@code 64} always the 64×64 kernels (with split-K), {@code 128} always the wide ones
   * (FP32: the warp-tiled 128×128 kernels; TF32: the 128×64 ones). For benchmarks that time each
   * variant on the same shapes; in FP32 every choice computes the same products (each output's K
   * sum in the same order), in TF32 the same within rounding.
   */
  public void denseTiles(int tiles) {
    if (tiles != 0 && tiles != 64 && tiles != 128) throw new IllegalArgumentException("dense tiles must be 0, 64 or 128 but was " + tiles);
    dense.wideMinBlocks = tiles == 0 ? DenseKernels.WIDE_MIN_BLOCKS : tiles == 64 ? Integer.MAX_VALUE : 1;
    dense.tf32WideMinBlocks = tiles == 0 ? DenseKernels.TF32_WIDE_MIN_BLOCKS : tiles == 64 ? Integer.MAX_VALUE : 1;
  }

  /**
   * Columns of the FP32 wide kernels' tiles, 128 (128×128, the default) or 64 (128×64, twice the
   * tiles): for benchmarks and the GPU checks that time the two, until the table chooses between
   * them. The same bits either way.
   */
  public void denseTileWidth(int n) {
    if (n != 64 && n != 128) throw new IllegalArgumentException("dense tile width must be 64 or 128 but was " + n);
    dense.wideN = n;
  }

  /**
   * TF32: the dense products run on tensor cores ({@code kernels/dense_tf32.cu}, or cuBLAS's TF32
   * math), and so do the convolutions ({@code kernels/conv.cu}'s {@code *_tf32}).
   */
  @Override
  public void precision(Precision p) {
    java.util.Objects.requireNonNull(p, "precision");
    if (cublas != null) cublas.tf32(p == Precision.TF32);
    dense.tf32 = p == Precision.TF32;
    conv.tf32 = p == Precision.TF32;
    this.precision = p;
  }

  /** The device the kernels run on. */
  public Device device() {
    return dev;
  }

  @Override
  public Buf alloc(long n) {
    if (n < 0) throw new IllegalArgumentException("alloc: expected a length ≥ 0 floats but found " + n);
    long a = dev.alloc(4 * Math.max(n, 1));
    if (n > 0) dev.memsetD32(a, 0, n);
    return new CudaBuf(a, n);
  }

  /** Device memory for non-float data (datasets, indices), freed when the backend closes. */
  public RawBuf allocRaw(long bytes) {
    if (bytes < 0) throw new IllegalArgumentException("allocRaw: expected a size ≥ 0 bytes but found " + bytes);
    long a = dev.alloc(Math.max(bytes, 1));
    return new RawBuf(a, bytes);
  }

  @Override
  public Buf slice(Buf b, long offset, long n) {
    CudaBuf c = CudaBuf.of(b, "slice");
    if (offset < 0 || n < 0 || offset + n > c.length()) {
      throw new IllegalArgumentException("slice [" + offset + ", " + (offset + n) + ") outside buffer of " + c.length());
    }
    return new CudaBuf(c.at(offset), n);
  }

  @Override
  public void write(Buf dst, float[] src) {
    CudaBuf d = CudaBuf.of(dst, "write");
    if (src.length != d.length()) throw new IllegalArgumentException("write: source of " + src.length + " floats into buffer of " + d.length());
    if (src.length > 0) dev.copyIn(d.address(), src, 0, src.length);
  }

  @Override
  public void read(Buf src, float[] dst) {
    CudaBuf s = CudaBuf.of(src, "read");
    if (dst.length != s.length()) throw new IllegalArgumentException("read: buffer of " + s.length() + " floats into array of " + dst.length);
    if (dst.length > 0) dev.copyOut(s.address(), dst, 0, dst.length);
  }

  /** Copies bytes into raw device memory (length must fit). */
  public void write(RawBuf dst, byte[] src) {
    if (src.length > dst.bytes()) throw new IllegalArgumentException("write: " + src.length + " bytes into buffer of " + dst.bytes());
    if (src.length > 0) dev.copyIn(dst.address(), src, 0, src.length);
  }

  /** Copies ints into raw device memory (length must fit). */
  public void write(RawBuf dst, int[] src) {
    if (4L * src.length > dst.bytes()) throw new IllegalArgumentException("write: " + 4L * src.length + " bytes into buffer of " + dst.bytes());
    if (src.length > 0) dev.copyIn(dst.address(), src, 0, src.length);
  }

  /** Copies ints out of raw device memory. */
  public void read(RawBuf src, int[] dst) {
    if (4L * dst.length > src.bytes()) throw new IllegalArgumentException("read: " + 4L * dst.length + " bytes from buffer of " + src.bytes());
    if (dst.length > 0) dev.copyOut(src.address(), dst, 0, dst.length);
  }

  @Override
  public void fill(Buf b, float v) {
    CudaBuf c = CudaBuf.of(b, "fill");
    if (c.length() > 0) dev.memsetD32(c.address(), Float.floatToRawIntBits(v), c.length());
  }

  @Override
  public void synchronize() {
    dev.synchronize();
  }

  /** The scan runs on the device ({@code kernels/guard.cu}); one int comes back. */
  @Override
  public boolean allFinite(Buf b) {
    return guard.allFinite(b);
  }

  @Override
  public void convForward(Buf y, Buf x, Buf w, Buf b, io.github.betavae.backend.Conv2d s, Activation act) {
    conv.forward(y, x, w, b, s, act);
  }

  @Override
  public void convBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, io.github.betavae.backend.Conv2d s, Activation act) {
    conv.backward(dx, dw, db, dy, y, x, w, s, act);
  }

  @Override
  public void denseForward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act) {
    dense.forward(y, x, w, b, batch, in, out, act);
  }

  @Override
  public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int batch, int in, int out, Activation act) {
    dense.backward(dx, dw, db, dy, y, x, w, batch, in, out, act);
  }

  /**
   * The weight-gradient kernels write dw and db when told not to accumulate, so a step's dense
   * gradients need neither the memset before nor the read in the products' epilogues: two of the
   * step's passes over the gradient (57 MB in the default network).
   */
  @Override
  public boolean fusesGradientZeroing() {
    return true;
  }

  @Override
  public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int batch, int in, int out,
                            Activation act, boolean accumulate) {
    dense.backward(dx, dw, db, dy, y, x, w, batch, in, out, act, accumulate);
  }

  @Override
  public void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample) {
    vae.forward(z, klSum, stats, batch, latent, seed, step, sample);
  }

  @Override
  public void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, long step, boolean sample) {
    vae.backward(dstats, dz, stats, klGrad, batch, latent, seed, step, sample);
  }

  @Override
  public void likelihood(Buf lossPerSample, Buf dlogits, Buf logits, Buf x, int batch, int features, Likelihood kind, float scale) {
    likelihood.forward(lossPerSample, dlogits, logits, x, batch, features, kind, scale);
  }

  @Override
  public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps,
                       float weightDecay, float bc1, float bc2) {
    adam.step(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
  }

  @Override
  public StepState stepState(int latent) {
    return steps.state(latent);
  }

  @Override
  public void setStep(StepState s, long step, long row) {
    steps.set(s, step, row);
  }

  @Override
  public void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, StepState step) {
    vae.forward(z, klSum, stats, batch, latent, seed, 0, true, steps.of(step).rec);
  }

  @Override
  public void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, StepState step) {
    vae.backward(dstats, dz, stats, klGrad, batch, latent, seed, 0, true, steps.of(step).rec);
  }

  @Override
  public void objective(StepState s, ObjectiveParams params, Buf lossPerSample, Buf klSum, Buf klCoef, int batch, boolean hold) {
    steps.objective(s, params, lossPerSample, klSum, klCoef, batch, hold);
  }

  @Override
  public void checkFinite(StepState s, Buf grads) {
    steps.checkFinite(s, grads);
  }

  @Override
  public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, double beta1, double beta2, float eps,
                       float weightDecay, StepState s) {
    adam.step(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, steps.of(s).rec);
  }

  @Override
  public void advance(StepState s, long stepsPerEpoch, int batch) {
    steps.advance(s, stepsPerEpoch, batch);
  }

  @Override
  public void publish(StepState s) {
    steps.publish(s);
  }

  @Override
  public StepRecord collect(StepState s) {
    return steps.collect(s);
  }

  @Override
  public int pending(StepState s) {
    return steps.pending(s);
  }

  /** The device address of a step state's record, for kernels that read the step (the resident gather). */
  public long recordAddress(StepState s) {
    return steps.of(s).rec;
  }

  /**
   * Assembles a batch on the device: out (B,D) = rows {@code rows} of the uint8 dataset {@code data}
   * (R rows of D bytes), divided by 255 when {@code scale255}.
   */
  public void gather(Buf out, RawBuf data, RawBuf rows, int batch, int features, boolean scale255) {
    this.data.gather(out, data, rows, batch, features, scale255);
  }

  /** The data launchers (gather, resident gather, device shuffle). */
  public DataKernels data() {
    return data;
  }

  /** The raw Philox launchers (uint32 stream and normals). */
  public RngKernels rng() {
    return rng;
  }

  /**
   * Records the kernels {@code work} queues into a graph instead of running them; replaying the
   * graph repeats them with the same buffers and scalars. {@code work} must not copy to or from the
   * host. Run {@code work} once before capturing it, so that any scratch it needs is already
   * allocated (an allocation is not a stream operation and would not be replayed).
   */
  @Override
  public boolean graphs() {
    return true;
  }

  @Override
  public Device.Graph capture(Runnable work) {
    dev.beginCapture();
    boolean ok = false;
    try {
      work.run();
      ok = true;
    } finally {
      if (!ok) {
        try {
          dev.endCapture().close();
        } catch (RuntimeException ignored) {
          // the original failure is the one to report
        }
      }
    }
    return dev.endCapture();
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      if (cublas != null) cublas.close();  // the handle lives in the device's context
    } finally {
      dev.close();  // the device frees every allocation it made
    }  // the device frees every allocation it made
  }
}
