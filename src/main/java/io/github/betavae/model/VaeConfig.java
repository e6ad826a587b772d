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
 */
public record VaeConfig(int inputSize, List<Integer> encoder, Activation encoderActivation, int latent,
                        List<Integer> decoder, Activation decoderActivation, Likelihood likelihood, double beta) {

  public VaeConfig {
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
    long p = parameterCount(inputSize, encoder, latent, decoder);
    if (p > MAX_ELEMENTS) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the network %d-%s-[%d]-%s-%d has %,d parameters, "
          + "more than one buffer holds (%,d)", inputSize, encoder, latent, decoder, inputSize, p, MAX_ELEMENTS));
    }
  }

  /** The most elements one buffer (a Java array) may hold. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** Weights and biases of the network, counted in long so that no size overflows. */
  private static long parameterCount(int d, List<Integer> enc, int z, List<Integer> dec) {
    long total = 0;
    int prev = d;
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
    return total + (long) prev * d + d;
  }

  /** Weights and biases of this network. */
  public long parameterCount() {
    return parameterCount(inputSize, encoder, latent, decoder);
  }

  /** The widest activation of one sample: the largest of D, 2Z and the hidden widths. */
  public long widest() {
    long w = Math.max(inputSize, 2L * latent);
    for (int h : encoder) w = Math.max(w, h);
    for (int h : decoder) w = Math.max(w, h);
    return w;
  }

  /** Values the model's workspace holds per sample of a batch: inputs, activations, their gradients, logits. */
  public long workspacePerSample() {
    long hidden = 0;
    for (int h : encoder) hidden += h;
    for (int h : decoder) hidden += h;
    return 3L * inputSize + 2 * hidden + 6L * latent + 1;
  }

  /** Higgins et al. 2017's dSprites network: 4096 → 1200-1200 ReLU → 10 → 1200-1200-1200 tanh → 4096, Bernoulli, β=4. */
  public static VaeConfig higgins() {
    return new VaeConfig(4096, List.of(1200, 1200), Activation.RELU, 10,
        List.of(1200, 1200, 1200), Activation.TANH, Likelihood.BERNOULLI, 4.0);
  }

  public VaeConfig withBeta(double b) {
    return new VaeConfig(inputSize, encoder, encoderActivation, latent, decoder, decoderActivation, likelihood, b);
  }

  public VaeConfig withLatent(int z) {
    return new VaeConfig(inputSize, encoder, encoderActivation, z, decoder, decoderActivation, likelihood, beta);
  }

  public VaeConfig withInputSize(int d) {
    return new VaeConfig(d, encoder, encoderActivation, latent, decoder, decoderActivation, likelihood, beta);
  }
}
