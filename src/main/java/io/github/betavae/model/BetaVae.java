package io.github.betavae.model;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepState;
import io.github.betavae.loss.Objective;
import io.github.betavae.rng.Philox;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A β-VAE whose parameters live in one flat buffer on a {@link Backend}. Forward and backward run
 * entirely through backend ops, so the same code trains on the CPU and on a GPU.
 *
 * <pre>
 * x (B,D) → encoder MLP → head → stats (B,2Z) = [μ | logvar] → z = μ + σ·ε (B,Z)
 *        → decoder MLP → out → logits (B,D) → likelihood(x)
 * </pre>
 *
 * The convolutional architectures ({@link Arch}) put convolutions before the encoder's dense layers
 * (x read as B×C×64×64, the last map flattened as it lies in NCHW) and transposed convolutions after
 * the decoder's (its last dense output read as the 4×4 map), the last of which gives the logits.
 */
public final class BetaVae implements AutoCloseable {
  private final VaeConfig config;
  private final Backend be;
  private final ParamLayout layout;
  private final Buf params;
  private final Buf grads;
  private final Map<Integer, Workspace> workspaces = new HashMap<>();
  /**
   * Where the backend writes the dense layers' gradients without zeroing them first
   * ({@link Backend#fusesGradientZeroing()}): the tensors no dense layer writes, zeroed each step;
   * null where the whole gradient is zeroed and every product accumulates.
   */
  private final List<ParamLayout.Tensor> zeroedFirst;

  public BetaVae(VaeConfig config, Backend backend) {
    this.config = config;
    this.be = backend;
    this.layout = new ParamLayout(config);
    this.params = be.alloc(layout.size());
    this.grads = be.alloc(layout.size());
    this.zeroedFirst = be.fusesGradientZeroing() ? notDense() : null;
  }

  /** The layout's tensors that are not a dense layer's weight or bias (each dense layer is used once per step). */
  private List<ParamLayout.Tensor> notDense() {
    java.util.Set<ParamLayout.Tensor> dense = new java.util.HashSet<>();
    for (ParamLayout.Layer d : allLayers()) {
      dense.add(d.weight());
      dense.add(d.bias());
    }
    List<ParamLayout.Tensor> rest = new ArrayList<>();
    for (ParamLayout.Tensor t : layout.tensors()) if (!dense.contains(t)) rest.add(t);
    return rest;
  }

  public VaeConfig config() {
    return config;
  }

  public ParamLayout layout() {
    return layout;
  }

  public Backend backend() {
    return be;
  }

  /** The flat parameter buffer (layout order). */
  public Buf params() {
    return params;
  }

  /** The flat gradient buffer, same layout as {@link #params()}. */
  public Buf grads() {
    return grads;
  }

  /**
   * PyTorch's default {@code nn.Linear} initialisation, U(−1/√in, 1/√in) for weights and biases, with
   * uniforms from Philox(seed; counter = (flat index / 4, 0, STREAM_INIT, 0)).
   */
  public void initialize(long seed) {
    float[] p = new float[(int) layout.size()];
    int[] s = new int[4];
    // PyTorch's default: U(−1/√fan_in, 1/√fan_in), fan_in = in for nn.Linear, weight.size(1)·k² for the convolutions
    record Init(int fanIn, ParamLayout.Tensor weight, ParamLayout.Tensor bias) {}
    List<Init> all = new ArrayList<>();
    for (ParamLayout.ConvLayer c : layout.encoderConvs()) all.add(new Init(c.shape().fanIn(), c.weight(), c.bias()));
    for (ParamLayout.Layer l : allLayers()) all.add(new Init(l.in(), l.weight(), l.bias()));
    for (ParamLayout.ConvLayer c : layout.decoderDeconvs()) all.add(new Init(c.shape().fanIn(), c.weight(), c.bias()));
    for (Init l : all) {
      float bound = (float) (1.0 / Math.sqrt(l.fanIn()));
      for (ParamLayout.Tensor t : List.of(l.weight(), l.bias())) {
        for (long e = t.offset(); e < t.offset() + t.size(); e++) {
          if ((e & 3) == 0 || e == t.offset()) Philox.block(seed, e >>> 2, 0, Philox.STREAM_INIT, s);
          float u = Philox.uniform(s[(int) (e & 3)]);
          p[(int) e] = (2f * u - 1f) * bound;
        }
      }
    }
    be.write(params, p);
  }

  /** Copies the parameters to a new host array. */
  public float[] paramsToHost() {
    float[] p = new float[(int) layout.size()];
    be.read(params, p);
    return p;
  }

