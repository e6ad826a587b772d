package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCommandTest {
  @TempDir static Path dir;
  static Path run;

  @BeforeAll
  static void train() {
    run = dir.resolve("run");
    Cli.Result r = Cli.run("train", "--subset", "100", "--encoder", "8", "--decoder", "8", "--latent", "2",
        "--batch", "10", "--steps", "3", "--quiet", "--device", "cpu", "--out", run.toString());
    assertEquals(0, r.rc(), r.toString());
  }

  @Test
  void writesASeededGridOfTheRequestedSize() throws IOException {
    Path a = dir.resolve("a.png"), b = dir.resolve("b.png"), c = dir.resolve("c.png");
    Cli.Result r = Cli.run("sample", "--checkpoint", run.toString(), "--n", "6", "--seed", "4", "--out", a.toString());
    assertEquals(0, r.rc(), r.toString());
    assertEquals("wrote " + a + " (6 samples, seed 4)", r.out().strip());
    assertEquals(0, Cli.run("sample", "--checkpoint", run.toString(), "--n", "6", "--seed", "4", "--out", b.toString()).rc());
    assertEquals(0, Cli.run("sample", "--checkpoint", run.toString(), "--n", "6", "--seed", "5", "--out", c.toString()).rc());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed, same PNG");
    assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)), "another seed, another PNG");
    BufferedImage img = ImageIO.read(a.toFile());
    assertEquals(3 * 64 + 4 * 2, img.getWidth(), "6 samples → 3 columns of 64 px");
    assertEquals(2 * 64 + 3 * 2, img.getHeight(), "6 samples → 2 rows");
  }

  @Test
  void badCountIsAOneLineError() {
    Cli.Result r = Cli.run("sample", "--checkpoint", run.toString(), "--n", "0", "--out", dir.resolve("z.png").toString());
    assertEquals(Main.USAGE, r.rc());
    assertEquals("betavae sample: --n must be in [1, 4096] but was 0", r.err().strip());
    assertFalse(Files.exists(dir.resolve("z.png")));
  }

  @Test
  void missingCheckpointIsAOneLineError() {
    Cli.Result r = Cli.run("sample", "--checkpoint", dir.resolve("nothing").toString(), "--out", dir.resolve("z.png").toString());
    assertEquals(Main.USAGE, r.rc());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("expected a run directory written by 'train'"), r.err());
  }
}
