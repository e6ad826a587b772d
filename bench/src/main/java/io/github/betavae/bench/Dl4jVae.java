package io.github.betavae.bench;

import io.github.betavae.model.VaeConfig;
import java.util.Map;
import java.util.StringJoiner;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The closest DL4J network to one of our {@link VaeConfig}s: a MultiLayerNetwork holding a single
 * {@link VariationalAutoencoder} layer, trained unsupervised with {@code pretrainLayer}.
 *
 * <p>Where DL4J cannot follow our net exactly (see bench/README.md): one activation serves both
 * encoder and decoder hidden layers; the KL weight is fixed at 1 (no β); μ and log σ² come from two
 * (H,Z) heads instead of one (H,2Z) head, the same parameter count; ε comes from ND4J's global RNG.
 */
final class Dl4jVae {
  private Dl4jVae() {}

  /**
   * Builds and initialises the network for {@code c} (Bernoulli likelihood only), float32, Adam with
   * learning rate {@code lr} and PyTorch's other defaults, {@code hidden} as the one hidden activation.
   */
  static MultiLayerNetwork build(VaeConfig c, Activation hidden, double lr, long seed) {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(lr, 0.9, 0.999, 1e-8))
        .weightInit(WeightInit.XAVIER)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .list()
        .layer(new VariationalAutoencoder.Builder()
            .nIn(c.inputSize())
            .nOut(c.latent())
            .encoderLayerSizes(toArray(c.encoder()))
            .decoderLayerSizes(toArray(c.decoder()))
            .activation(hidden)
            // μ and log σ² are unconstrained linear outputs, as in our encoder head.
            .pzxActivationFunction(Activation.IDENTITY)
            // Sigmoid mean: the decoder output layer emits logits, as ours does.
            .reconstructionDistribution(new BernoulliReconstructionDistribution(Activation.SIGMOID))
            .numSamples(1)
            .build())
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /** One line per parameter tensor: name and shape, for the fork's log. */
  static String paramTable(MultiLayerNetwork net) {
    StringJoiner j = new StringJoiner(", ");
    for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
      j.add(e.getKey() + java.util.Arrays.toString(e.getValue().shape()));
    }
    return j.toString();
  }

  private static int[] toArray(java.util.List<Integer> widths) {
    return widths.stream().mapToInt(Integer::intValue).toArray();
  }
}