  /** Replaces the parameters with {@code p} (layout order). */
  public void loadParams(float[] p) {
    if (p.length != layout.size()) {
      throw new IllegalArgumentException("expected " + layout.size() + " parameters but found " + p.length);
    }
    be.write(params, p);
  }

  private List<ParamLayout.Layer> allLayers() {
    List<ParamLayout.Layer> all = new ArrayList<>(layout.encoderLayers());
    all.add(layout.head());
    all.addAll(layout.decoderLayers());
    if (layout.out() != null) all.add(layout.out());
    return all;
  }

  /** The input buffer (B,D) of the workspace for batch size B; fill it before a pass. */
  public Buf input(int batch) {
    return ws(batch).x;
  }

  /**
   * One training forward + backward on the batch already in {@link #input(int)}: gradients of
   * {@code objective} (batch mean) are written to {@link #grads()} (zeroed first).
   *
   * @param seed run seed for ε
   * @param step training step (Philox counter word 1 for ε, and the objective's schedule step)
   */
  public LossStats forwardBackward(int batch, long seed, long step, Objective objective) {
    Workspace w = ws(batch);
    forward(w, seed, step, null, true, true);
    float[] lossPs = new float[batch];
    be.read(w.loss, lossPs);
    float[] klSum = new float[config.latent()];
    be.read(w.klSum, klSum);
    double recon = 0;
    for (float v : lossPs) recon += v;
    recon /= batch;
    double[] klDim = new double[config.latent()];
    double kl = 0;
    for (int d = 0; d < klDim.length; d++) {
      klDim[d] = klSum[d] / (double) batch;
      kl += klDim[d];
    }
    float[] coef = new float[config.latent()];
    double loss = objective.evaluate(recon, klDim, step, coef);
    for (int d = 0; d < coef.length; d++) coef[d] /= batch;
    be.write(w.klCoef, coef);
    backward(w, seed, step, null);
    return new LossStats(loss, recon, kl, klDim);
  }

  /**
   * One training forward + objective + backward on the batch in {@link #input(int)}, queued with no
   * host read or write: the step (ε's Philox counter, the schedule) is read from {@code state}, the
   * objective runs where the step runs and writes the loss terms into the state's record, and the
   * gradients (zeroed first) are checked for NaN and ±∞ there too. Nothing is applied and the step is
   * not advanced: the trainer queues Adam and {@link Backend#advance} after it. Queue-only on CUDA,
   * so the same call can be captured into a graph. {@code holdFlags}: see {@link Backend#objective}.
   */
  public void queueForwardBackward(int batch, long seed, StepState state, ObjectiveParams objective, boolean holdFlags) {
    if (state.latent() != config.latent()) {
      throw new IllegalArgumentException("step state: expected latent size " + config.latent() + " but found " + state.latent());
    }
    Workspace w = ws(batch);
    forward(w, seed, 0, state, true, true);
    be.objective(state, objective, w.loss, w.klSum, w.klCoef, batch, holdFlags);
    backward(w, seed, 0, state);
    be.checkFinite(state, grads);
  }

  /** Forward pass results for evaluation, copied to the host. */
  public record Eval(float[] reconPerSample, float[] klSum, float[] stats) {}

  /**
   * Forward only, on the batch in {@link #input(int)}. With {@code sample} false, z = μ (posterior
   * mean); otherwise ε is drawn for ({@code seed}, {@code step}).
   */
  public Eval evaluate(int batch, long seed, long step, boolean sample) {
    Workspace w = ws(batch);
    forward(w, seed, step, null, sample, false);
    float[] lossPs = new float[batch];
    be.read(w.loss, lossPs);
    float[] klSum = new float[config.latent()];
    be.read(w.klSum, klSum);
    float[] stats = new float[batch * 2 * config.latent()];
    be.read(w.stats, stats);
    return new Eval(lossPs, klSum, stats);
  }

  /** Decodes z (B·Z floats) to decoder outputs (B·D floats): logits for Bernoulli, means for Gaussian. */
  public float[] decode(float[] z, int batch) {
    if (z.length != batch * config.latent()) {
      throw new IllegalArgumentException("decode: expected " + batch * config.latent() + " latent values but found " + z.length);
    }
    Workspace w = ws(batch);
    be.write(w.z, z);
    decodeForward(w);
    float[] out = new float[batch * config.inputSize()];
    be.read(w.logits, out);
    return out;
  }

