package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.DeviceCounters;
import io.github.betavae.backend.cuda.Emulator;
import io.github.betavae.backend.cuda.ResidentData;
import io.github.betavae.loss.BetaSchedule;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The resident step (DESIGN §11) through the trainer: graph replays equal eager steps bit for bit on
 * the CUDA engine (host harness), both equal the CPU engine within 1e-4 after 20 steps, for every
 * objective; a step uploads nothing and waits at most once; resuming equals running through.
 */
class ResidentStepTest {
  static final VaeConfig NET = new VaeConfig(64, List.of(24), Activation.RELU, 3, List.of(24), Activation.TANH,
      Likelihood.BERNOULLI, 1.0);
  static final int N = 40, B = 8;  // 5 steps per epoch: 20 steps cross four epoch boundaries

  /** The CUDA engine under test: the host harness here, a GPU in {@code ResidentStepGpuTest}. */
  CudaBackend cuda() {
    return CudaBackend.emulated();
  }

  static List<Objective> objectives() {
    return List.of(Objective.beta(4), Objective.scheduled(BetaSchedule.warmup(0, 4, 10)),
        Objective.scheduled(BetaSchedule.cyclical(4, 20, 2)), Objective.freeBits(0.05, 2),
        Objective.capacity(50, 2, 10));
  }

  record Result(float[] params, float[] m, float[] v, List<double[]> rows, DeviceCounters.Counts perStep) {}

