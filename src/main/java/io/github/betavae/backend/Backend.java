package io.github.betavae.backend;

/**
 * The operations a β-VAE needs, implemented once on the CPU (the reference) and once with CUDA
 * kernels. The model and trainer only talk to this interface.
 *
 * <p>Letters: B batch, IN/OUT layer widths, Z latent size, D features. All matrices are row-major;
 * weights are (OUT, IN) like PyTorch's {@code nn.Linear}. Accumulation contract (as in the kernels):
 * parameter gradients are accumulated with {@code +=} (a dense backward may be asked to write them
 * instead), activations and activation gradients are written with {@code =}. Every reduction runs in
 * a fixed order, so results are bit-identical for any thread count.
 */
public interface Backend extends AutoCloseable {

  /** Short name for logs ("cpu", "cuda", "cuda-emu"). */
  String name();

  /** A new zero-filled buffer of n floats. */
  Buf alloc(long n);

  /** A view of {@code n} floats of {@code b} starting at {@code offset}; shares storage. */
  Buf slice(Buf b, long offset, long n);

  /** Copies all of {@code src} (length must equal dst.length()) into dst. */
  void write(Buf dst, float[] src);

  /** Copies all of src into {@code dst} (length must equal src.length()). */
  void read(Buf src, float[] dst);

  /** Sets every element of b to v. */
  void fill(Buf b, float v);

  /**
   * Whether every element of b is finite (no NaN, no ±∞). The default copies b to the host in
   * chunks of 2²⁰ floats; backends override it with a scan where the data lives.
   */
  default boolean allFinite(Buf b) {
    return hostScan(this, b);
  }

  /** The default {@link #allFinite}: copies b to the host in chunks of 2²⁰ floats and scans them. */
  static boolean hostScan(Backend be, Buf b) {
    final long chunk = 1 << 20;
    float[] h = null;
    for (long off = 0; off < b.length(); off += chunk) {
      int n = (int) Math.min(chunk, b.length() - off);
      if (h == null || h.length != n) h = new float[n];
      be.read(be.slice(b, off, n), h);
      if (!FiniteScan.allFinite(h, 0, n)) return false;
    }
    return true;
  }

  /** The arithmetic of the dense products ({@link Precision#FP32} unless set). */
  default Precision precision() {
    return Precision.FP32;
  }

  /** Sets the arithmetic of the dense and conv products for the ops that follow (DESIGN §12). */
  default void precision(Precision p) {
    if (p != Precision.FP32) throw new UnsupportedOperationException(name() + " has no " + p.id() + " products");
  }

  /** Waits for queued work (no-op on the CPU). */
  default void synchronize() {}

