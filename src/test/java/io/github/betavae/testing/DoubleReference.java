package io.github.betavae.testing;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.rng.Philox;
import java.util.ArrayList;
import java.util.List;

/**
 * The model's math in double precision, written out directly from the formulas in DESIGN §3 and
 * independent of the backend code: dense layers with activations, reparameterization with a given
 * ε, the Gaussian KL, both likelihoods, and the whole β-VAE objective with its gradient by hand-written
 * backpropagation. Tests check these gradients by central differences and then hold the float
 * backends to them.
 *
 * <p>Matrices are row-major double arrays; weights (OUT, IN) like {@code nn.Linear}.
 */
public final class DoubleReference {
  private DoubleReference() {}

  /** f(a). */
  public static double act(Activation f, double a) {
    switch (f) {
      case RELU: return a > 0 ? a : 0;
      case TANH: return Math.tanh(a);
      case SIGMOID: return 1 / (1 + Math.exp(-a));
      default: return a;
    }
  }

  /** f'(a) written through y = f(a). */
  public static double actDeriv(Activation f, double y) {
    switch (f) {
      case RELU: return y > 0 ? 1 : 0;
      case TANH: return 1 - y * y;
      case SIGMOID: return y * (1 - y);
      default: return 1;
    }
  }

  /** y (B,OUT) = act(x (B,IN) · wᵀ + b). */
  public static double[] denseForward(double[] x, double[] w, double[] b, int batch, int in, int out, Activation f) {
    double[] y = new double[batch * out];
    for (int i = 0; i < batch; i++) {
      for (int o = 0; o < out; o++) {
        double s = b[o];
        for (int k = 0; k < in; k++) s += x[i * in + k] * w[o * in + k];
        y[i * out + o] = act(f, s);
      }
    }
    return y;
  }

  /** Gradients of a dense layer: {dx, dw, db} from ∂L/∂y (not modified). */
  public static double[][] denseBackward(double[] gy, double[] y, double[] x, double[] w,
                                         int batch, int in, int out, Activation f) {
    double[] ga = new double[batch * out];
    for (int e = 0; e < ga.length; e++) ga[e] = gy[e] * actDeriv(f, y[e]);
    double[] dx = new double[batch * in], dw = new double[out * in], db = new double[out];
    for (int i = 0; i < batch; i++) {
      for (int o = 0; o < out; o++) {
        double g = ga[i * out + o];
        db[o] += g;
        for (int k = 0; k < in; k++) {
          dw[o * in + k] += g * x[i * in + k];
          dx[i * in + k] += g * w[o * in + k];
        }
      }
    }
    return new double[][] {dx, dw, db};
  }

