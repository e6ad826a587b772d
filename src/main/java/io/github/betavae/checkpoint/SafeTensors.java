package io.github.betavae.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format for F32 tensors: an 8-byte little-endian header length N, N bytes of JSON
 * header ({@code {"__metadata__": {...}, name: {"dtype","shape","data_offsets"}, ...}}, padded with
 * spaces to a multiple of 8), then the raw little-endian data, tensors back to back in header order.
 *
 * <p>Writing is deterministic: same tensors and metadata give the same bytes. Reading validates
 * strictly (header inside the file, F32 only, offsets contiguous from 0 to the end of the file,
 * byte lengths matching shapes) and reports the first problem in one line.
 */
public final class SafeTensors {
  /** The reference implementation refuses headers above 100 MB; so do we. */
  static final long MAX_HEADER = 100_000_000L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK = 1 << 16;

  private SafeTensors() {}

  /** A tensor to write: {@code numel(shape)} floats of {@code data} starting at {@code offset}. */
  public record Entry(String name, long[] shape, float[] data, int offset) {
    public Entry {
      if (name == null || name.isEmpty() || name.equals("__metadata__")) {
        throw new IllegalArgumentException("safetensors: invalid tensor name '" + name + "'");
      }
      long n = numel(shape);
      if (offset < 0 || offset + n > data.length) {
        throw new IllegalArgumentException("safetensors: tensor " + name + " needs " + n + " floats from offset "
            + offset + " but the array has " + data.length);
      }
    }
  }