  /** With {@code state} not null, ε is drawn for the step the state is at (and always sampled). */
  private void forward(Workspace w, long seed, long step, StepState state, boolean sample, boolean withGrad) {
    int b = w.batch;
    Buf h = w.x;
    List<ParamLayout.ConvLayer> convs = layout.encoderConvs();
    for (int i = 0; i < convs.size(); i++) {
      conv(w.conv.get(i), h, convs.get(i), b, config.encoderActivation());
      h = w.conv.get(i);  // NCHW: the last map, flattened, is the first dense layer's input as it lies
    }
    List<ParamLayout.Layer> enc = layout.encoderLayers();
    for (int i = 0; i < enc.size(); i++) {
      dense(w.enc.get(i), h, enc.get(i), b, config.encoderActivation());
      h = w.enc.get(i);
    }
    dense(w.stats, h, layout.head(), b, Activation.IDENTITY);
    if (state != null) be.reparamForward(w.z, w.klSum, w.stats, b, config.latent(), seed, state);
    else be.reparamForward(w.z, w.klSum, w.stats, b, config.latent(), seed, step, sample);
    decodeForward(w);
    be.likelihood(w.loss, withGrad ? w.dLogits : null, w.logits, w.x, b, config.inputSize(),
        config.likelihood(), 1f / b);
  }

  private void decodeForward(Workspace w) {
    int b = w.batch;
    Buf h = w.z;
    List<ParamLayout.Layer> dec = layout.decoderLayers();
    for (int i = 0; i < dec.size(); i++) {
      dense(w.dec.get(i), h, dec.get(i), b, config.decoderActivation());
      h = w.dec.get(i);
    }
    List<ParamLayout.ConvLayer> deconvs = layout.decoderDeconvs();
    if (deconvs.isEmpty()) {
      dense(w.logits, h, layout.out(), b, Activation.IDENTITY);
      return;
    }
    // the last dense output, read as the (map channels)×4×4 map; the last transposed convolution gives the logits
    for (int i = 0; i < deconvs.size(); i++) {
      boolean last = i == deconvs.size() - 1;
      Buf y = last ? w.logits : w.deconv.get(i);
      conv(y, h, deconvs.get(i), b, last ? Activation.IDENTITY : config.decoderActivation());
      h = y;
    }
  }

  private void backward(Workspace w, long seed, long step, StepState state) {
    int b = w.batch;
    if (zeroedFirst == null) be.fill(grads, 0f);
    else for (ParamLayout.Tensor t : zeroedFirst) be.fill(view(grads, t), 0f);
    List<ParamLayout.Layer> dec = layout.decoderLayers();
    int nd = dec.size();
    Buf decIn = nd == 0 ? w.z : w.dec.get(nd - 1);
    Buf decDx = nd == 0 ? w.dz : w.dDec.get(nd - 1);
    List<ParamLayout.ConvLayer> deconvs = layout.decoderDeconvs();
    if (deconvs.isEmpty()) {
      // decoder.out: input is the last decoder activation (or z)
      denseBack(decDx, w.dLogits, w.logits, decIn, layout.out(), b, Activation.IDENTITY);
    } else {
      for (int i = deconvs.size() - 1; i >= 0; i--) {
        boolean last = i == deconvs.size() - 1;
        Buf y = last ? w.logits : w.deconv.get(i), dy = last ? w.dLogits : w.dDeconv.get(i);
        Buf in = i == 0 ? decIn : w.deconv.get(i - 1), dx = i == 0 ? decDx : w.dDeconv.get(i - 1);
        convBack(dx, dy, y, in, deconvs.get(i), b, last ? Activation.IDENTITY : config.decoderActivation());
      }
    }
    for (int i = nd - 1; i >= 0; i--) {
      Buf in = i == 0 ? w.z : w.dec.get(i - 1);
      Buf dx = i == 0 ? w.dz : w.dDec.get(i - 1);
      denseBack(dx, w.dDec.get(i), w.dec.get(i), in, dec.get(i), b, config.decoderActivation());
    }
    if (state != null) be.reparamBackward(w.dStats, w.dz, w.stats, w.klCoef, b, config.latent(), seed, state);
    else be.reparamBackward(w.dStats, w.dz, w.stats, w.klCoef, b, config.latent(), seed, step, true);
    List<ParamLayout.Layer> enc = layout.encoderLayers();
    List<ParamLayout.ConvLayer> convs = layout.encoderConvs();
    int ne = enc.size(), nc = convs.size();
    // the dense stack's input: the image (MLP) or the last convolution's map
    Buf encIn = nc == 0 ? w.x : w.conv.get(nc - 1);
    Buf encDx = nc == 0 ? null : w.dConv.get(nc - 1);
    Buf headIn = ne == 0 ? encIn : w.enc.get(ne - 1);
    Buf headDx = ne == 0 ? encDx : w.dEnc.get(ne - 1);
    denseBack(headDx, w.dStats, w.stats, headIn, layout.head(), b, Activation.IDENTITY);
    for (int i = ne - 1; i >= 0; i--) {
      Buf in = i == 0 ? encIn : w.enc.get(i - 1);
      Buf dx = i == 0 ? encDx : w.dEnc.get(i - 1);
      denseBack(dx, w.dEnc.get(i), w.enc.get(i), in, enc.get(i), b, config.encoderActivation());
    }
    for (int i = nc - 1; i >= 0; i--) {
      Buf in = i == 0 ? w.x : w.conv.get(i - 1);
      Buf dx = i == 0 ? null : w.dConv.get(i - 1);
      convBack(dx, w.dConv.get(i), w.conv.get(i), in, convs.get(i), b, config.encoderActivation());
    }
  }

