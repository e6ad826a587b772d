package io.github.betavae.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code betavae} command line. Commands throw; this class alone turns failures into one line on
 * stderr and an exit code (2 for anything the user can fix, as DESIGN §10 asks), with the stack
 * trace only under {@code --verbose}.
 */
@Command(name = "betavae", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
    description = "Trains and evaluates β-VAEs (Higgins et al. 2017) on the CPU.",
    subcommands = {TrainCommand.class, EvalCommand.class, SampleCommand.class, TraverseCommand.class, ScoreCommand.class,
        SweepCommand.class, InfoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code for bad input: invalid values, missing files, unusable devices. */
  public static final int USAGE = 2;
  /** Exit code when training meets a NaN or ±∞ (and --skip-nonfinite is not given). */
  public static final int NON_FINITE = 3;
  /** Exit code for failures that are not the user's (a bug); the message asks for --verbose. */
  public static final int INTERNAL = 1;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: expected train, eval, sample, traverse, score, sweep, info or help");
  }

  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs one command line with the given streams and returns its exit code; never exits the JVM. */
  /**
   * Asks every {@code train} running in this process (through {@link #execute}) to stop at its next
   * step boundary and save its checkpoint, as SIGTERM does; each then exits 143 and can be resumed.
   * For code that embeds the command line (a Spark task, a test's fault hook).
   */
  public static void requestStop(String why) {
    StopSignals.raise(why);
  }

  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // The last of a repeated option wins, as in most tools, so scripts can append overrides.
    cl.setOverwrittenOptionsAllowed(true);
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      String name = c.getCommandSpec().qualifiedName();
      String msg = oneLine(ex.getMessage());
      if (ex instanceof CommandLine.UnmatchedArgumentException && c.getCommandSpec().parent() == null
          && a.length > 0 && !a[0].startsWith("-")) {
        msg = "unknown command '" + a[0] + "': expected one of " + String.join(", ", c.getSubcommands().keySet());
      }
      err.println(name + ": " + msg + " (see '" + name + " --help')");
      if (verbose) ex.printStackTrace(err);
      err.flush();
      return USAGE;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      String name = c.getCommandSpec().qualifiedName();
      if (ex instanceof io.github.betavae.train.StoppedException stop) {
        err.println(name + ": " + oneLine(ex.getMessage()));
        err.flush();
        return stop.exitCode();
      }
      if (ex instanceof io.github.betavae.train.NonFiniteException) {
        err.println(name + ": " + oneLine(ex.getMessage()) + "; the last checkpoint is kept (lower --lr, check the data, "
            + "or pass --skip-nonfinite)");
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return NON_FINITE;
      }
      boolean user = isUserError(ex);
      String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : oneLine(ex.getMessage());
      if (ex instanceof java.nio.file.NoSuchFileException) msg = "no such file: " + msg;
      err.println(name + ": " + (user ? "" : "internal error: ") + msg + (user || verbose ? "" : " (run with --verbose for details)"));
      if (verbose) ex.printStackTrace(err);
      err.flush();
      return user ? USAGE : INTERNAL;
    });
    int rc;
    try {
      rc = cl.execute(args);
    } catch (VirtualMachineError | LinkageError e) {
      // Past picocli's handlers: out of memory, a mapped file cut short under us, a broken install.
      String name = args.length > 0 && !args[0].startsWith("-") ? "betavae " + args[0] : "betavae";
      err.println(name + ": " + describeFatal(e) + (verbose ? "" : " (run with --verbose for details)"));
      if (verbose) e.printStackTrace(err);
      rc = INTERNAL;
    }
    out.flush();
    err.flush();
    return rc;
  }

  /** One line for an error the JVM raised, saying what to do about it. */
  static String describeFatal(Throwable e) {
    Runtime rt = Runtime.getRuntime();
    if (e instanceof OutOfMemoryError) {
      return "out of memory (" + oneLine(String.valueOf(e.getMessage())) + "; the JVM may use " + rt.maxMemory() / (1024 * 1024)
          + " MiB): lower --batch or the network's widths, or give java more memory with -Xmx";
    }
    if (e instanceof InternalError) {
      return "internal error: " + oneLine(String.valueOf(e.getMessage())) + " (a memory-mapped data file may have been"
          + " truncated or rewritten while it was read; keep data files unchanged while a command uses them)";
    }
    if (e instanceof StackOverflowError) return "internal error: stack overflow";
    String fonts = io.github.betavae.viz.FontRenderer.problem(e);
    if (fonts != null) return fonts;
    return "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage()));
  }

  /** Problems with the input, the files or the environment, as opposed to bugs. */
  static boolean isUserError(Exception e) {
    return e instanceof IllegalArgumentException || e instanceof java.io.IOException
        || e instanceof java.io.UncheckedIOException || e instanceof IllegalStateException
        || e instanceof UnsupportedOperationException || e instanceof io.github.betavae.data.DataFormatException
        || e instanceof io.github.betavae.backend.DeviceUnavailableException
        || e instanceof IndexOutOfBoundsException;
  }

  static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}
