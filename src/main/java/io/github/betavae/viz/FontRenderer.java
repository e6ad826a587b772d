package io.github.betavae.viz;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Java's text rendering (charts, labels) loads native font libraries from the system the first
 * time it draws text: FreeType, fontconfig and, on JDKs built against the system's copy, HarfBuzz.
 * Where one is missing the JDK throws an {@link Error} (UnsatisfiedLinkError the first time,
 * NoClassDefFoundError after). This class recognises those errors so that a finished training run
 * keeps its checkpoint and exit status and says in one line which figures it could not draw.
 */
public final class FontRenderer {
  private FontRenderer() {}

  /** A figure written to a file. */
  @FunctionalInterface
  public interface Drawing {
    void draw() throws IOException;
  }

  /**
   * One line saying that text rendering is unavailable and what to install, when {@code e} is such
   * an error; null for any other throwable.
   */
  public static String problem(Throwable e) {
    if (!(e instanceof Error) || e instanceof VirtualMachineError) return null;
    if (!mentionsFonts(e)) return null;
    return "Java's font renderer could not load (" + oneLine(e) + "): install the system's font libraries "
        + "(Debian or Ubuntu: libfreetype6, libfontconfig1, libharfbuzz0b and fonts-dejavu-core) or use a JDK that bundles them";
  }

  /**
   * Runs {@code drawing}; when text rendering is unavailable ({@link #problem}), adds {@code name} to
   * {@code skipped} and returns that problem's line instead of throwing. Other errors propagate.
   */
  public static String drawOrSkip(String name, Drawing drawing, List<String> skipped) throws IOException {
    try {
      drawing.draw();
      return null;
    } catch (Error e) {
      String why = problem(e);
      if (why == null) throw e;
      skipped.add(name);
      return why;
    }
  }

  /**
   * Draws each figure in order ({@link #drawOrSkip}, which adds the names of those not drawn to
   * {@code skipped}); the one line naming them and saying why (for example
   * {@code "curves.png not drawn: Java's font renderer …"}), or null when all were drawn.
   */
  public static String drawEach(Map<String, Drawing> figures, List<String> skipped) throws IOException {
    String why = null;
    for (Map.Entry<String, Drawing> f : figures.entrySet()) {
      String w = drawOrSkip(f.getKey(), f.getValue(), skipped);
      if (why == null) why = w;
    }
    return why == null ? null : String.join(", ", skipped) + " not drawn: " + why;
  }

  private static boolean mentionsFonts(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.awt.AWTError) return true;
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("fontmanager") || m.contains("harfbuzz") || m.contains("freetype") || m.contains("fontconfig")
          || m.contains("sun.font.") || m.contains("no fonts found")) {
        return true;
      }
      for (StackTraceElement s : t.getStackTrace()) {
        String c = s.getClassName();
        if (c.startsWith("sun.font.") || c.equals("java.awt.Font")) return true;
      }
    }
    return false;
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }
}
