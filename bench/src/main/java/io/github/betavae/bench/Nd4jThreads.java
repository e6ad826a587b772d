package io.github.betavae.bench;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Limits ND4J to a thread count at run time, so one JMH fork per {@code threads} parameter is
 * enough and no environment variable has to be set per fork (JMH's {@code @Fork} cannot set one).
 *
 * <p>Which knob governs what was found by counting the OS threads that accumulate CPU time during
 * each kind of work ({@link ThreadCheck}): OpenBLAS's sgemm obeys only
 * {@code blas().setMaxThreads} (openblas_set_num_threads); libnd4j's own element-wise loops (tanh,
 * sigmoid, the Adam updater, reductions) obey {@code Environment.setMaxMasterThreads}. The
 * environment variable {@code OMP_NUM_THREADS} set before the JVM starts limits both, but only for
 * the whole process.
 */
final class Nd4jThreads {
  private Nd4jThreads() {}

  /** Applies {@code n} to every ND4J thread pool; call in {@code @Setup} before timing anything. */
  static void set(int n) {
    Nd4j.getEnvironment().setMaxThreads(n);
    Nd4j.getEnvironment().setMaxMasterThreads(n);
    Nd4j.factory().blas().setMaxThreads(n);
  }

  /** One line with the limits ND4J reports back, for the fork's log. */
  static String describe() {
    return "nd4j master threads " + Nd4j.getEnvironment().maxMasterThreads()
        + ", blas " + Nd4j.factory().blas().getBlasVendor() + " threads " + Nd4j.factory().blas().getMaxThreads();
  }
}
