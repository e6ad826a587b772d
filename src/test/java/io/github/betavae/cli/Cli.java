package io.github.betavae.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the command line in-process and captures its exit code, stdout and stderr. */
final class Cli {
  record Result(int rc, String out, String err) {
    /** Non-empty stderr lines. */
    List<String> errLines() {
      List<String> l = new ArrayList<>();
      for (String s : err.split("\\R")) if (!s.isBlank()) l.add(s);
      return l;
    }

    @Override
    public String toString() {
      return "exit " + rc + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Cli() {}

  static Result run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(rc, out.toString(), err.toString());
  }

  static Result run(List<String> args) {
    return run(args.toArray(new String[0]));
  }

  /** Concatenates argument lists. */
  @SafeVarargs
  static List<String> args(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> p : parts) all.addAll(p);
    return all;
  }

  static List<String> args(String... a) {
    return new ArrayList<>(Arrays.asList(a));
  }
}
