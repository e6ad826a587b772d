package io.github.betavae.backend.cpu;

import io.github.betavae.data.DSprites;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Two builds of the library timed against each other in one JVM (not a test; run by hand):
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * io.github.betavae.backend.cpu.StepAB CLASSES_A CLASSES_B [threads] [rounds]}, where each CLASSES
 * directory holds a build's {@code target/classes} (copy one aside before changing the code). The
 * class path's own library classes are used only to start; each build's come first in its loader.
 *
 * <p>Each build is loaded by its own class loader and steps its own model: the default network on a
 * batch of 64 built-in dSprites images, {@code forwardBackward} then {@code Adam.step}, as
 * {@code train} does. After 40 warm-up steps each, the two take turns in blocks of 5 steps, for
 * {@code rounds} rounds (default 30), the order swapped every round. It prints each build's median
 * and best step time, and the median and quartiles of the per-round ratio B/A.
 *
 * <p>Why: on a shared machine, separate JVMs run minutes apart see different neighbours. On a 2-core
 * Xeon, fresh JVMs of the same build differed by ±15%. Builds taking turns inside one JVM see the
 * same conditions, so a change of a few percent shows. As a check, a build timed against itself
 * there gave a median ratio of 0.990 (quartiles 0.957–0.999).
 */
public final class StepAB {
  private StepAB() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: StepAB CLASSES_A CLASSES_B [threads] [rounds]");
      System.exit(2);
    }
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
    DoubleSupplier[] step = new DoubleSupplier[2];
    for (int i = 0; i < 2; i++) {
      // the build's classes first, then this JVM's class path (this class and the dependencies)
      List<URL> urls = new ArrayList<>();
      urls.add(new File(args[i]).toURI().toURL());
      for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) urls.add(new File(e).toURI().toURL());
      ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
      step[i] = (DoubleSupplier) loader.loadClass(StepAB.class.getName()).getMethod("stepper", int.class).invoke(null, threads);
      System.out.printf("%s: CpuBackend from %s%n", i == 0 ? "A" : "B",
          loader.loadClass(CpuBackend.class.getName()).getProtectionDomain().getCodeSource().getLocation());
    }
    for (int w = 0; w < 40; w++) for (DoubleSupplier s : step) s.getAsDouble();
    double[][] t = new double[2][rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (int q = 0; q < 2; q++) {
        int i = (r + q) % 2;
        long t0 = System.nanoTime();
        for (int s = 0; s < 5; s++) step[i].getAsDouble();
        t[i][r] = (System.nanoTime() - t0) / 5e6;
      }
      ratio[r] = t[1][r] / t[0][r];
    }
    for (double[] x : t) Arrays.sort(x);
    Arrays.sort(ratio);
    System.out.printf("threads=%d, %d rounds: A median %.1f ms (best %.1f), B median %.1f ms (best %.1f); "
            + "B/A median %.3f (quartiles %.3f-%.3f)%n", threads, rounds, t[0][rounds / 2], t[0][0],
        t[1][rounds / 2], t[1][0], ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
  }

  /** One build's step, made inside that build's class loader; returns the step's loss. */
  public static DoubleSupplier stepper(int threads) {
    VaeConfig c = VaeConfig.higgins();
    DSprites d = new DSprites();
    SplittableRandom r = new SplittableRandom(7);
    float[] x = new float[64 * d.features()];
    for (int i = 0; i < 64; i++) d.copy(r.nextInt(d.size()), x, i * d.features());
    CpuBackend be = new CpuBackend(threads);
    BetaVae vae = new BetaVae(c, be);
    vae.initialize(1);
    Adam adam = new Adam(be, Adam.Config.defaults(1e-4), vae.layout().size());
    be.write(vae.input(64), x);
    Objective obj = Objective.beta(c.beta());
    long[] t = {0};
    return () -> {
      double loss = vae.forwardBackward(64, 1, t[0]++, obj).loss();
      adam.step(vae.params(), vae.grads());
      return loss;
    };
  }
}
