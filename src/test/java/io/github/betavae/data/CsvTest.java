package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CSV of numbers: header detection, accepted spellings, and every rejected line with its position. */
class CsvTest {
  @TempDir Path dir;

  private Path text(String name, String content) throws IOException {
    return Fixtures.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
  }

  private static float[] all(Dataset ds) {
    float[] out = new float[ds.size() * ds.features()];
    for (int i = 0; i < ds.size(); i++) ds.copy(i, out, i * ds.features());
    return out;
  }

  @Test
  void readsRowsWithoutHeader() throws IOException {
    Dataset ds = Csv.open(text("plain.csv", "0,0.5,1\n-2.5e-1, +3 ,.5\n1E2,4.,0\n"));
    assertEquals(3, ds.size());
    assertEquals(3, ds.features());
    assertArrayEquals(new float[] {0, 0.5f, 1, -0.25f, 3, 0.5f, 100, 4, 0}, all(ds));
    assertFalse(ds.describe().contains("header"), ds.describe());
  }

  @Test
  void skipsAHeaderRowAndToleratesCrlfBomAndTrailingBlankLines() throws IOException {
    Dataset ds = Csv.open(text("head.csv", "\uFEFFpixel0,pixel1\r\n1,2\r\n3,4\r\n\r\n\n"));
    assertEquals(2, ds.size());
    assertEquals(2, ds.features());
    assertArrayEquals(new float[] {1, 2, 3, 4}, all(ds));
    assertTrue(ds.describe().contains("with header"), ds.describe());
  }

  @Test
  void singleColumnAndNoFinalNewline() throws IOException {
    Dataset ds = Csv.open(text("one.csv", "0.25\n0.75"));
    assertEquals(2, ds.size());
    assertEquals(1, ds.features());
    assertArrayEquals(new float[] {0.25f, 0.75f}, all(ds));
  }

  @Test
  void recognisedByContentWhateverTheName() throws IOException {
    Dataset ds = Datasets.open(text("values.txt", "1,2\n3,4\n"));
    assertEquals(2, ds.size());
    Dataset gz = Datasets.open(Fixtures.write(dir.resolve("values.csv.gz"),
        Fixtures.gzip("a,b\n5,6\n".getBytes(StandardCharsets.UTF_8))));
    assertArrayEquals(new float[] {5, 6}, all(gz));
    assertTrue(gz.describe().startsWith("values.csv.gz"), gz.describe());
  }

  @Test
  void numberGrammar() {
    for (String ok : new String[] {"0", "-1", "+2.5", ".5", "5.", "1e3", "1E-3", " 7 ", "00012"}) {
      assertTrue(Csv.isNumber(ok), ok);
    }
    for (String bad : new String[] {"", "-", ".", "e3", "1e", "1.2.3", "0x10", "1f", "NaN", "Infinity", "1,5", "٣"}) {
      assertFalse(Csv.isNumber(bad), bad);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("broken")
  void badRowsAreRejectedNamingLineAndColumn(String what, String content, String says) throws IOException {
    Path f = text("bad.csv", content);
    String m = assertThrows(DataFormatException.class, () -> Csv.open(f)).getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith("reading bad.csv as CSV: "), m);
    assertTrue(m.contains(says), "should say " + says + ": " + m);
  }

  static Stream<Arguments> broken() {
    return Stream.of(
        Arguments.of("ragged row", "1,2,3\n4,5,6\n7,8\n", "line 3: expected 3 values as on line 2 but found 2"),
        Arguments.of("ragged after header", "a,b\n1,2,3\n", "line 2: expected 2 values as on line 1 but found 3"),
        Arguments.of("not a number", "1,2\n3,abc\n", "line 2, column 2: expected a number but found 'abc'"),
        Arguments.of("partly numeric first row", "1,2,x\n3,4,5\n",
            "line 1, column 3: expected a number but found 'x'"),
        Arguments.of("empty field", "1,,2\n", "line 1, column 2: expected a number but found ''"),
        Arguments.of("NaN", "1,2\n3,NaN\n", "line 2, column 2: expected a finite number but found 'NaN'"),
        Arguments.of("infinity", "1,-inf\n", "line 1, column 2: expected a finite number but found '-inf'"),
        Arguments.of("beyond float", "1,1e39\n", "line 1, column 2: expected a number within float range"),
        Arguments.of("blank line inside", "1,2\n\n3,4\n", "line 2: expected a row of numbers but found an empty line"),
        Arguments.of("header only", "a,b,c\n", "expected at least one row of numbers but found only a header"),
        Arguments.of("nothing but blank lines", "\n \n", "expected at least one row of numbers but found none"));
  }
}
