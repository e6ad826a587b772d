package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traverse command on a run trained in-process, and the figures train writes for it. */
class TraverseCommandTest {
  @TempDir static Path dir;
  static Path run;

  @BeforeAll
  static void train() {
    run = dir.resolve("run");
    Cli.Result r = Cli.run("train", "--subset", "100", "--encoder", "8", "--decoder", "8", "--latent", "2",
        "--batch", "10", "--steps", "3", "--quiet", "--device", "cpu", "--out", run.toString());
    assertEquals(0, r.rc(), r.toString());
  }

  static int distinct(BufferedImage img) {
    Set<Integer> c = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) c.add(img.getRGB(x, y));
    return c.size();
  }

  @Test
  void trainWritesCurvesAndTraversals() throws IOException {
    BufferedImage curves = ImageIO.read(run.resolve(TrainRun.CURVES).toFile());
    assertEquals(io.github.betavae.viz.Plots.WIDTH, curves.getWidth());
    assertEquals(2 * io.github.betavae.viz.Plots.PANEL_HEIGHT, curves.getHeight());
    assertTrue(distinct(curves) > 10);
    BufferedImage t = ImageIO.read(run.resolve(TrainRun.TRAVERSALS).toFile());
    assertEquals(io.github.betavae.viz.Traversals.MARGIN + 10 * 64 + 11 * 2, t.getWidth(), "10 steps of 64×64");
    assertEquals(2 * 64 + 3 * 2, t.getHeight(), "2 latent dimensions");
    assertTrue(distinct(t) > 2);
  }

  @Test
  void writesASeededTraversal() throws IOException {
    Path a = dir.resolve("a.png"), b = dir.resolve("b.png");
    Cli.Result r = Cli.run("traverse", "--checkpoint", run.toString(), "--index", "7", "--steps", "5", "--range", "2",
        "--reference", "50", "--device", "cpu", "--out", a.toString());
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().startsWith("wrote " + a + " (input 7; rows by KL in nats: z"), r.out());
    BufferedImage img = ImageIO.read(a.toFile());
    assertEquals(io.github.betavae.viz.Traversals.MARGIN + 5 * 64 + 6 * 2, img.getWidth());
    assertEquals(2 * 64 + 3 * 2, img.getHeight());
    assertEquals(0, Cli.run("traverse", "--checkpoint", run.toString(), "--index", "7", "--steps", "5", "--range", "2",
        "--reference", "50", "--device", "cpu", "--out", b.toString()).rc());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same arguments, same PNG");
  }

  @Test
  void badCheckpointIsAOneLineError() {
    Path z = dir.resolve("z.png");
    Cli.Result r = Cli.run("traverse", "--checkpoint", dir.resolve("nothing").toString(), "--device", "cpu", "--out", z.toString());
    assertEquals(Main.USAGE, r.rc());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("betavae traverse: "), r.err());
    assertFalse(Files.exists(z));
  }

  @Test
  void badValuesAreOneLineErrors() {
    Path z = dir.resolve("z.png");
    Cli.Result r = Cli.run("traverse", "--checkpoint", run.toString(), "--steps", "1", "--out", z.toString());
    assertEquals(Main.USAGE, r.rc());
    assertTrue(r.err().contains("expected 2 to 100 steps but found 1"), r.err());
    r = Cli.run("traverse", "--checkpoint", run.toString(), "--index", "737280", "--device", "cpu", "--out", z.toString());
    assertEquals(Main.USAGE, r.rc());
    assertEquals("betavae traverse: --index: expected a sample in [0, 737280) but found 737280", r.err().strip());
    assertFalse(Files.exists(z));
  }
}
