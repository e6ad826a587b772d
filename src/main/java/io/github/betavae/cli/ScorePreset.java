package io.github.betavae.cli;

import io.github.betavae.metrics.Disentanglement;
import java.util.Locale;

/**
 * Named sample counts for the disentanglement metrics. {@code default} is disentanglement_lib's
 * (β-VAE and FactorVAE metrics: batches of 64, 10,000 training and 5,000 evaluation points; FactorVAE's
 * variances from 10,000 points; MIG on 10,000 points): the numbers papers report, about 2.9 million
 * encoded images (β-VAE metric 15,000 × 2 × 64 = 1.92 M, FactorVAE 15,000 × 64 + 10,000 = 0.97 M, MIG
 * 10,000). {@code small} uses batches of 16, 500 training and 250 evaluation points, 2,000 points for
 * the variances and 2,000 for MIG (24,000 + 14,000 + 2,000 = 40,000 encoded images, some 70 times
 * less): a quick look
 * whose scores are noisier, about ±0.03 on the classifier metrics (the binomial standard error of 250
 * evaluation points), and not comparable with published numbers.
 */
enum ScorePreset {
  SMALL(Disentanglement.Counts.of(16, 500, 250, 2000, 2000)),
  DEFAULT(Disentanglement.Counts.DEFAULT);

  final Disentanglement.Counts counts;

  ScorePreset(Disentanglement.Counts counts) {
    this.counts = counts;
  }

  /** The preset named {@code s} (small or default). */
  static ScorePreset parse(String s, String flag) {
    for (ScorePreset p : values()) if (p.id().equals(s.toLowerCase(Locale.ROOT))) return p;
    throw new IllegalArgumentException(flag + ": expected small or default but found " + s);
  }

  String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
