package io.github.betavae.loss;

/** Checks shared by the objectives. */
final class Objectives {
  private Objectives() {}

  static void checkSizes(String what, double[] klPerDim, float[] klCoef) {
    if (klPerDim.length != klCoef.length) {
      throw new IllegalArgumentException(what + ": expected one KL coefficient per latent dimension ("
          + klPerDim.length + ") but found " + klCoef.length);
    }
  }
}
