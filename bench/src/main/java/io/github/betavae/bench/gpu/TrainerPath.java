package io.github.betavae.bench.gpu;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.ResidentData;
import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.data.Dataset;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import io.github.betavae.train.BatchSource;
import io.github.betavae.train.TrainConfig;
import io.github.betavae.train.Trainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's own path, as {@code train} runs it, for the GPU checks and benchmarks: a
 * {@link Trainer} over binary data resident on the device (epoch order generated and batches
 * gathered there), the objective on the device, stats read a step late, eager or graph-replayed.
 * One model and optimizer live across calls, so a benchmark can run block after block of steps.
 */
final class TrainerPath implements AutoCloseable {
  final Backend be;
  final VaeConfig cfg;
  final int batch;
  final long seed;
  final Dataset data;
  final BetaVae model;
  final Adam adam;
  final Objective objective;
  private final BatchSource source;  // null: the host path (the CPU engine)
  final List<Double> losses = new ArrayList<>();
  private boolean graphUsed;

  /** {@code rows} random binary rows (30% on) of the net's input size; resident on a CUDA backend. */
  TrainerPath(Backend be, VaeConfig cfg, int batch, int rows, double lr, long seed) {
    this(be, cfg, batch, rows, lr, seed, false);
  }

  /** As above; with {@code streamed}, a CUDA backend's batches stream from the host instead. */
  TrainerPath(Backend be, VaeConfig cfg, int batch, int rows, double lr, long seed, boolean streamed) {
    this.be = be;
    this.cfg = cfg;
    this.batch = batch;
    this.seed = seed;
    this.data = binary(rows, cfg.inputSize(), seed);
    this.model = new BetaVae(cfg, be);
    model.initialize(seed);
    this.adam = new Adam(be, Adam.Config.defaults(lr), model.layout().size());
    this.objective = Objective.beta(cfg.beta());
    this.source = be instanceof CudaBackend c && streamed ? new io.github.betavae.backend.cuda.StreamedData(c, data)
        : be instanceof CudaBackend c
        ? ResidentData.upload(c, data).orElseThrow(() -> new IllegalStateException("the data does not fit on the device")).batches(seed)
        : null;
  }

  /** Trains {@code steps} more steps; eager or with the step captured once and replayed. */
  void run(long steps, Trainer.GraphMode graph) {
    Trainer t = new Trainer(TrainConfig.ofSteps(adam.steps() + steps, batch, seed), model, adam, data, objective).graph(graph);
    if (source != null) t.batchSource(source);
    t.addListener(s -> losses.add(s.stats().loss()));
    try {
      t.run();
    } catch (IOException e) {
      throw new IllegalStateException(e);  // no checkpointer is set: nothing writes
    }
    graphUsed = t.graphUsed();
  }

  boolean graphUsed() {
    return graphUsed;
  }

  static Dataset binary(int rows, int features, long seed) {
    byte[] bits = Inputs.binaryBytes((long) rows * features, 0.3, seed);
    return new Dataset() {
      @Override
      public int size() {
        return rows;
      }

      @Override
      public int features() {
        return features;
      }

      @Override
      public void copy(int index, float[] dst, int off) {
        for (int j = 0; j < features; j++) dst[off + j] = bits[index * features + j];
      }

      @Override
      public String describe() {
        return rows + " random binary rows of " + features;
      }
    };
  }

  @Override
  public void close() {
    if (source != null) source.close();
    model.close();
  }
}