  /** Where a tensor lies in a file: shape and byte range relative to the start of the data. */
  public record Info(String name, long[] shape, long begin, long end) {
    public long numel() {
      return SafeTensors.numel(shape);
    }
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) throw new IllegalArgumentException("safetensors: negative dimension in shape " + Arrays.toString(shape));
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  /** The padded header bytes (without the length prefix) for these tensors and metadata. */
  static byte[] header(List<Entry> tensors, Map<String, String> metadata) {
    Map<String, Object> h = new LinkedHashMap<>();
    if (!metadata.isEmpty()) h.put("__metadata__", new LinkedHashMap<>(metadata));
    long pos = 0;
    for (Entry e : tensors) {
      long bytes = 4 * numel(e.shape());
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("dtype", "F32");
      t.put("shape", e.shape());
      t.put("data_offsets", new long[] {pos, pos + bytes});
      if (h.put(e.name(), t) != null) throw new IllegalArgumentException("safetensors: duplicate tensor name " + e.name());
      pos += bytes;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(h);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("safetensors: cannot encode header", ex);
    }
    // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  /** Writes the tensors atomically to {@code file}. Metadata values are strings, as the format requires. */
  public static void write(Path file, List<Entry> tensors, Map<String, String> metadata) throws IOException {
    AtomicFiles.write(file, writer(tensors, metadata));
  }

  /** What writes the tensors as one safetensors file, for {@link AtomicFiles}. */
  public static AtomicFiles.Writer writer(List<Entry> tensors, Map<String, String> metadata) {
    byte[] header = header(tensors, metadata);
    return raw -> {
      OutputStream out = new BufferedOutputStream(raw, CHUNK);
      ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      buf.putLong(header.length);
      out.write(buf.array(), 0, 8);
      out.write(header);
      for (Entry e : tensors) {
        long n = numel(e.shape());
        for (long i = 0; i < n; ) {
          buf.clear();
          int k = (int) Math.min(n - i, CHUNK / 4);
          buf.asFloatBuffer().put(e.data(), e.offset() + (int) i, k);
          out.write(buf.array(), 0, 4 * k);
          i += k;
        }
      }
      out.flush();
    };
  }

  /** Opens and validates {@code file}; tensor data is read on demand. */
  public static Reader open(Path file) throws IOException {
    AtomicFiles.requireRegular(file);
    return new Reader(file);
  }

  /** A validated safetensors file. Close it to release the file handle. */
  public static final class Reader implements AutoCloseable {
    private final Path file;
    private final FileChannel ch;
    private final long dataStart;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Info> tensors = new LinkedHashMap<>();

    private Reader(Path file) throws IOException {
      this.file = file;
      this.ch = FileChannel.open(file, StandardOpenOption.READ);
      try {
        long size = ch.size();
        if (size < 8) throw bad("file of " + size + " bytes is shorter than the 8-byte header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER) throw bad("header length " + n + " is outside [2, " + MAX_HEADER + "]");
        if (8 + n > size) throw bad("header length " + n + " runs past the end of the " + size + "-byte file");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(hb, 8);
        dataStart = 8 + n;
        parseHeader(new String(hb.array(), StandardCharsets.UTF_8), size - dataStart);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }

    private void parseHeader(String text, long dataBytes) throws IOException {
      if (!text.startsWith("{")) throw bad("header does not start with '{'");
      JsonNode root;
      try {
        root = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw bad("header is not valid JSON (" + e.getOriginalMessage() + ")");
      }
      if (root == null || !root.isObject()) throw bad("header is not a JSON object");
      List<Info> byOffset = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (f.getKey().equals("__metadata__")) {
          if (!f.getValue().isObject()) throw bad("__metadata__ is not an object");
          for (Iterator<Map.Entry<String, JsonNode>> m = f.getValue().fields(); m.hasNext(); ) {
            Map.Entry<String, JsonNode> kv = m.next();
            if (!kv.getValue().isTextual()) throw bad("metadata value for '" + kv.getKey() + "' must be a string");
            metadata.put(kv.getKey(), kv.getValue().asText());
          }
          continue;
        }
        Info info = parseTensor(f.getKey(), f.getValue());
        tensors.put(info.name(), info);
        byOffset.add(info);
      }
      byOffset.sort((a, b) -> Long.compare(a.begin(), b.begin()));
      long pos = 0;
      for (Info t : byOffset) {
        if (t.begin() != pos) {
          throw bad("tensor " + t.name() + " starts at data byte " + t.begin() + " but the previous tensor ends at " + pos
              + " (offsets must be contiguous)");
        }
        pos = t.end();
      }
      if (pos != dataBytes) throw bad("tensors cover " + pos + " data bytes but the file holds " + dataBytes);
    }

    private Info parseTensor(String name, JsonNode t) throws IOException {
      if (!t.isObject()) throw bad("entry for tensor " + name + " is not an object");
      JsonNode dtype = t.get("dtype");
      if (dtype == null || !dtype.asText().equals("F32")) {
        throw bad("expected dtype F32 but found " + (dtype == null ? "none" : dtype.asText()) + " for tensor " + name);
      }
      JsonNode shapeNode = t.get("shape");
      if (shapeNode == null || !shapeNode.isArray()) throw bad("tensor " + name + " has no shape array");
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        JsonNode s = shapeNode.get(i);
        if (!s.canConvertToLong() || !s.isIntegralNumber() || s.asLong() < 0) {
          throw bad("tensor " + name + " has an invalid shape " + shapeNode);
        }
        shape[i] = s.asLong();
      }
      JsonNode off = t.get("data_offsets");
      if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
        throw bad("tensor " + name + " needs data_offsets [begin, end]");
      }
      long begin = off.get(0).asLong(), end = off.get(1).asLong();
      long expected;
      try {
        expected = Math.multiplyExact(4L, numel(shape));
      } catch (ArithmeticException e) {
        throw bad("tensor " + name + " has a shape too large: " + shapeNode);
      }
      if (begin < 0 || end < begin) throw bad("tensor " + name + " has data_offsets [" + begin + ", " + end + "]");
      if (end - begin != expected) {
        throw bad("expected " + expected + " bytes for tensor " + name + " of shape " + Arrays.toString(shape)
            + " but data_offsets span " + (end - begin));
      }
      return new Info(name, shape, begin, end);
    }

    /** The file's {@code __metadata__} (empty if absent). */
    public Map<String, String> metadata() {
      return Collections.unmodifiableMap(metadata);
    }

    /** Tensors in header order. */
    public Map<String, Info> tensors() {
      return Collections.unmodifiableMap(tensors);
    }

    /** The tensor named {@code name}, or an exception naming the file. */
    public Info info(String name) throws IOException {
      Info t = tensors.get(name);
      if (t == null) throw bad("no tensor named " + name);
      return t;
    }

    /** Reads tensor {@code name} into {@code dst[off .. off+numel)}. */
    public void read(String name, float[] dst, int off) throws IOException {
      Info t = info(name);
      long n = t.numel();
      if (off < 0 || off + n > dst.length) {
        throw new IllegalArgumentException("read " + name + ": " + n + " floats do not fit at offset " + off
            + " of an array of " + dst.length);
      }
      ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      long pos = dataStart + t.begin();
      for (long i = 0; i < n; ) {
        int k = (int) Math.min(n - i, CHUNK / 4);
        buf.clear().limit(4 * k);
        readFully(buf, pos);
        buf.flip();
        buf.asFloatBuffer().get(dst, off + (int) i, k);
        pos += 4L * k;
        i += k;
      }
    }

    /** Reads tensor {@code name} into a new array. */
    public float[] read(String name) throws IOException {
      Info t = info(name);
      if (t.numel() > Integer.MAX_VALUE - 8) throw bad("tensor " + name + " is too large for one array");
      float[] out = new float[(int) t.numel()];
      read(name, out, 0);
      return out;
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
      while (b.hasRemaining()) {
        int r = ch.read(b, pos);
        if (r < 0) throw bad("unexpected end of file at byte " + pos);
        pos += r;
      }
    }

    private IOException bad(String what) {
      return new IOException(file.getFileName() + ": " + what);
    }

    @Override
    public void close() {
      try {
        ch.close();
      } catch (IOException e) {
        // a read-only handle; nothing was pending
      }
    }
  }
}
