package io.github.betavae.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void replacesContentAndLeavesNoTemporaryFiles() throws IOException {
    Path f = dir.resolve("config.json");
    AtomicFiles.write(f, "first".getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(f, "second".getBytes(StandardCharsets.UTF_8));
    assertEquals("second", Files.readString(f));
    assertEquals(List.of("config.json"), names());
  }

  @Test
  void failedWriteKeepsOldContentAndRemovesTemporaryFile() throws IOException {
    Path f = dir.resolve("model.safetensors");
    AtomicFiles.write(f, new byte[] {1, 2, 3});
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
      out.write(new byte[] {9, 9});
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    assertEquals(List.of("model.safetensors"), names());
  }

  @Test
  void checkpointSaveLeavesOnlyTheThreeFiles() throws IOException {
    io.github.betavae.model.VaeConfig c = new io.github.betavae.model.VaeConfig(4, List.of(3),
        io.github.betavae.backend.Activation.RELU, 2, List.of(3), io.github.betavae.backend.Activation.TANH,
        io.github.betavae.backend.Likelihood.BERNOULLI, 1.0);
    try (var be = new io.github.betavae.backend.cpu.CpuBackend(1);
         var vae = new io.github.betavae.model.BetaVae(c, be)) {
      vae.initialize(1);
      var adam = new io.github.betavae.optim.Adam(be, io.github.betavae.optim.Adam.Config.defaults(1e-3), vae.layout().size());
      Checkpoint.save(dir, vae, adam, CheckpointTest.config(c, 0));
      Checkpoint.save(dir, vae, adam, CheckpointTest.config(c, 1));
    }
    assertEquals(List.of("config.json", "model.safetensors", "optimizer.safetensors"), names());
  }
}
