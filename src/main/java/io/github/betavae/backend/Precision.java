package io.github.betavae.backend;

import java.util.Locale;

/**
 * The arithmetic of the dense and conv products, DESIGN §12. {@link #FP32}: FP32 operands,
 * FP32 accumulation (the default; parity and determinism as everywhere). {@link #TF32}: the operands
 * are rounded to TF32 first, as {@code cvt.rna.tf32.f32} does (10 mantissa bits, to nearest, ties
 * away from zero) and the products accumulate in FP32: what NVIDIA tensor cores compute, and what
 * PyTorch's {@code allow_tf32} gives. The CPU engine has the same mode, so CUDA-vs-CPU parity compares
 * like with like. Only the three products of a dense or conv layer change; everything elementwise stays FP32.
 */
public enum Precision {
  FP32,
  TF32;

  /** "fp32" or "tf32". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The precision for {@code s} ("fp32", "tf32"). */
  public static Precision parse(String s) {
    for (Precision p : values()) if (p.id().equals(s)) return p;
    throw new IllegalArgumentException("expected precision fp32 or tf32 but found '" + s + "'");
  }

  /** {@code v} rounded to TF32 as {@code cvt.rna.tf32.f32} rounds it; NaN and ±∞ unchanged. */
  public static float tf32(float v) {
    int u = Float.floatToRawIntBits(v);
    if ((u & 0x7f800000) == 0x7f800000) return v;
    return Float.intBitsToFloat((u + 0x1000) & 0xffffe000);
  }

  /** Rounds {@code a[from .. to)} to TF32 in place. */
  public static void tf32(float[] a, int from, int to) {
    for (int i = from; i < to; i++) a[i] = tf32(a[i]);
  }
}
