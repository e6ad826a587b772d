package io.github.betavae.backend.cpu;

/**
 * Which micro-kernel the dense layers run: the Vector API kernel ({@link VectorGemm}) when the
 * {@code jdk.incubator.vector} module is present and not switched off, else the plain
 * {@link Gemm#kernel}. Both give the same bits, so the choice changes speed only.
 *
 * <p>The module is an incubator, absent unless the JVM is started with
 * {@code --add-modules jdk.incubator.vector}; {@link VectorGemm} is loaded by name only after the
 * boot layer is seen to hold it, so no other class links against the module.
 * {@code -Dbetavae.vector=false} turns the vector kernel off.
 */
final class GemmPath {
  private GemmPath() {}

  /** The system property that turns the vector kernel off when set to {@code false}. */
  static final String PROPERTY = "betavae.vector";

  /** c (mc, nc) += a (mc, kc) · b (kc, nc), in the order of {@link Gemm}'s class comment. */
  interface Kernel {
    /**
     * c += a · b where, for a kernel with {@link #flatRows()} f > 0, the first ⌊mc/f⌋·f rows of A come
     * interleaved in {@code af} ({@link Gemm#packFlat}) and only the rows after them in {@code a}.
     */
    void multiply(float[][] c, float[][] a, float[] af, float[][] b, int mc, int kc, int nc);

    /** c += a · b with every row of A in {@code a} (the flat copy made here when the kernel needs it). */
    default void multiply(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
      int f = flatRows();
      multiply(c, a, f > 0 ? Gemm.flatCopy(a, f, mc / f * f, kc) : new float[0], b, mc, kc, nc);
    }

    /**
     * Whether {@link #multiplyStrided} reads A in place; where false, callers pack A and call
     * {@link #multiply} instead (the default {@link #multiplyStrided} throws).
     */
    default boolean stridedA() {
      return false;
    }

    /**
     * c (mc, nc) += A (mc, kc) · b (kc, nc) with A read where it lies, A(i, k) = {@code a[ao + i·lda + k]},
     * in the order of {@link Gemm}'s class comment: for a product that would read each packed A panel
     * once from memory anyway (the forward of a batch by rows of w), packing only adds a copy.
     */
    default void multiplyStrided(float[][] c, float[] a, int ao, int lda, float[][] b, int mc, int kc, int nc) {
      throw new UnsupportedOperationException("this kernel reads A packed");
    }

    /**
     * Whether {@link #multiplyStridedLive} reads A in place; where false, callers gather A's columns
     * into a packed panel and call {@link #multiply} instead (the default throws).
     */
    default boolean stridedLiveA() {
      return false;
    }

    /**
     * {@link #multiplyStrided} over some of A's columns, A(i, k) = {@code a[ao + i·lda + live[l0 + k]]}:
     * the forward of an input with dead columns reads w's live columns where they lie instead of
     * gathering them into a panel first. Same order and bits as {@link #multiply} on the gathered panel.
     */
    default void multiplyStridedLive(float[][] c, float[] a, int ao, int lda, int[] live, int l0,
                                     float[][] b, int mc, int kc, int nc) {
      throw new UnsupportedOperationException("this kernel reads A's live columns gathered");
    }

    /** Whether {@link #multiplyInto} writes C in place; where false, callers go through row arrays. */
    default boolean flatC() {
      return false;
    }

    /**
     * {@link #multiply} with C in place, C(i, j) = {@code c[co + i·ldc + j]}, starting from +0 instead
     * of C's values when {@code zero} (same bits as zeroing C first): the weight gradient writes its
     * blocks straight into dw rather than through a scratch block it would zero and copy back.
     */
    default void multiplyInto(float[] c, int co, int ldc, boolean zero, float[][] a, float[] af, float[][] b,
                              int mc, int kc, int nc) {
      throw new UnsupportedOperationException("this kernel writes C through row arrays");
    }

    /** Rows per tile of A that the kernel reads interleaved from a flat copy; 0 when it reads rows. */
    default int flatRows() {
      return 0;
    }

    /** Register width in bits of a vector kernel, 0 for the plain one. */
    default int bits() {
      return 0;
    }

    /**
     * Whether {@code v[from, to)} holds only finite values (the numeric guard's scan of the gradient
     * each step). Here because the vector kernel's class is the one place that may link against the
     * incubator module: it scans with whole vectors, about twice the plain scan's speed.
     */
    default boolean allFinite(float[] v, int from, int to) {
      return io.github.betavae.backend.FiniteScan.allFinite(v, from, to);
    }
  }

  /** The plain kernel. */
  static final Kernel PLAIN = (c, a, af, b, mc, kc, nc) -> Gemm.kernel(c, a, b, mc, kc, nc);

  /** The vector kernel, or null where the module is missing or the class would not load. */
  private static final Kernel VECTOR = loadVector();

  /** Whether the Vector API kernel can run in this JVM (module present; the property is not read). */
  static boolean vectorAvailable() {
    return VECTOR != null;
  }

  /** Whether a backend made now should use the vector kernel: available and not switched off. */
  static boolean vectorByDefault() {
    return VECTOR != null && !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
  }

  /** The kernel for {@code vector} (falling back to plain where the vector kernel is unavailable). */
  static Kernel kernel(boolean vector) {
    return vector && VECTOR != null ? VECTOR : PLAIN;
  }

  private static Kernel loadVector() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
    try {
      return (Kernel) Class.forName(GemmPath.class.getPackageName() + ".VectorGemm")
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null; // a JVM whose module cannot serve this kernel keeps the plain one
    }
  }
}
