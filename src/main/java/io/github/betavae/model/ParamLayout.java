package io.github.betavae.model;

import io.github.betavae.backend.Conv2d;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where each named tensor lives in the model's single flat parameter buffer. Names and shapes follow
 * PyTorch {@code nn.Linear} (DESIGN §9): {@code encoder.layers.{i}.weight} (out, in), {@code .bias} (out),
 * {@code encoder.head.*}, {@code decoder.layers.{i}.*}, {@code decoder.out.*}; the convolutional
 * architectures add {@code encoder.convs.{i}.weight} (out, in, k, k) first and {@code
 * decoder.deconvs.{i}.weight} (in, out, k, k) last, as {@code nn.Conv2d} / {@code nn.ConvTranspose2d},
 * and have no {@code decoder.out}. Each layer's weight is immediately followed by its bias.
 */
public final class ParamLayout {

  /**
   * One tensor: name, shape (rows × cols; cols = 0 for a vector; rows × cols × k × k for a
   * convolution's weight, k = {@code kernel} &gt; 0) and offset in floats.
   */
  public record Tensor(String name, int rows, int cols, long offset, int kernel) {
    /** A matrix or (cols = 0) a vector. */
    public Tensor(String name, int rows, int cols, long offset) {
      this(name, rows, cols, offset, 0);
    }

    public long size() {
      return cols == 0 ? rows : (long) rows * cols * (kernel > 0 ? (long) kernel * kernel : 1);
    }

    public long[] shape() {
      return cols == 0 ? new long[] {rows} : kernel > 0 ? new long[] {rows, cols, kernel, kernel} : new long[] {rows, cols};
    }
  }

  /** One linear layer: in → out, with weight and bias tensors. */
  public record Layer(String prefix, int in, int out, Tensor weight, Tensor bias) {}

  /**
   * One convolution or transposed convolution, its shape at batch 1 ({@link Conv2d#withBatch} for
   * others), with weight ((out, in, k, k), or (in, out, k, k) transposed, as PyTorch) and bias (out).
   */
  public record ConvLayer(String prefix, Conv2d shape, Tensor weight, Tensor bias) {}

  private final List<Tensor> tensors = new ArrayList<>();
  private final List<Layer> encoder = new ArrayList<>();
  private final List<Layer> decoder = new ArrayList<>();
  private final List<ConvLayer> convs = new ArrayList<>();
  private final List<ConvLayer> deconvs = new ArrayList<>();
  private final Layer head;
  private final Layer out;
  private long total;

  public ParamLayout(VaeConfig c) {
    boolean conv = c.arch().convolutional();
    List<Conv2d> ec = c.arch().encoderConvs(c.channels());
    for (int i = 0; i < ec.size(); i++) convs.add(addConv("encoder.convs." + i, ec.get(i)));
    // the dense stack's input: the image, or the last convolution's map flattened
    int prev = conv ? c.arch().flatten() : c.inputSize();
    for (int i = 0; i < c.encoder().size(); i++) {
      encoder.add(add("encoder.layers." + i, prev, c.encoder().get(i)));
      prev = c.encoder().get(i);
    }
    head = add("encoder.head", prev, 2 * c.latent());
    prev = c.latent();
    for (int i = 0; i < c.decoder().size(); i++) {
      decoder.add(add("decoder.layers." + i, prev, c.decoder().get(i)));
      prev = c.decoder().get(i);
    }
    List<Conv2d> dc = c.arch().decoderDeconvs(c.channels());
    for (int i = 0; i < dc.size(); i++) deconvs.add(addConv("decoder.deconvs." + i, dc.get(i)));
    // a convolutional decoder's last transposed convolution gives the logits: no decoder.out
    out = conv ? null : add("decoder.out", prev, c.inputSize());
  }

  private Layer add(String prefix, int in, int outW) {
    Tensor w = new Tensor(prefix + ".weight", outW, in, total);
    total += w.size();
    Tensor b = new Tensor(prefix + ".bias", outW, 0, total);
    total += b.size();
    tensors.add(w);
    tensors.add(b);
    return new Layer(prefix, in, outW, w, b);
  }

  private ConvLayer addConv(String prefix, Conv2d shape) {
    // PyTorch: Conv2d weight (out, in, k, k), ConvTranspose2d weight (in, out, k, k)
    int rows = shape.transposed() ? shape.inC() : shape.outC(), cols = shape.transposed() ? shape.outC() : shape.inC();
    Tensor w = new Tensor(prefix + ".weight", rows, cols, total, shape.kernel());
    total += w.size();
    Tensor b = new Tensor(prefix + ".bias", shape.outC(), 0, total);
    total += b.size();
    tensors.add(w);
    tensors.add(b);
    return new ConvLayer(prefix, shape, w, b);
  }

  /** The encoder's convolutions, input side first (none for an MLP). */
  public List<ConvLayer> encoderConvs() {
    return Collections.unmodifiableList(convs);
  }

  /** The decoder's transposed convolutions, latent side first (none for an MLP); the last gives the logits. */
  public List<ConvLayer> decoderDeconvs() {
    return Collections.unmodifiableList(deconvs);
  }

  /** All tensors in buffer order. */
  public List<Tensor> tensors() {
    return Collections.unmodifiableList(tensors);
  }

  public List<Layer> encoderLayers() {
    return Collections.unmodifiableList(encoder);
  }

  public Layer head() {
    return head;
  }

  public List<Layer> decoderLayers() {
    return Collections.unmodifiableList(decoder);
  }

  /** The decoder's output layer; null for the convolutional architectures (their last transposed convolution gives the logits). */
  public Layer out() {
    return out;
  }

  /** Total number of parameters. */
  public long size() {
    return total;
  }

  /** The tensor named {@code name}, or an exception listing what exists. */
  public Tensor tensor(String name) {
    for (Tensor t : tensors) if (t.name().equals(name)) return t;
    throw new IllegalArgumentException("no tensor named " + name);
  }
}
