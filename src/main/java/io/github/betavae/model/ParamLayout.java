package io.github.betavae.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where each named tensor lives in the model's single flat parameter buffer. Names and shapes follow
 * PyTorch {@code nn.Linear} (DESIGN §9): {@code encoder.layers.{i}.weight} (out, in), {@code .bias} (out),
 * {@code encoder.head.*}, {@code decoder.layers.{i}.*}, {@code decoder.out.*}. Each layer's weight is
 * immediately followed by its bias.
 */
public final class ParamLayout {

  /** One tensor: name, shape (rows × cols; cols = 0 for a vector) and offset in floats. */
  public record Tensor(String name, int rows, int cols, long offset) {
    public long size() {
      return cols == 0 ? rows : (long) rows * cols;
    }

    public long[] shape() {
      return cols == 0 ? new long[] {rows} : new long[] {rows, cols};
    }
  }

  /** One linear layer: in → out, with weight and bias tensors. */
  public record Layer(String prefix, int in, int out, Tensor weight, Tensor bias) {}

  private final List<Tensor> tensors = new ArrayList<>();
  private final List<Layer> encoder = new ArrayList<>();
  private final List<Layer> decoder = new ArrayList<>();
  private final Layer head;
  private final Layer out;
  private long total;

  public ParamLayout(VaeConfig c) {
    int prev = c.inputSize();
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
    out = add("decoder.out", prev, c.inputSize());
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