  private void conv(Buf y, Buf x, ParamLayout.ConvLayer l, int b, Activation act) {
    be.convForward(y, x, view(params, l.weight()), view(params, l.bias()), l.shape().withBatch(b), act);
  }

  private void convBack(Buf dx, Buf dy, Buf y, Buf x, ParamLayout.ConvLayer l, int b, Activation act) {
    be.convBackward(dx, view(grads, l.weight()), view(grads, l.bias()), dy, y, x, view(params, l.weight()),
        l.shape().withBatch(b), act);
  }

  private void dense(Buf y, Buf x, ParamLayout.Layer l, int b, Activation act) {
    be.denseForward(y, x, view(params, l.weight()), view(params, l.bias()), b, l.in(), l.out(), act);
  }

  private void denseBack(Buf dx, Buf dy, Buf y, Buf x, ParamLayout.Layer l, int b, Activation act) {
    be.denseBackward(dx, view(grads, l.weight()), view(grads, l.bias()), dy, y, x,
        view(params, l.weight()), b, l.in(), l.out(), act, zeroedFirst == null);
  }

  private Buf view(Buf base, ParamLayout.Tensor t) {
    return be.slice(base, t.offset(), t.size());
  }

  private Workspace ws(int batch) {
    if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1 but was " + batch);
    return workspaces.computeIfAbsent(batch, Workspace::new);
  }

  /** Activation and gradient buffers for one batch size, allocated once and reused every step. */
  private final class Workspace {
    final int batch;
    final Buf x, stats, z, logits, dStats, dz, dLogits, loss, klSum, klCoef;
    final List<Buf> enc = new ArrayList<>(), dec = new ArrayList<>(), dEnc = new ArrayList<>(), dDec = new ArrayList<>();
    /** Convolution outputs and their gradients; the last transposed convolution writes the logits instead. */
    final List<Buf> conv = new ArrayList<>(), dConv = new ArrayList<>(), deconv = new ArrayList<>(), dDeconv = new ArrayList<>();

    Workspace(int b) {
      batch = b;
      int d = config.inputSize(), zl = config.latent();
      x = be.alloc((long) b * d);
      for (ParamLayout.ConvLayer c : layout.encoderConvs()) {
        conv.add(be.alloc(c.shape().withBatch(b).outSize()));
        dConv.add(be.alloc(c.shape().withBatch(b).outSize()));
      }
      List<ParamLayout.ConvLayer> dcs = layout.decoderDeconvs();
      for (int i = 0; i < dcs.size() - 1; i++) {
        deconv.add(be.alloc(dcs.get(i).shape().withBatch(b).outSize()));
        dDeconv.add(be.alloc(dcs.get(i).shape().withBatch(b).outSize()));
      }
      for (int h : config.encoder()) {
        enc.add(be.alloc((long) b * h));
        dEnc.add(be.alloc((long) b * h));
      }
      stats = be.alloc(2L * b * zl);
      dStats = be.alloc(2L * b * zl);
      z = be.alloc((long) b * zl);
      dz = be.alloc((long) b * zl);
      for (int h : config.decoder()) {
        dec.add(be.alloc((long) b * h));
        dDec.add(be.alloc((long) b * h));
      }
      logits = be.alloc((long) b * d);
      dLogits = be.alloc((long) b * d);
      loss = be.alloc(b);
      klSum = be.alloc(zl);
      klCoef = be.alloc(zl);
    }
  }

  @Override
  public void close() {
    workspaces.clear();
  }
}