  /** Trains to {@code to} steps from a fresh model (from = 0) or from {@code start}; the graph as told. */
  static Result train(Backend be, Objective o, Trainer.GraphMode graph, boolean resident, long to, Result start) {
    try (BetaVae vae = new BetaVae(NET, be)) {
      Adam adam = new Adam(be, Adam.Config.defaults(2e-3), vae.layout().size());
      if (start == null) {
        vae.initialize(9);
      } else {
        vae.loadParams(start.params());
        be.write(adam.m(), start.m());
        be.write(adam.v(), start.v());
        adam.setSteps(start.rows().size());
      }
      Trainer t = new Trainer(TrainConfig.ofSteps(to, B, 77), vae, adam, new Bars(N), o).graph(graph);
      if (resident) {
        t.batchSource(ResidentData.upload((CudaBackend) be, new Bars(N)).orElseThrow().batches(77));
      }
      List<double[]> rows = new ArrayList<>(start == null ? List.of() : start.rows());
      DeviceCounters.Counts[] window = new DeviceCounters.Counts[2];
      t.addListener(s -> {
        rows.add(new double[] {s.stats().loss(), s.stats().recon(), s.stats().kl()});
        if (be instanceof CudaBackend c) {
          if (s.step() == 2) window[0] = c.device().counters().snapshot();
          window[1] = c.device().counters().snapshot();
        }
      });
      try {
        t.run();
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      assertEquals(graph != Trainer.GraphMode.OFF && resident, t.graphUsed(), "graph used");
      float[] m = new float[(int) vae.layout().size()], v = new float[m.length];
      be.read(adam.m(), m);
      be.read(adam.v(), v);
      DeviceCounters.Counts per = window[0] == null ? null : window[1].minus(window[0]);
      return new Result(vae.paramsToHost(), m, v, rows, per);
    }
  }

  @Test
  void graphReplaysEqualEagerStepsAndBothEqualTheCpu() {
    Emulator.assumeBuilt();
    for (Objective o : objectives()) {
      Result cpu;
      try (CpuBackend be = new CpuBackend(1)) {
        cpu = train(be, o, Trainer.GraphMode.AUTO, false, 20, null);
      }
      Result eager, graph;
      try (CudaBackend be = cuda()) {
        eager = train(be, o, Trainer.GraphMode.OFF, true, 20, null);
      }
      try (CudaBackend be = cuda()) {
        graph = train(be, o, Trainer.GraphMode.ON, true, 20, null);
      }
      String what = o.describe();
      assertArrayEquals(eager.params(), graph.params(), what + ": 20 graph replays vs 20 eager steps");
      assertEquals(20, graph.rows().size());
      for (int s = 0; s < 20; s++) {
        assertArrayEquals(eager.rows().get(s), graph.rows().get(s), what + ": step " + (s + 1) + " stats");
        for (int k = 0; k < 3; k++) {
          double a = cpu.rows().get(s)[k], b = graph.rows().get(s)[k];
          assertTrue(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)), what + ": step " + (s + 1) + " cpu " + a + " cuda " + b);
        }
      }
      double worst = 0;
      for (int i = 0; i < cpu.params().length; i++) worst = Math.max(worst, Math.abs(cpu.params()[i] - graph.params()[i]));
      assertTrue(worst <= 1e-4, what + ": parameters after 20 steps differ from the cpu by " + worst);
      assertFalse(java.util.Arrays.equals(cpu.params(), new BetaVaeInit().params()), "training moved the weights");
    }
  }

  /** The initial weights, to see that training did something. */
  static final class BetaVaeInit {
    float[] params() {
      try (CpuBackend be = new CpuBackend(1); BetaVae v = new BetaVae(NET, be)) {
        v.initialize(9);
        return v.paramsToHost();
      }
    }
  }

  @Test
  void aResidentStepUploadsNothingAndWaitsAtMostOnce() {
    Emulator.assumeBuilt();
    for (Trainer.GraphMode g : new Trainer.GraphMode[] {Trainer.GraphMode.OFF, Trainer.GraphMode.ON}) {
      try (CudaBackend be = cuda()) {
        Result r = train(be, Objective.beta(4), g, true, 20, null);
        DeviceCounters.Counts c = r.perStep();
        // onStep 2 .. 20: 18 steps processed; the host queues one step ahead, so the window holds
        // the queueing of steps 4 .. 20 and the waits for steps 3 .. 20.
        long steps = 18;
        assertEquals(0, c.h2dBytes(), g + ": " + c);
        assertTrue(c.d2hBytes() <= 4096 * steps, g + ": " + c);
        assertTrue(c.syncs() <= steps, g + ": " + c);
        if (g == Trainer.GraphMode.ON) {
          assertEquals(steps - 1, c.graphLaunches(), g + ": " + c);
          // outside the graph only the epoch turns: copy in the order computed aside, start the next (3 turns)
          assertTrue(c.launches() <= 2 * 3, g + ": only the epoch turns run outside the graph: " + c);
        } else {
          assertEquals(0, c.graphLaunches(), g + ": " + c);
        }
      }
    }
  }

  @Test
  void resumingAResidentRunEqualsRunningThrough() {
    Emulator.assumeBuilt();
    Objective o = Objective.scheduled(BetaSchedule.warmup(0, 4, 10));
    Result through, half, rest;
    try (CudaBackend be = cuda()) {
      through = train(be, o, Trainer.GraphMode.ON, true, 20, null);
    }
    try (CudaBackend be = cuda()) {
      half = train(be, o, Trainer.GraphMode.ON, true, 7, null);  // stops mid-epoch
    }
    try (CudaBackend be = cuda()) {
      rest = train(be, o, Trainer.GraphMode.ON, true, 20, half);
    }
    assertArrayEquals(through.params(), rest.params());
    for (int s = 0; s < 20; s++) assertArrayEquals(through.rows().get(s), rest.rows().get(s), "step " + (s + 1));
  }

  @Test
  void graphOnWithoutAResidentSourceSaysWhy() {
    Emulator.assumeBuilt();
    try (CudaBackend be = cuda()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> train(be, Objective.beta(1), Trainer.GraphMode.ON, false, 3, null));
      assertTrue(e.getMessage().contains("not resident"), e.getMessage());
    }
    try (CpuBackend be = new CpuBackend(1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> train(be, Objective.beta(1), Trainer.GraphMode.ON, false, 3, null));
      assertTrue(e.getMessage().contains("no graphs"), e.getMessage());
    }
  }

  @Test
  void aNonFiniteStepStopsTheRunAndNothingAfterItIsApplied() {
    Emulator.assumeBuilt();
    try (CudaBackend be = cuda(); BetaVae vae = new BetaVae(NET, be)) {
      vae.initialize(1);
      float[] p = vae.paramsToHost();
      p[(int) vae.layout().head().bias().offset()] = Float.NaN;  // ReLU would swallow a NaN weight
      vae.loadParams(p);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      Trainer t = new Trainer(TrainConfig.ofSteps(3, B, 1), vae, adam, new Bars(N), Objective.beta(1))
          .batchSource(ResidentData.upload(be, new Bars(N)).orElseThrow().batches(1));
      NonFiniteException e = assertThrows(NonFiniteException.class, t::run);
      assertTrue(e.getMessage().startsWith("non-finite loss NaN (recon=NaN, kl=NaN) at step 1"), e.getMessage());
      assertEquals(1, e.step());
      assertEquals(0, adam.steps());
      assertArrayEquals(p, vae.paramsToHost(), "no update at or after the bad step, although the next step was queued");
    }
  }

  @Test
  void theGuardNamesTheTensorOfTheFirstBadGradient() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(NET, be)) {
      NumericGuard g = new NumericGuard(vae);
      long at = vae.layout().out().weight().offset() + 5;
      io.github.betavae.backend.StepRecord r = new io.github.betavae.backend.StepRecord(4, io.github.betavae.backend.StepRecord.GRAD_NONFINITE,
          at, 1, 1, 0, new double[3]);
      assertEquals("non-finite gradient in " + vae.layout().out().weight().name() + " at step 4", g.describe(r, 4));
    }
  }
}