  /**
   * Dense layer forward with fused bias and activation.
   * x (B,IN), w (OUT,IN), b (OUT) → y (B,OUT) = act(x·wᵀ + b).
   */
  void denseForward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act);

  /**
   * Dense layer backward. dy (B,OUT) holds ∂L/∂y on entry and is overwritten with the
   * pre-activation gradient dA = dy ⊙ act'(y). Then dw (OUT,IN) += dAᵀ·x, db (OUT) += Σ_B dA, and,
   * when dx is not null, dx (B,IN) = dA·w.
   */
  void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w,
                     int batch, int in, int out, Activation act);

  /**
   * {@link #denseBackward} with dw and db written rather than accumulated into when
   * {@code accumulate} is false: dw = dAᵀ·x, db = Σ_B dA, whatever they held before. The bits equal
   * zeroing dw and db and then accumulating, which is what the default does; a backend for which
   * {@link #fusesGradientZeroing()} is true instead starts each sum from zero itself, so the gradient
   * is neither filled nor read first.
   */
  default void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w,
                             int batch, int in, int out, Activation act, boolean accumulate) {
    if (!accumulate) {
      fill(dw, 0f);
      fill(db, 0f);
    }
    denseBackward(dx, dw, db, dy, y, x, w, batch, in, out, act);
  }

  /**
   * Whether {@link #denseBackward(Buf, Buf, Buf, Buf, Buf, Buf, Buf, int, int, int, Activation, boolean)}
   * without accumulation is cheaper than one fill of the whole gradient followed by accumulating
   * products: true for the CPU engine's fast path (a 4096-wide MLP's gradient is 57 MB that would
   * otherwise be written once with zeros and read back once per step), false where a fill is one
   * cheap launch.
   */
  default boolean fusesGradientZeroing() {
    return false;
  }

  /**
   * Convolution or transposed convolution over NCHW tensors with fused bias and activation (shapes in
   * {@link Conv2d}): x (B, inC, inH, inW), w (outC, inC, k, k) or, transposed, (inC, outC, k, k),
   * b (outC) → y (B, outC, outH, outW) = act(op(x) + b).
   */
  void convForward(Buf y, Buf x, Buf w, Buf b, Conv2d s, Activation act);

  /**
   * Convolution backward, as {@link #denseBackward}: dy (the output's shape) holds ∂L/∂y on entry
   * and is overwritten with dA = dy ⊙ act'(y); then dw (the weight's shape) += ∂L/∂w, db (outC) +=
   * Σ dA over batch and positions, and, when dx is not null, dx (the input's shape) = ∂L/∂x.
   */
  void convBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, Conv2d s, Activation act);

  /**
   * Reparameterization and KL, fused. stats (B,2Z) holds [μ | logvar] per row. Writes
   * z (B,Z) = μ + exp(½·logvar)·ε with ε the Philox normal for flat element b·Z+d, counter
   * (quad, step, {@code Philox.STREAM_EPS}, 0), key seed; when {@code sample} is false, z = μ.
   * Writes klSum (Z) = Σ_B ½(μ² + exp(logvar) − logvar − 1), summed over the batch in row order.
   */
  void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample);

  /**
   * Backward of {@link #reparamForward}: dstats (B,2Z) = path through z (dz, may be null) plus
   * klGrad[d]·∂KL_bd/∂(μ, logvar). ε is regenerated from the same counters, never stored.
   * Per element: dμ = dz + g·μ; dlogvar = dz·ε·½·exp(½·logvar) + g·½(exp(logvar) − 1).
   */
  void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent,
                       long seed, long step, boolean sample);

  /**
   * Reconstruction loss and gradient in one pass. logits (B,D), x (B,D) → lossPerSample (B) =
   * Σ_D ℓ, and, when dlogits is not null, dlogits (B,D) = scale·∂ℓ/∂logits.
   */
  void likelihood(Buf lossPerSample, Buf dlogits, Buf logits, Buf x, int batch, int features,
                  Likelihood kind, float scale);

  /**
   * One fused Adam/AdamW update over n parameters (PyTorch's formulation):
   * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
   * p −= lr·wd·p (decoupled decay, AdamW; 0 for Adam);
   * p −= (lr / bc1)·m / (sqrt(v / bc2) + eps), with bc1 = 1 − β1^t and bc2 = 1 − β2^t given.
   */
  void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2,
                float eps, float weightDecay, float bc1, float bc2);

  /** Whether {@link #capture} records graphs (CUDA); the CPU runs every op as it is called. */
  default boolean graphs() {
    return false;
  }

  /**
   * Records the ops {@code work} queues into a graph instead of running them. {@code work} must not
   * copy to or from the host, allocate or wait, and should have run once before (so that anything it
   * allocates already exists).
   *
   * @throws UnsupportedOperationException where {@link #graphs()} is false
   */
  default Graph capture(Runnable work) {
    throw new UnsupportedOperationException(name() + " has no graphs: it runs every op as it is called");
  }

  // ---- The resident step (DESIGN §11): ops that read the step from a StepState and never wait ----

  /** A new step state for latent size Z, its counter at 0. */
  StepState stepState(int latent);

  /**
   * Sets the counter to {@code step} and the first batch row to {@code row} (a host write: before a
   * run, never inside one).
   */
  void setStep(StepState s, long step, long row);

  /** {@link #reparamForward} with ε drawn for the step the state is at. */
  void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, StepState step);

  /** {@link #reparamBackward} with ε regenerated for the step the state is at. */
  void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, StepState step);

  /**
   * The objective where the step runs ({@code kernels/objective.cu} / {@link ObjectiveParams#evaluate}):
   * from the per-sample losses (B) and the KL sums (Z), writes the record's loss, recon, KL terms and
   * loss flag, and klCoef (Z) = ∂objective/∂KL_d / B for {@link #reparamBackward}. With {@code hold},
   * flags an earlier step left set stay set (so no later update is applied until the host has seen
   * them); without it each step starts unflagged.
   */
  void objective(StepState s, ObjectiveParams params, Buf lossPerSample, Buf klSum, Buf klCoef, int batch, boolean hold);

  /** Flags the record when {@code grads} holds a NaN or ±∞, keeping the first such index. */
  void checkFinite(StepState s, Buf grads);

  /**
   * {@link #adamStep} for step t = counter + 1, with bc1 = 1 − β1^t and bc2 = 1 − β2^t from the double
   * β's; no update at all when the record flags a non-finite loss or gradient.
   */
  void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, double beta1, double beta2, float eps,
                float weightDecay, StepState s);

  /** Ends a step: counter += 1, first row = (counter mod S)·B (S = stepsPerEpoch; 0 leaves it 0). */
  void advance(StepState s, long stepsPerEpoch, int batch);

  /**
   * Queues a copy of the record to the host; never waits. At most two may be outstanding: {@link
   * #collect} the older one first.
   */
  void publish(StepState s);

  /** The oldest published record, waiting for its copy to land (at most one wait). */
  StepRecord collect(StepState s);

  /** Records published and not yet collected. */
  int pending(StepState s);

  /** Releases native resources; idempotent, no checked exception. */
  @Override
  void close();
}
