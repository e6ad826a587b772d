package io.github.betavae.optim;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.StepState;

/**
 * Adam (Kingma &amp; Ba 2015) and AdamW (decoupled weight decay), one fused backend update over the
 * model's flat parameter buffer. Moments live in two buffers of the same length.
 */
public final class Adam {

  /** Hyper-parameters; PyTorch's defaults except the learning rate, which is Higgins' 1e-4 for dSprites. */
  public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public Config {
      if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be a finite number > 0 but was " + lr);
      if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1) but was " + beta1);
      if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1) but was " + beta2);
      if (!(eps > 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("eps must be a finite number > 0 but was " + eps);
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new IllegalArgumentException("weight decay must be a finite number ≥ 0 but was " + weightDecay);
    }

    public static Config defaults(double lr) {
      return new Config(lr, 0.9, 0.999, 1e-8, 0.0);
    }
  }

  private final Backend be;
  private final Config cfg;
  private final Buf m;
  private final Buf v;
  private final long n;
  private int t;

  public Adam(Backend backend, Config config, long n) {
    this.be = backend;
    this.cfg = config;
    this.n = n;
    this.m = be.alloc(n);
    this.v = be.alloc(n);
  }

  public Config config() {
    return cfg;
  }

  /** Number of updates taken so far. */
  public int steps() {
    return t;
  }

  /** First-moment buffer (for checkpoints). */
  public Buf m() {
    return m;
  }

  /** Second-moment buffer (for checkpoints). */
  public Buf v() {
    return v;
  }

  /** Restores the step count (moments are restored by writing {@link #m()} and {@link #v()}). */
  public void setSteps(int steps) {
    this.t = steps;
  }

  /**
   * Queues one update for the step {@code state} is at (bias corrections from its counter; no update
   * where its record flags a non-finite loss or gradient). The host count is the caller's to keep
   * ({@link #setSteps}), since a captured update runs on every replay without this call.
   */
  public void queueUpdate(Buf params, Buf grads, StepState state) {
    be.adamStep(params, grads, m, v, n, (float) cfg.lr(), cfg.beta1(), cfg.beta2(), (float) cfg.eps(),
        (float) cfg.weightDecay(), state);
  }

  /** One update of {@code params} with {@code grads}. */
  public void step(Buf params, Buf grads) {
    t++;
    float bc1 = (float) (1.0 - Math.pow(cfg.beta1(), t));
    float bc2 = (float) (1.0 - Math.pow(cfg.beta2(), t));
    be.adamStep(params, grads, m, v, n, (float) cfg.lr(), (float) cfg.beta1(), (float) cfg.beta2(),
        (float) cfg.eps(), (float) cfg.weightDecay(), bc1, bc2);
  }
}
