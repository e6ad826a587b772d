package io.github.betavae.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FontRendererTest {

  /** What a JDK built against the system's HarfBuzz throws on a machine without it (seen on a GPU server). */
  private static final String MISSING_HARFBUZZ =
      "/opt/jre/lib/libfontmanager.so: libharfbuzz.so.0: cannot open shared object file: No such file or directory";

  @Test
  void recognisesTheFontLibrariesFailingToLoad() {
    String first = FontRenderer.problem(new UnsatisfiedLinkError(MISSING_HARFBUZZ));
    assertNotNull(first);
    assertTrue(first.contains("libharfbuzz.so.0") && first.contains("install"), first);
    assertTrue(first.indexOf('\n') < 0, "one line: " + first);
    assertNotNull(FontRenderer.problem(new NoClassDefFoundError("Could not initialize class sun.font.SunFontManager")),
        "the later uses of the failed class");
  }

  @Test
  void leavesOtherErrorsAlone() {
    assertNull(FontRenderer.problem(new UnsatisfiedLinkError("no JCudaDriver-12.6.0-linux-x86_64 in java.library.path")));
    assertNull(FontRenderer.problem(new OutOfMemoryError("Java heap space: fontmanager")), "the JVM's own errors stay fatal");
    assertNull(FontRenderer.problem(new IllegalStateException(MISSING_HARFBUZZ)), "exceptions are not this");
  }

  @Test
  void aFigureThatNeedsFontsIsSkippedAndNamed() throws Exception {
    List<String> skipped = new ArrayList<>();
    assertNull(FontRenderer.drawOrSkip("samples.png", () -> {}, skipped));
    String why = FontRenderer.drawOrSkip("curves.png", () -> {
      throw new UnsatisfiedLinkError(MISSING_HARFBUZZ);
    }, skipped);
    assertNotNull(why);
    assertEquals(List.of("curves.png"), skipped);
    Error other = new UnsatisfiedLinkError("no JCudaDriver in java.library.path");
    assertSame(other, assertThrows(UnsatisfiedLinkError.class, () -> FontRenderer.drawOrSkip("x.png", () -> {
      throw other;
    }, skipped)));
  }
}
