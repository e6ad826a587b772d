package io.github.betavae.bench;

import io.github.betavae.model.Arch;
import io.github.betavae.model.VaeConfig;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Our {@code --arch conv} network (disentanglement_lib's conv encoder / deconv decoder, DESIGN §3)
 * built from DL4J's own layers, for the CPU peer benchmark: DL4J has no convolutional VAE layer, so
 * the VAE is a {@link ComputationGraph}.
 *
 * <pre>
 * x (1×64×64) → Conv 32 k4 s2 p1 → Conv 32 k4 s2 p1 → Conv 64 k2 s2 → Conv 64 k2 s2 → Dense 256
 *   → head (2Z, linear) ─┬→ μ = head[0, Z)   ─────────────────────────────┐
 *                        ├→ log σ² = head[Z, 2Z) → σ = exp(½·log σ²) → σ·ε ─┴→ z = μ + σ·ε
 *                        └→ "kl" output: β·KL(N(μ, σ²) ‖ N(0, I))  (ε: the graph's second input)
 * z → Dense 256 → Dense 1024 → reshape 64×4×4 → ConvT 64, 32, 32, 1 (k4 s2 p1) → "recon" output:
 *   Bernoulli cross-entropy of sigmoid(logits) against x
 * </pre>
 *
 * ReLU after every hidden layer, as ours. Every layer is DL4J's ({@code ConvolutionLayer},
 * {@code Deconvolution2D}, {@code DenseLayer}, subset and element-wise vertices); the two pieces DL4J
 * lacks are written here: σ = exp(½·log σ²) as an {@link IActivation}, and the KL term as an
 * {@link ILossFunction} on the head. ε is drawn by ND4J outside the graph each step (ours draws its ε
 * inside the step; both are timed). Adam with PyTorch's defaults. Differences that do not change the
 * work: DL4J's weight init (Xavier), and its losses are means over the batch.
 */
final class Dl4jConvVae {
  private Dl4jConvVae() {}

  /** Builds and initialises the graph for {@code c} (arch conv, Bernoulli), float32, Adam(lr). */
  static ComputationGraph build(VaeConfig c, double lr, long seed) {
    if (c.arch() != Arch.CONV) throw new IllegalArgumentException("only --arch conv is mirrored");
    int z = c.latent(), ch = c.channels();
    ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(lr, 0.9, 0.999, 1e-8))
        .weightInit(WeightInit.XAVIER)
        .convolutionMode(ConvolutionMode.Truncate)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .graphBuilder()
        .addInputs("x", "eps")
        .setInputTypes(InputType.convolutional(Arch.SIDE, Arch.SIDE, ch), InputType.feedForward(z));
    String prev = "x";
    int[][] enc = {{32, 4, 2, 1}, {32, 4, 2, 1}, {64, 2, 2, 0}, {64, 2, 2, 0}};
    for (int i = 0; i < enc.length; i++) {
      int[] s = enc[i];
      g.addLayer("enc" + i, new ConvolutionLayer.Builder(s[1], s[1]).stride(s[2], s[2]).padding(s[3], s[3])
          .nOut(s[0]).activation(Activation.RELU).build(), prev);
      prev = "enc" + i;
    }
    g.addLayer("encDense", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), prev);
    g.addLayer("head", new DenseLayer.Builder().nOut(2 * z).activation(Activation.IDENTITY).build(), "encDense");
    g.addVertex("mu", new SubsetVertex(0, z - 1), "head");
    g.addVertex("logvar", new SubsetVertex(z, 2 * z - 1), "head");
    g.addLayer("sigma", new ActivationLayer.Builder().activation(new HalfExp()).build(), "logvar");
    g.addVertex("noise", new ElementWiseVertex(ElementWiseVertex.Op.Product), "sigma", "eps");
    g.addVertex("z", new ElementWiseVertex(ElementWiseVertex.Op.Add), "mu", "noise");
    g.addLayer("kl", new LossLayer.Builder(new GaussianKl(z, c.beta())).activation(Activation.IDENTITY).build(), "head");
    g.addLayer("dec0", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), "z");
    g.addLayer("dec1", new DenseLayer.Builder().nOut(1024).activation(Activation.RELU).build(), "dec0");
    int[] outs = {64, 32, 32, ch};
    prev = "dec1";
    for (int i = 0; i < outs.length; i++) {
      boolean last = i == outs.length - 1;
      g.addLayer("deconv" + i, new Deconvolution2D.Builder(4, 4).stride(2, 2).padding(1, 1).nOut(outs[i])
          .activation(last ? Activation.IDENTITY : Activation.RELU).build(), prev);
      prev = "deconv" + i;
    }
    g.inputPreProcessor("deconv0", new FeedForwardToCnnPreProcessor(4, 4, 64));
    g.addLayer("recon", new CnnLossLayer.Builder(LossFunctions.LossFunction.XENT)
        .activation(Activation.SIGMOID).build(), prev);
    g.setOutputs("recon", "kl");
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return net;
  }

  /**
   * Largest relative difference between {@link GaussianKl}'s gradient and central differences of its
   * score on a small random head output (ND4J float32, step 1e-2): a check that the KL term the peer
   * trains with is the one its gradient follows. About 1e-3 when right.
   */
  static double klGradientError() {
    int z = 3;
    GaussianKl kl = new GaussianKl(z, 4);
    IActivation id = Activation.IDENTITY.getActivationFunction();
    INDArray pre = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 2, 2 * z).subi(0.5).muli(2);
    INDArray labels = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 2, 2 * z);
    INDArray grad = kl.computeGradient(labels, pre, id, null);
    double worst = 0, h = 1e-2;
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2 * z; j++) {
        float v = pre.getFloat(i, j);
        pre.putScalar(i, j, v + h);
        double up = kl.computeScore(labels, pre, id, null, false);
        pre.putScalar(i, j, v - h);
        double down = kl.computeScore(labels, pre, id, null, false);
        pre.putScalar(i, j, v);
        double fd = (up - down) / (2 * h), an = grad.getDouble(i, j);
        worst = Math.max(worst, Math.abs(fd - an) / Math.max(1, Math.abs(fd)));
      }
    }
    return worst;
  }

  /** Parameter names and shapes, for the fork's log. */
  static String paramTable(ComputationGraph net) {
    StringBuilder b = new StringBuilder();
    net.paramTable().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k)
        .append(java.util.Arrays.toString(v.shape())));
    return b.toString();
  }

  /** The layer names in graph order (for tests of the structure). */
  static List<String> layers(ComputationGraph net) {
    return java.util.Arrays.stream(net.getLayers()).map(l -> l.conf().getLayer().getLayerName()).toList();
  }

  /** σ = exp(½·x): the standard deviation from log σ². */
  public static final class HalfExp extends BaseActivationFunction {
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
      return Transforms.exp(in.muli(0.5), false);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
      assertShape(in, epsilon);
      INDArray d = Transforms.exp(in.mul(0.5), false).muli(0.5);
      return new Pair<>(epsilon.muli(d), null);
    }

    @Override
    public String toString() {
      return "halfexp";
    }
  }

  /**
   * β·KL(N(μ, σ²) ‖ N(0, I)) per example, from the head's output [μ, log σ²] (the "labels" are
   * ignored): ½·Σ (μ² + σ² − 1 − log σ²).
   */
  public static final class GaussianKl implements ILossFunction {
    private int latent;
    private double beta;

    public GaussianKl() {}

    GaussianKl(int latent, double beta) {
      this.latent = latent;
      this.beta = beta;
    }

    public int getLatent() {
      return latent;
    }

    public void setLatent(int latent) {
      this.latent = latent;
    }

    public double getBeta() {
      return beta;
    }

    public void setBeta(double beta) {
      this.beta = beta;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray pre, IActivation act, INDArray mask) {
      INDArray out = act.getActivation(pre.dup(), true);
      INDArray mu = out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, latent));
      INDArray lv = out.get(NDArrayIndex.all(), NDArrayIndex.interval(latent, 2 * latent));
      INDArray terms = mu.mul(mu).addi(Transforms.exp(lv, true)).subi(1).subi(lv);
      return terms.sum(1).muli(0.5 * beta).reshape(-1, 1);
    }

    @Override
    public double computeScore(INDArray labels, INDArray pre, IActivation act, INDArray mask, boolean average) {
      INDArray a = computeScoreArray(labels, pre, act, mask);
      double s = a.sumNumber().doubleValue();
      return average ? s / a.size(0) : s;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray pre, IActivation act, INDArray mask) {
      INDArray out = act.getActivation(pre.dup(), true);
      INDArray grad = out.dup();
      INDArray mu = out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, latent));
      INDArray lv = out.get(NDArrayIndex.all(), NDArrayIndex.interval(latent, 2 * latent));
      grad.get(NDArrayIndex.all(), NDArrayIndex.interval(0, latent)).assign(mu.mul(beta));
      grad.get(NDArrayIndex.all(), NDArrayIndex.interval(latent, 2 * latent))
          .assign(Transforms.exp(lv, true).subi(1).muli(0.5 * beta));
      return act.backprop(pre.dup(), grad).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray pre, IActivation act,
                                                          INDArray mask, boolean average) {
      return new Pair<>(computeScore(labels, pre, act, mask, average), computeGradient(labels, pre, act, mask));
    }

    @Override
    public String name() {
      return "gaussian_kl";
    }

    @Override
    public String toString() {
      return "GaussianKl(latent=" + latent + ", beta=" + beta + ")";
    }
  }
}
