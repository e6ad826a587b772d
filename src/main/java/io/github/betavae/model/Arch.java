package io.github.betavae.model;

import io.github.betavae.backend.Conv2d;
import java.util.List;

/**
 * The network's architecture (DESIGN §3; {@code train --arch}). {@code mlp} is the dense network
 * whose widths {@code --encoder/--decoder} give; the convolutional ones take C×64×64 images (NCHW)
 * and fix every layer:
 *
 * <ul>
 *   <li>{@code conv}: disentanglement_lib's {@code conv_encoder} / {@code deconv_decoder} — Conv C→32 k4
 *       s2 p1, 32→32 k4 s2 p1, 32→64 k2 s2, 64→64 k2 s2, flatten 1024, Dense 256, head 2Z; decoder
 *       Dense Z→256→1024, reshape 64×4×4, ConvT 64→64, 64→32, 32→32, 32→C (k4 s2 p1) → logits;
 *   <li>{@code burgess}: Burgess et al. 2018 — four Conv →32 k4 s2 p1, flatten 512, Dense 256, 256,
 *       head 2Z; decoder Dense Z→256→256→512, reshape 32×4×4, four ConvT k4 s2 p1 (32→32, 32→32,
 *       32→32, 32→C).
 * </ul>
 *
 * ReLU after every layer but the head and the last transposed convolution.
 */
public enum Arch {
  MLP,
  CONV,
  BURGESS;

  /** The image side the convolutional architectures take. */
  public static final int SIDE = 64;

  /** One convolution layer: output channels, kernel, stride, padding. */
  record Spec(int out, int kernel, int stride, int pad) {}

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Arch parse(String s) {
    for (Arch a : values()) if (a.id().equals(s)) return a;
    throw new IllegalArgumentException("unknown architecture '" + s + "': expected mlp, conv or burgess");
  }

  public boolean convolutional() {
    return this != MLP;
  }

  private List<Spec> encoderSpecs() {
    return switch (this) {
      case CONV -> List.of(new Spec(32, 4, 2, 1), new Spec(32, 4, 2, 1), new Spec(64, 2, 2, 0), new Spec(64, 2, 2, 0));
      case BURGESS -> List.of(new Spec(32, 4, 2, 1), new Spec(32, 4, 2, 1), new Spec(32, 4, 2, 1), new Spec(32, 4, 2, 1));
      case MLP -> List.of();
    };
  }

  /** Channels of the 4×4 map the decoder's dense layers are reshaped to (and the encoder's last conv gives). */
  public int mapChannels() {
    return this == CONV ? 64 : this == BURGESS ? 32 : 0;
  }

  /** Width of the flattened 4×4 map: 1024 for conv, 512 for burgess. */
  public int flatten() {
    return 16 * mapChannels();
  }

  /** The dense widths after the flatten (encoder) and before the reshape (decoder, ending with {@link #flatten()}). */
  public List<Integer> encoderWidths() {
    return this == CONV ? List.of(256) : this == BURGESS ? List.of(256, 256) : List.of();
  }

  public List<Integer> decoderWidths() {
    return this == CONV ? List.of(256, 1024) : this == BURGESS ? List.of(256, 256, 512) : List.of();
  }

  /** The encoder's convolutions for C×64×64 images at batch 1 ({@link Conv2d} with a batch of 1). */
  public List<Conv2d> encoderConvs(int channels) {
    List<Conv2d> l = new java.util.ArrayList<>();
    int c = channels, side = SIDE;
    for (Spec s : encoderSpecs()) {
      Conv2d conv = Conv2d.conv(1, c, side, side, s.out(), s.kernel(), s.stride(), s.pad());
      l.add(conv);
      c = s.out();
      side = conv.outH();
    }
    return l;
  }

  /** The decoder's transposed convolutions from the 4×4 map to C×64×64, at batch 1. */
  public List<Conv2d> decoderDeconvs(int channels) {
    if (this == MLP) return List.of();
    int[] outs = this == CONV ? new int[] {64, 32, 32, channels} : new int[] {32, 32, 32, channels};
    List<Conv2d> l = new java.util.ArrayList<>();
    int c = mapChannels(), side = 4;
    for (int o : outs) {
      Conv2d t = Conv2d.transposed(1, c, side, side, o, 4, 2, 1);
      l.add(t);
      c = o;
      side = t.outH();
    }
    return l;
  }
}
