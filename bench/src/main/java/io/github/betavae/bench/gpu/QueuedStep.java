package io.github.betavae.bench.gpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.ArrayList;
import java.util.List;

/**
 * One β-VAE train step (forward, backward, Adam) as a fixed sequence of backend ops with no copy
 * to or from the host, so that it can be queued back to back or captured into a CUDA graph.
 *
 * <p>It queues the same ops, in the same order, as {@code BetaVae.forwardBackward} followed by
 * {@code Adam.step} for a constant β. The one difference: {@code BetaVae} reads the per-sample loss
 * and the KL sums back after the forward pass so the objective can weigh each dimension's KL
 * (schedules, free bits, capacity), and writes those weights back; for a constant β the weight is
 * β/B whatever the values, so here it is written once at construction. {@code GpuTrainCheck}
 * checks that gradients and parameters then come out bit-identical to the model's.
 */
final class QueuedStep {
  private final Backend be;
  private final VaeConfig cfg;
  private final ParamLayout layout;
  private final int batch;
  private final long seed;
  private final Adam.Config adam;
  private final Buf params, grads, m, v, x;
  private final Buf stats, z, logits, dStats, dz, dLogits, loss, klSum, klCoef;
  private final List<Buf> enc = new ArrayList<>(), dec = new ArrayList<>(), dEnc = new ArrayList<>(), dDec = new ArrayList<>();

  /**
   * A step of the model whose flat parameters and gradients are {@code params} and {@code grads},
   * with Adam moments {@code m}, {@code v}, on the batch held in {@code x} (B,D).
   */
  QueuedStep(Backend be, VaeConfig cfg, int batch, long seed, Adam.Config adam, Buf params, Buf grads, Buf m, Buf v, Buf x) {
    this.be = be;
    this.cfg = cfg;
    this.layout = new ParamLayout(cfg);
    this.batch = batch;
    this.seed = seed;
    this.adam = adam;
    this.params = params;
    this.grads = grads;
    this.m = m;
    this.v = v;
    this.x = x;
    int d = cfg.inputSize(), zl = cfg.latent();
    for (int h : cfg.encoder()) {
      enc.add(be.alloc((long) batch * h));
      dEnc.add(be.alloc((long) batch * h));
    }
    stats = be.alloc(2L * batch * zl);
    dStats = be.alloc(2L * batch * zl);
    z = be.alloc((long) batch * zl);
    dz = be.alloc((long) batch * zl);
    for (int h : cfg.decoder()) {
      dec.add(be.alloc((long) batch * h));
      dDec.add(be.alloc((long) batch * h));
    }
    logits = be.alloc((long) batch * d);
    dLogits = be.alloc((long) batch * d);
    loss = be.alloc(batch);
    klSum = be.alloc(zl);
    klCoef = be.alloc(zl);
    // ∂(recon + β·Σ_d KL_d)/∂KL_d = β, over the batch mean: the same float arithmetic as BetaVae
    float c = (float) cfg.beta();
    c /= batch;
    be.fill(klCoef, c);
  }

  /** Queues train step {@code step} (ε counter) with Adam update number {@code t} (≥ 1). */
  void queue(long step, int t) {
    forwardBackward(step);
    adamStep(t);
  }

  /** Forward and backward of step {@code step}; gradients land in {@code grads}. */
  void forwardBackward(long step) {
    Buf h = x;
    List<ParamLayout.Layer> el = layout.encoderLayers();
    for (int i = 0; i < el.size(); i++) {
      dense(enc.get(i), h, el.get(i), cfg.encoderActivation());
      h = enc.get(i);
    }
    dense(stats, h, layout.head(), Activation.IDENTITY);
    be.reparamForward(z, klSum, stats, batch, cfg.latent(), seed, step, true);
    h = z;
    List<ParamLayout.Layer> dl = layout.decoderLayers();
    for (int i = 0; i < dl.size(); i++) {
      dense(dec.get(i), h, dl.get(i), cfg.decoderActivation());
      h = dec.get(i);
    }
    dense(logits, h, layout.out(), Activation.IDENTITY);
    be.likelihood(loss, dLogits, logits, x, batch, cfg.inputSize(), cfg.likelihood(), 1f / batch);

    be.fill(grads, 0f);
    int nd = dl.size();
    denseBack(nd == 0 ? dz : dDec.get(nd - 1), dLogits, logits, nd == 0 ? z : dec.get(nd - 1), layout.out(), Activation.IDENTITY);
    for (int i = nd - 1; i >= 0; i--) {
      denseBack(i == 0 ? dz : dDec.get(i - 1), dDec.get(i), dec.get(i), i == 0 ? z : dec.get(i - 1), dl.get(i), cfg.decoderActivation());
    }
    be.reparamBackward(dStats, dz, stats, klCoef, batch, cfg.latent(), seed, step, true);
    int ne = el.size();
    denseBack(ne == 0 ? null : dEnc.get(ne - 1), dStats, stats, ne == 0 ? x : enc.get(ne - 1), layout.head(), Activation.IDENTITY);
    for (int i = ne - 1; i >= 0; i--) {
      denseBack(i == 0 ? null : dEnc.get(i - 1), dEnc.get(i), enc.get(i), i == 0 ? x : enc.get(i - 1), el.get(i), cfg.encoderActivation());
    }
  }

  /** Adam update number {@code t}, with the bias corrections {@code Adam.step} would use. */
  void adamStep(int t) {
    float bc1 = (float) (1.0 - Math.pow(adam.beta1(), t));
    float bc2 = (float) (1.0 - Math.pow(adam.beta2(), t));
    be.adamStep(params, grads, m, v, layout.size(), (float) adam.lr(), (float) adam.beta1(), (float) adam.beta2(),
        (float) adam.eps(), (float) adam.weightDecay(), bc1, bc2);
  }

  /** Per-sample reconstruction loss (B) of the last forward pass. */
  Buf loss() {
    return loss;
  }

  private void dense(Buf y, Buf in, ParamLayout.Layer l, Activation act) {
    be.denseForward(y, in, view(params, l.weight()), view(params, l.bias()), batch, l.in(), l.out(), act);
  }

  private void denseBack(Buf dx, Buf dy, Buf y, Buf in, ParamLayout.Layer l, Activation act) {
    be.denseBackward(dx, view(grads, l.weight()), view(grads, l.bias()), dy, y, in, view(params, l.weight()),
        batch, l.in(), l.out(), act);
  }

  private Buf view(Buf base, ParamLayout.Tensor t) {
    return be.slice(base, t.offset(), t.size());
  }
}
