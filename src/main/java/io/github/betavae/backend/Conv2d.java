package io.github.betavae.backend;

/**
 * The shape of a 2-D convolution or transposed convolution over NCHW tensors, as PyTorch's
 * {@code nn.Conv2d} / {@code nn.ConvTranspose2d} with a square kernel, one stride and one padding:
 * input (B, inC, inH, inW) → output (B, outC, outH, outW).
 *
 * <ul>
 *   <li>convolution: outH = ⌊(inH + 2·pad − k) / stride⌋ + 1, weight (outC, inC, k, k);
 *   <li>transposed: outH = (inH − 1)·stride − 2·pad + k, weight (inC, outC, k, k).
 * </ul>
 *
 * <p>Both are computed on one geometry (DESIGN §3): a "wide" tensor X (B, C, H, W) and a "narrow" one
 * Y (B, O, OH, OW) related by Y[n,o,i,j] = Σ_{c,kh,kw} X[n,c,i·s+kh−p, j·s+kw−p]·K[o,c,kh,kw] with K
 * (O, C, k, k). A convolution reads X = input, Y = output; a transposed convolution is the adjoint
 * map, X = output, Y = input, and its (inC, outC, k, k) weight is that same K. {@link #wideC()} and
 * friends name the geometry's sides.
 */
public record Conv2d(int batch, int inC, int inH, int inW, int outC, int kernel, int stride, int pad, boolean transposed) {
  public Conv2d {
    if (batch < 1 || inC < 1 || inH < 1 || inW < 1 || outC < 1 || kernel < 1 || stride < 1 || pad < 0) {
      throw new IllegalArgumentException("conv shape: expected batch, channels, sizes, kernel and stride ≥ 1 and padding ≥ 0 but found "
          + "batch " + batch + ", in " + inC + "×" + inH + "×" + inW + ", out channels " + outC + ", kernel " + kernel
          + ", stride " + stride + ", padding " + pad);
    }
    int oh = transposed ? (inH - 1) * stride - 2 * pad + kernel : Math.floorDiv(inH + 2 * pad - kernel, stride) + 1;
    int ow = transposed ? (inW - 1) * stride - 2 * pad + kernel : Math.floorDiv(inW + 2 * pad - kernel, stride) + 1;
    if (oh < 1 || ow < 1) {
      throw new IllegalArgumentException("conv shape: a " + (transposed ? "transposed " : "") + "convolution with kernel " + kernel
          + ", stride " + stride + ", padding " + pad + " of a " + inH + "×" + inW + " input has no output (" + oh + "×" + ow + ")");
    }
    if ((long) batch * Math.max(inC, outC) * Math.max((long) inH * inW, (long) oh * ow) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("conv shape: tensors of more than 2³¹ elements are not supported");
    }
  }

  /** A convolution. */
  public static Conv2d conv(int batch, int inC, int inH, int inW, int outC, int kernel, int stride, int pad) {
    return new Conv2d(batch, inC, inH, inW, outC, kernel, stride, pad, false);
  }

  /** A transposed convolution. */
  public static Conv2d transposed(int batch, int inC, int inH, int inW, int outC, int kernel, int stride, int pad) {
    return new Conv2d(batch, inC, inH, inW, outC, kernel, stride, pad, true);
  }

  /** The same layer for a batch of {@code b}. */
  public Conv2d withBatch(int b) {
    return new Conv2d(b, inC, inH, inW, outC, kernel, stride, pad, transposed);
  }

  /** PyTorch's fan-in for the default initialisation: weight.size(1)·k² (inC for a convolution, outC transposed). */
  public int fanIn() {
    return (transposed ? outC : inC) * kernel * kernel;
  }

  public int outH() {
    return transposed ? (inH - 1) * stride - 2 * pad + kernel : (inH + 2 * pad - kernel) / stride + 1;
  }

  public int outW() {
    return transposed ? (inW - 1) * stride - 2 * pad + kernel : (inW + 2 * pad - kernel) / stride + 1;
  }

  /** Elements of the input, B·inC·inH·inW. */
  public long inSize() {
    return (long) batch * inC * inH * inW;
  }

  /** Elements of the output, B·outC·outH·outW. */
  public long outSize() {
    return (long) batch * outC * outH() * outW();
  }

  /** Elements of the weight, inC·outC·k². */
  public long weightSize() {
    return (long) inC * outC * kernel * kernel;
  }

  /** The geometry's wide side X: the input of a convolution, the output of a transposed one. */
  public int wideC() {
    return transposed ? outC : inC;
  }

  public int wideH() {
    return transposed ? outH() : inH;
  }

  public int wideW() {
    return transposed ? outW() : inW;
  }

  /** The geometry's narrow side Y: the output of a convolution, the input of a transposed one. */
  public int narrowC() {
    return transposed ? inC : outC;
  }

  public int narrowH() {
    return transposed ? inH : outH();
  }

  public int narrowW() {
    return transposed ? inW : outW();
  }

  /** "conv 1×64×64 → 32×32×32, k4 s2 p1". */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "%s %d×%d×%d → %d×%d×%d, k%d s%d p%d", transposed ? "conv-transpose" : "conv",
        inC, inH, inW, outC, outH(), outW(), kernel, stride, pad);
  }
}
