package io.github.betavae.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  private static float[] ramp(int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (i - n / 2f) * scale;
    return a;
  }

  @Test
  void roundTripKeepsNamesShapesMetadataAndBits() throws IOException {
    float[] w = ramp(12, 0.37f);
    w[3] = Float.MIN_VALUE;
    w[4] = -0f;
    float[] b = {1.5f, -2.25f, Float.MAX_VALUE};
    Path f = dir.resolve("t.safetensors");
    SafeTensors.write(f, List.of(
        new SafeTensors.Entry("layer.weight", new long[] {3, 4}, w, 0),
        new SafeTensors.Entry("layer.bias", new long[] {3}, b, 0)), Map.of("format", "pt"));
    try (SafeTensors.Reader r = SafeTensors.open(f)) {
      assertEquals(Map.of("format", "pt"), r.metadata());
      assertEquals(List.of("layer.weight", "layer.bias"), List.copyOf(r.tensors().keySet()));
      assertArrayEquals(new long[] {3, 4}, r.info("layer.weight").shape());
      float[] w2 = r.read("layer.weight");
      for (int i = 0; i < w.length; i++) assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(w2[i]), "element " + i);
      assertArrayEquals(b, r.read("layer.bias"));
    }
  }

  @Test
  void byteLayoutIsStandardSafetensors() throws IOException {
    float[] data = {1f, -2f, 0.5f, 3f, 4f, 5f, 6f};
    Path f = dir.resolve("layout.safetensors");
    SafeTensors.write(f, List.of(
        new SafeTensors.Entry("a", new long[] {2, 3}, data, 0),
        new SafeTensors.Entry("b", new long[] {1}, data, 6)), Map.of("format", "pt"));
    byte[] bytes = Files.readAllBytes(f);
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = bb.getLong(0);
    // Length prefix: little-endian u64, header padded with spaces to a multiple of 8.
    assertEquals(0, n % 8, "header length " + n + " is not a multiple of 8");
    assertEquals(8 + n + 7 * 4, bytes.length);
    for (int i = 0; i < 8; i++) assertEquals((byte) (n >>> (8 * i)), bytes[i], "length byte " + i);
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{"), header);
    assertEquals(header.stripTrailing().length(), header.indexOf('}', header.lastIndexOf('}')) + 1);
    JsonNode root = new ObjectMapper().readTree(header);
    assertEquals("pt", root.get("__metadata__").get("format").asText());
    long expectBegin = 0;
    Iterator<String> names = root.fieldNames();
    int tensors = 0;
    while (names.hasNext()) {
      String name = names.next();
      if (name.equals("__metadata__")) continue;
      JsonNode t = root.get(name);
      assertEquals("F32", t.get("dtype").asText());
      long numel = 1;
      for (JsonNode s : t.get("shape")) numel *= s.asLong();
      assertEquals(expectBegin, t.get("data_offsets").get(0).asLong(), "offsets of " + name + " contiguous");
      assertEquals(expectBegin + 4 * numel, t.get("data_offsets").get(1).asLong());
      expectBegin += 4 * numel;
      tensors++;
    }
    assertEquals(2, tensors);
    assertEquals("[2,3]", root.get("a").get("shape").toString());
    // Raw data: IEEE-754 little-endian, tensors back to back.
    for (int i = 0; i < 7; i++) assertEquals(data[i], bb.getFloat((int) (8 + n + 4L * i)), "float " + i);
    assertEquals(0x00, bytes[(int) (8 + n)]);
    assertEquals((byte) 0x80, bytes[(int) (8 + n) + 2]);
    assertEquals((byte) 0x3F, bytes[(int) (8 + n) + 3]);
  }

  @Test
  void sameContentGivesIdenticalBytes() throws IOException {
    float[] a = ramp(100, 0.01f);
    Path f1 = dir.resolve("1.safetensors"), f2 = dir.resolve("2.safetensors");
    for (Path f : List.of(f1, f2)) {
      SafeTensors.write(f, List.of(new SafeTensors.Entry("x", new long[] {10, 10}, a, 0)), Map.of("format", "pt"));
    }
    assertArrayEquals(Files.readAllBytes(f1), Files.readAllBytes(f2));
  }

  /** Writes a file with a hand-made header followed by {@code dataBytes} zero bytes. */
  private Path raw(String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer bb = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    bb.putLong(h.length).put(h);
    Path f = dir.resolve("bad.safetensors");
    Files.write(f, bb.array());
    return f;
  }

  private String openError(Path f) {
    IOException e = assertThrows(IOException.class, () -> SafeTensors.open(f).close());
    assertTrue(e.getMessage().startsWith(f.getFileName() + ": "), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void rejectsNonF32() throws IOException {
    String m = openError(raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
    assertTrue(m.contains("expected dtype F32 but found F16 for tensor a"), m);
  }

  @Test
  void rejectsGapsOverlapsAndShortData() throws IOException {
    String gap = openError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12));
    assertTrue(gap.contains("contiguous"), gap);
    String size = openError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
    assertTrue(size.contains("expected 8 bytes for tensor a"), size);
    String tail = openError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8));
    assertTrue(tail.contains("cover 4 data bytes but the file holds 8"), tail);
  }

  @Test
  void rejectsBrokenHeaders() throws IOException {
    Path f = dir.resolve("short.safetensors");
    Files.write(f, new byte[] {1, 2, 3});
    assertTrue(openError(f).contains("shorter than the 8-byte header length"));
    byte[] huge = new byte[16];
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
    Files.write(f, huge);
    assertTrue(openError(f).contains("runs past the end"));
    assertTrue(openError(raw("{\"a\": [", 0)).contains("not valid JSON"));
    assertTrue(openError(raw("[1,2]   ", 0)).contains("does not start with '{'"));
  }

  @Test
  void entryRefusesArraysTooShort() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SafeTensors.Entry("w", new long[] {3, 3}, new float[8], 0));
    assertTrue(e.getMessage().contains("needs 9 floats"), e.getMessage());
  }
}
