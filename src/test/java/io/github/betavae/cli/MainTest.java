package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The top-level command, info and help. */
class MainTest {

  @Test
  void infoListsVersionJavaCoresAndBackends() {
    Cli.Result r = Cli.run("info");
    assertEquals(0, r.rc(), r.toString());
    String[] lines = r.out().split("\\R");
    assertTrue(lines[0].startsWith("betavae "), r.out());
    assertTrue(lines[1].startsWith("java " + System.getProperty("java.version")), r.out());
    assertTrue(r.out().contains(Runtime.getRuntime().availableProcessors() + " cores"), r.out());
    assertTrue(r.out().contains("  cpu: pure Java"), r.out());
    assertTrue(r.out().contains("  cuda: "), r.out());
    assertTrue(r.out().contains("  cuda-emu: "), r.out());
  }

  @Test
  void helpNamesEveryCommandAndTrainHelpShowsHigginsDefaults() {
    Cli.Result r = Cli.run("--help");
    assertEquals(0, r.rc());
    for (String c : new String[] {"train", "eval", "sample", "score", "sweep", "info"}) assertTrue(r.out().contains("  " + c), r.out());
    Cli.Result t = Cli.run("train", "--help");
    assertEquals(0, t.rc());
    assertTrue(t.out().contains("Default: 1200,1200\n") || t.out().contains("Default: 1200,1200\r"), t.out());
    assertTrue(t.out().contains("Default: 1200,1200,1200"), t.out());
    assertTrue(t.out().contains("--beta=<beta>") && t.out().contains("Default: 4.0"), t.out());
    assertTrue(t.out().contains("unit-free squared error"), "help says what the Gaussian likelihood is");
  }

  /** Every command's help formats cleanly: picocli warns on stderr about a stray '%' in a description. */
  @Test
  void helpTextsFormatWithoutWarnings() {
    java.io.PrintStream old = System.err;
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    String train;
    try {
      train = Cli.run("train", "--help").out();
      for (String c : new String[] {"eval", "sample", "traverse", "score", "sweep", "info"}) Cli.run(c, "--help");
    } finally {
      System.setErr(old);
    }
    String warnings = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(!warnings.contains("picocli WARN"), warnings);
    assertTrue(train.contains("about every 5% of the"), train);
  }

  @Test
  void noCommandOrUnknownCommandIsAUsageError() {
    Cli.Result none = Cli.run();
    assertEquals(Main.USAGE, none.rc());
    assertEquals("betavae: missing command: expected train, eval, sample, traverse, score, sweep, info or help (see 'betavae --help')", none.err().strip());
    Cli.Result bad = Cli.run("fly");
    assertEquals(Main.USAGE, bad.rc());
    assertEquals(1, bad.errLines().size(), bad.err());
    assertTrue(bad.err().contains("'fly'"), bad.err());
  }

  @Test
  void versionFlagPrintsTheVersion() {
    Cli.Result r = Cli.run("--version");
    assertEquals(0, r.rc());
    assertTrue(r.out().startsWith("betavae " + BuildInfo.version()), r.out());
  }
}
