package io.github.betavae.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.data.Npy;
import io.github.betavae.metrics.Evaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our convolutional networks compute what PyTorch's modules compute with the same weights. The
 * expected numbers were produced once by {@code bench/torch_vae.py --check} through its numpy path
 * (nn.Conv2d / nn.ConvTranspose2d written out from PyTorch's definitions, in float64) on the
 * checkpoint and input {@link #main} writes: a seeded, untrained model of each architecture (every
 * layer's weights random, so every layer counts) and 24 seeded binary 1×64×64 images. To regenerate:
 * run {@code main DIR}, then {@code torch_vae.py --check DIR/ARCH --input DIR/input.npy} for each
 * ARCH, with numpy, or PyTorch where installed (it then also loads the file with strict=True).
 */
class ConvTorchFixtureTest {
  @TempDir Path dir;

  /** recon, kl per sample (posterior mean z = μ) from torch_vae.py's numpy path. */
  private static final double[][] EXPECTED = {
    {2959.408812896943, 0.006612230008695925},  // conv
    {2728.8856528709157, 0.013614940613100032},  // burgess
  };

  static void write(Path dir) throws IOException {
    for (Arch arch : new Arch[] {Arch.CONV, Arch.BURGESS}) {
      VaeConfig c = VaeConfig.convolutional(arch, 1, 10, Likelihood.BERNOULLI, 4);
      try (CpuBackend be = new CpuBackend(1); BetaVae m = new BetaVae(c, be)) {
        m.initialize(arch == Arch.CONV ? 21 : 22);
        Path run = dir.resolve(arch.id());
        java.nio.file.Files.createDirectories(run);
        Checkpoint.writeModel(run.resolve(Checkpoint.MODEL), m.layout(), m.paramsToHost());
      }
    }
    Npy.writeUint8(dir.resolve("input.npy"), input(), 24, 64, 64);
  }

  private static byte[] input() {
    byte[] b = new byte[24 * 4096];
    Random r = new Random(5);
    for (int i = 0; i < b.length; i++) b[i] = (byte) (r.nextInt(4) == 0 ? 1 : 0);
    return b;
  }

  public static void main(String[] args) throws IOException {
    write(Path.of(args[0]));
  }

  @Test
  void evalMatchesPyTorchsDefinitionsOnTheSameWeights() throws IOException {
    write(dir);
    io.github.betavae.data.Dataset data = io.github.betavae.data.NpyDataset.open(dir.resolve("input.npy"));
    for (Arch arch : new Arch[] {Arch.CONV, Arch.BURGESS}) {
      VaeConfig c = VaeConfig.convolutional(arch, 1, 10, Likelihood.BERNOULLI, 4);
      try (CpuBackend be = new CpuBackend(2); BetaVae m = new BetaVae(c, be)) {
        m.loadParams(Checkpoint.readModel(dir.resolve(arch.id()).resolve(Checkpoint.MODEL), m.layout()));
        Evaluator.Result r = Evaluator.evaluate(m, data, true, 0, 8);
        double[] e = EXPECTED[arch.ordinal() - 1];
        assertEquals(e[0], r.recon(), 1e-5 * Math.abs(e[0]), arch.id() + " recon");
        assertEquals(e[1], r.kl(), 1e-5 * Math.abs(e[1]) + 1e-9, arch.id() + " kl");
      }
    }
  }
}
