package io.github.betavae.bench;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;

/**
 * Our side of a whole-train-step benchmark: a {@link BetaVae} of {@code config} on
 * {@code CpuBackend(threads)} with one fixed batch, stepped by {@code forwardBackward} (objective
 * β·KL with the config's β) then {@code Adam.step}, as {@code train} does. Shared by
 * {@link TrainStepBench} and {@link ConvStepBench}.
 */
final class OurStep implements AutoCloseable {
  private final CpuBackend be;
  private final BetaVae model;
  private final Adam adam;
  private final Objective objective;
  private final long seed;
  private final int batch;
  private long step;

  /** Builds the model (initialised from {@code seed}), its optimiser, and writes the batch. */
  OurStep(VaeConfig config, int threads, int batch, float[] pixels, long seed, double lr) {
    this.seed = seed;
    be = new CpuBackend(threads);
    model = new BetaVae(config, be);
    model.initialize(seed);
    adam = new Adam(be, Adam.Config.defaults(lr), model.layout().size());
    objective = Objective.beta(config.beta());
    be.write(model.input(batch), pixels);
    this.batch = batch;
  }

  /** Parameters, for the fork's log. */
  long parameters() {
    return model.layout().size();
  }

  /** Steps taken so far. */
  long steps() {
    return step;
  }

  /** One step; returns its loss. */
  double step() {
    double loss = model.forwardBackward(batch, seed, step++, objective).loss();
    adam.step(model.params(), model.grads());
    return loss;
  }

  @Override
  public void close() {
    model.close();
    be.close();
  }
}