  /** z (B,Z) = μ + exp(½·logvar)·ε, stats (B,2Z) = [μ | logvar]; z = μ when ε is null. */
  public static double[] reparam(double[] stats, double[] eps, int batch, int latent) {
    double[] z = new double[batch * latent];
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) {
        double mu = stats[i * 2 * latent + d], lv = stats[i * 2 * latent + latent + d];
        z[i * latent + d] = eps == null ? mu : mu + Math.exp(0.5 * lv) * eps[i * latent + d];
      }
    }
    return z;
  }

  /** KL(N(μ, e^logvar) ‖ N(0, 1)) of one dimension: ½(μ² + e^logvar − logvar − 1). */
  public static double kl(double mu, double logvar) {
    return 0.5 * (mu * mu + Math.exp(logvar) - logvar - 1);
  }

  /** Σ_B KL per latent dimension (Z). */
  public static double[] klSum(double[] stats, int batch, int latent) {
    double[] s = new double[latent];
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) s[d] += kl(stats[i * 2 * latent + d], stats[i * 2 * latent + latent + d]);
    }
    return s;
  }

  /** ∂L/∂stats (B,2Z) for L = Σ gz⊙z + Σ_d coef[d]·klSum[d]; gz may be null (no path through z). */
  public static double[] reparamBackward(double[] gz, double[] stats, double[] eps, double[] coef, int batch, int latent) {
    double[] g = new double[batch * 2 * latent];
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) {
        double mu = stats[i * 2 * latent + d], lv = stats[i * 2 * latent + latent + d];
        double dz = gz == null ? 0 : gz[i * latent + d];
        double e = eps == null ? 0 : eps[i * latent + d];
        g[i * 2 * latent + d] = dz + coef[d] * mu;
        g[i * 2 * latent + latent + d] = dz * e * 0.5 * Math.exp(0.5 * lv) + coef[d] * 0.5 * (Math.exp(lv) - 1);
      }
    }
    return g;
  }

  /** Per-sample reconstruction loss (B), summed over the D features. */
  public static double[] likelihood(double[] out, double[] x, int batch, int features, Likelihood kind) {
    double[] l = new double[batch];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < features; j++) {
        double a = out[i * features + j], t = x[i * features + j];
        l[i] += kind == Likelihood.BERNOULLI ? Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))) - t * a : (a - t) * (a - t);
      }
    }
    return l;
  }

  /** ∂(scale·Σ loss)/∂out (B,D). */
  public static double[] likelihoodGrad(double[] out, double[] x, int batch, int features, Likelihood kind, double scale) {
    double[] g = new double[batch * features];
    for (int e = 0; e < g.length; e++) {
      double a = out[e], t = x[e];
      g[e] = scale * (kind == Likelihood.BERNOULLI ? 1 / (1 + Math.exp(-a)) - t : 2 * (a - t));
    }
    return g;
  }

  /** The ε BetaVae draws for a batch: Philox normals of stream EPS, element i·Z + d. */
  public static double[] eps(long seed, long step, int batch, int latent) {
    double[] e = new double[batch * latent];
    for (int i = 0; i < e.length; i++) e[i] = Philox.normal(seed, i, step, Philox.STREAM_EPS);
    return e;
  }

  /** Objective value and its gradient with respect to the flat parameters. */
  public record Result(double loss, double recon, double kl, double[] grad) {}

  /**
   * The β-VAE objective {@code mean_B recon + β·Σ_d mean_B KL_d} for parameters {@code p} (layout
   * order of {@link ParamLayout}), inputs x (B,D) and noise eps (B,Z), with its gradient.
   */
  public static Result objective(VaeConfig c, double[] p, double[] x, double[] eps, int batch) {
    ParamLayout layout = new ParamLayout(c);
    List<ParamLayout.Layer> enc = layout.encoderLayers(), dec = layout.decoderLayers();
    // Forward, keeping every layer's input and output.
    List<double[]> encOut = new ArrayList<>();
    double[] h = x;
    for (ParamLayout.Layer l : enc) {
      h = dense(p, l, h, batch, c.encoderActivation());
      encOut.add(h);
    }
    double[] stats = dense(p, layout.head(), h, batch, Activation.IDENTITY);
    int zl = c.latent(), dIn = c.inputSize();
    double[] z = reparam(stats, eps, batch, zl);
    List<double[]> decOut = new ArrayList<>();
    h = z;
    for (ParamLayout.Layer l : dec) {
      h = dense(p, l, h, batch, c.decoderActivation());
      decOut.add(h);
    }
    double[] logits = dense(p, layout.out(), h, batch, Activation.IDENTITY);
    double recon = 0;
    for (double v : likelihood(logits, x, batch, dIn, c.likelihood())) recon += v;
    recon /= batch;
    double kl = 0;
    for (double v : klSum(stats, batch, zl)) kl += v / batch;
    double loss = recon + c.beta() * kl;

    // Backward.
    double[] grad = new double[(int) layout.size()];
    double[] g = likelihoodGrad(logits, x, batch, dIn, c.likelihood(), 1.0 / batch);
    g = denseBack(p, grad, layout.out(), g, logits, decOut.isEmpty() ? z : decOut.get(decOut.size() - 1), batch, Activation.IDENTITY);
    for (int i = dec.size() - 1; i >= 0; i--) {
      g = denseBack(p, grad, dec.get(i), g, decOut.get(i), i == 0 ? z : decOut.get(i - 1), batch, c.decoderActivation());
    }
    double[] coef = new double[zl];
    java.util.Arrays.fill(coef, c.beta() / batch);
    g = reparamBackward(g, stats, eps, coef, batch, zl);
    g = denseBack(p, grad, layout.head(), g, stats, enc.isEmpty() ? x : encOut.get(enc.size() - 1), batch, Activation.IDENTITY);
    for (int i = enc.size() - 1; i >= 0; i--) {
      g = denseBack(p, grad, enc.get(i), g, encOut.get(i), i == 0 ? x : encOut.get(i - 1), batch, c.encoderActivation());
    }
    return new Result(loss, recon, kl, grad);
  }

  private static double[] dense(double[] p, ParamLayout.Layer l, double[] x, int batch, Activation f) {
    return denseForward(x, slice(p, l.weight()), slice(p, l.bias()), batch, l.in(), l.out(), f);
  }

  /** Adds the layer's parameter gradients into grad and returns ∂L/∂x. */
  private static double[] denseBack(double[] p, double[] grad, ParamLayout.Layer l, double[] gy, double[] y, double[] x,
                                    int batch, Activation f) {
    double[][] r = denseBackward(gy, y, x, slice(p, l.weight()), batch, l.in(), l.out(), f);
    add(grad, l.weight(), r[1]);
    add(grad, l.bias(), r[2]);
    return r[0];
  }

  private static double[] slice(double[] p, ParamLayout.Tensor t) {
    return java.util.Arrays.copyOfRange(p, (int) t.offset(), (int) (t.offset() + t.size()));
  }

  private static void add(double[] grad, ParamLayout.Tensor t, double[] v) {
    for (int i = 0; i < v.length; i++) grad[(int) t.offset() + i] += v[i];
  }
}
