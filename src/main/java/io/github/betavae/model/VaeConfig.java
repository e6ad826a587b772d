package io.github.betavae.model;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import java.util.List;

/**
 * The network and its β, validated on construction and written into every checkpoint's config.json.
 *
 * @param inputSize D, features per sample (4096 for 64×64 dSprites)
 * @param encoder hidden widths of the encoder MLP, input side first
 * @param encoderActivation activation after every encoder hidden layer
 * @param latent Z, latent dimensions; the encoder head outputs 2Z values (μ then log σ²)
 * @param decoder hidden widths of the decoder MLP, latent side first
 * @param decoderActivation activation after every decoder hidden layer
 * @param likelihood reconstruction likelihood; the decoder output is logits (Bernoulli) or means
 * @param beta weight of the KL term, β ≥ 0
 * @param arch the architecture; for the convolutional ones the widths above are the dense layers
 *     after the flatten and before the reshape, fixed by it
 * @param channels C of C×64×64 images for the convolutional architectures (1 for an MLP)
 */
public record VaeConfig(int inputSize, List<Integer> encoder, Activation encoderActivation, int latent,
                        List<Integer> decoder, Activation decoderActivation, Likelihood likelihood, double beta,
                        Arch arch, int channels) {

  /** A dense network ({@link Arch#MLP}). */
  public VaeConfig(int inputSize, List<Integer> encoder, Activation encoderActivation, int latent,
                   List<Integer> decoder, Activation decoderActivation, Likelihood likelihood, double beta) {
    this(inputSize, encoder, encoderActivation, latent, decoder, decoderActivation, likelihood, beta, Arch.MLP, 1);
  }

  /**
   * A convolutional network ({@link Arch#CONV} or {@link Arch#BURGESS}) for C×64×64 images: every
   * layer fixed by the architecture, ReLU throughout.
   */
  public static VaeConfig convolutional(Arch arch, int channels, int latent, Likelihood likelihood, double beta) {
    if (!arch.convolutional()) throw new IllegalArgumentException("architecture " + arch.id() + " is not convolutional");
    return new VaeConfig(channels * Arch.SIDE * Arch.SIDE, arch.encoderWidths(), Activation.RELU, latent, arch.decoderWidths(),
        Activation.RELU, likelihood, beta, arch, channels);
  }

  public VaeConfig {
    if (arch == null) arch = Arch.MLP;
    if (arch.convolutional()) {
      if (channels < 1 || (long) channels * Arch.SIDE * Arch.SIDE != inputSize) {
        throw new IllegalArgumentException("the " + arch.id() + " architecture takes C×64×64 images (C·4096 values) but the input has "
            + inputSize + " values per sample" + (channels >= 1 ? " and " + channels + " channel(s)" : ""));
      }
      if (!encoder.equals(arch.encoderWidths()) || !decoder.equals(arch.decoderWidths())) {
        throw new IllegalArgumentException("the " + arch.id() + " architecture has dense widths " + arch.encoderWidths() + " / "
            + arch.decoderWidths() + " but found " + encoder + " / " + decoder);
      }
    } else {
      channels = 1;
    }
    if (inputSize < 1) throw new IllegalArgumentException("input size must be ≥ 1 but was " + inputSize);
    if (latent < 1) throw new IllegalArgumentException("latent size must be ≥ 1 but was " + latent);
    if (!(beta >= 0) || Double.isInfinite(beta)) throw new IllegalArgumentException("beta must be a finite number ≥ 0 but was " + beta);
    encoder = List.copyOf(encoder);
    decoder = List.copyOf(decoder);
    for (int w : encoder) if (w < 1) throw new IllegalArgumentException("encoder widths must be ≥ 1 but found " + w);
    for (int w : decoder) if (w < 1) throw new IllegalArgumentException("decoder widths must be ≥ 1 but found " + w);
    if (encoderActivation == null || decoderActivation == null || likelihood == null) {
      throw new IllegalArgumentException("activations and likelihood must be given");
    }
    long p = parameterCount(inputSize, encoder, latent, decoder, arch, channels);
    if (p > MAX_ELEMENTS) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the network %d-%s-[%d]-%s-%d has %,d parameters, "
          + "more than one buffer holds (%,d)", inputSize, encoder, latent, decoder, inputSize, p, MAX_ELEMENTS));
    }
  }

  /** The most elements one buffer (a Java array) may hold. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** Weights and biases of the network, counted in long so that no size overflows. */
  private static long parameterCount(int d, List<Integer> enc, int z, List<Integer> dec, Arch arch, int channels) {
    long total = 0;
    for (io.github.betavae.backend.Conv2d c : arch.encoderConvs(channels)) total += c.weightSize() + c.outC();
    for (io.github.betavae.backend.Conv2d c : arch.decoderDeconvs(channels)) total += c.weightSize() + c.outC();
    int prev = arch.convolutional() ? arch.flatten() : d;
    for (int h : enc) {
      total += (long) prev * h + h;
      prev = h;
    }
    total += (long) prev * 2 * z + 2L * z;
    prev = z;
    for (int h : dec) {
      total += (long) prev * h + h;
      prev = h;
    }
    // decoder.out, which the convolutional decoders do without (their last transposed convolution gives the logits)
    return arch.convolutional() ? total : total + (long) prev * d + d;
  }


  /** Weights and biases of this network. */
  public long parameterCount() {
    return parameterCount(inputSize, encoder, latent, decoder, arch, channels);
  }

  /** The widest activation of one sample: the largest of D, 2Z and the hidden widths. */
  public long widest() {
    long w = Math.max(inputSize, 2L * latent);
    for (io.github.betavae.backend.Conv2d c : arch.encoderConvs(channels)) w = Math.max(w, c.outSize());
    for (io.github.betavae.backend.Conv2d c : arch.decoderDeconvs(channels)) w = Math.max(w, c.outSize());
    for (int h : encoder) w = Math.max(w, h);
    for (int h : decoder) w = Math.max(w, h);
    return w;
  }

  /** Values the model's workspace holds per sample of a batch: inputs, activations, their gradients, logits. */
  public long workspacePerSample() {
    long hidden = 0;
    for (int h : encoder) hidden += h;
    for (int h : decoder) hidden += h;
    for (io.github.betavae.backend.Conv2d c : arch.encoderConvs(channels)) hidden += c.outSize();
    for (io.github.betavae.backend.Conv2d c : arch.decoderDeconvs(channels)) hidden += c.outSize();
    return 3L * inputSize + 2 * hidden + 6L * latent + 1;
  }

  /** Higgins et al. 2017's dSprites network: 4096 → 1200-1200 ReLU → 10 → 1200-1200-1200 tanh → 4096, Bernoulli, β=4. */
  public static VaeConfig higgins() {
    return new VaeConfig(4096, List.of(1200, 1200), Activation.RELU, 10,
        List.of(1200, 1200, 1200), Activation.TANH, Likelihood.BERNOULLI, 4.0);
  }

  public VaeConfig withBeta(double b) {
    return new VaeConfig(inputSize, encoder, encoderActivation, latent, decoder, decoderActivation, likelihood, b, arch, channels);
  }

  public VaeConfig withLatent(int z) {
    return new VaeConfig(inputSize, encoder, encoderActivation, z, decoder, decoderActivation, likelihood, beta, arch, channels);
  }

  public VaeConfig withInputSize(int d) {
    return new VaeConfig(d, encoder, encoderActivation, latent, decoder, decoderActivation, likelihood, beta);
  }
}
