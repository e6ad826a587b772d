package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.data.Dataset;
import java.util.Optional;

/**
 * A dataset kept on the device, uploaded once, from which each step's batch is gathered by a kernel
 * ({@code kernels/data.cu}): binary data (every value 0 or 1, as dSprites' images) at one bit per
 * value, grey levels k/255 at one byte (divided by 255 on the device exactly as the host path
 * divides them), anything else as float32, so the model sees the same floats as from the host. A resident training step ({@link #batches}) generates each epoch's order on the device and
 * gathers by the step the device is at, uploading nothing; {@link #fill} uploads only B row indices.
 */
public final class ResidentData {
  /** The share of the device's free memory a dataset may take. */
  public static final double MAX_SHARE = 0.5;
  private static final int CHUNK_BYTES = 64 << 20;

  private final CudaBackend be;
  private final RawBuf bytes;
  private final int features;
  private final Format format;

  /** How the values are stored on the device ({@code kernels/data.cu}'s {@code bv_data_value}). */
  public enum Format {
    /** One byte per value, divided by 255 (8-bit grey levels). */
    LEVELS(1),
    /** One bit per value, 8 per byte (binary images such as dSprites: 377 MB for all of it). */
    BITS(2),
    /** Four bytes per value: any other data, as the host holds it. */
    FLOATS(3);

    private final int code;

    Format(int code) {
      this.code = code;
    }

    /** The kernel's format code. */
    public int code() {
      return code;
    }
  }
  private final int size;
  private RawBuf rows;
  private int[] rowsHost = new int[0];
  private RawBuf perm;  // the epoch order, for resident steps; allocated on first use
  private RawBuf next;  // the next epoch's order, computed aside while this epoch trains
  private long nextSeed, nextEpoch = -1;

  private ResidentData(CudaBackend be, RawBuf bytes, int size, int features, Format format) {
    this.be = be;
    this.size = size;
    this.bytes = bytes;
    this.features = features;
    this.format = format;
  }

  /**
   * Uploads {@code data} when every value is 0 or 1 (one bit each) or a grey level k/255 (one byte
   * each) and it takes at most {@link #MAX_SHARE} of the device's free memory; otherwise empty (the
   * host path then serves it).
   */
  public static Optional<ResidentData> upload(CudaBackend be, Dataset data) {
    long values = (long) data.size() * data.features();
    if (values == 0) return Optional.empty();
    // Binary first; on the first value that is not 0 or 1, once more as grey levels; else as floats.
    for (Format f : new Format[] {Format.BITS, Format.LEVELS, Format.FLOATS}) {
      long bytes = f == Format.BITS ? (values + 7) / 8 : f == Format.FLOATS ? 4 * values : values;
      if (bytes > MAX_SHARE * be.device().freeBytes()) continue;
      RawBuf dev = be.allocRaw(bytes);
      if (fill(be, data, dev, f)) return Optional.of(new ResidentData(be, dev, data.size(), data.features(), f));
      be.device().free(dev.address());
    }
    return Optional.empty();
  }

  /** Converts and uploads every row; false at the first value that is not a level of this kind. */
  private static boolean fill(CudaBackend be, Dataset data, RawBuf dev, Format f) {
    int d = data.features();
    if (f == Format.FLOATS) return fillFloats(be, data, dev);
    boolean bits = f == Format.BITS;
    // Whole bytes per chunk: with bits, a multiple of 8 rows makes rows·D a multiple of 8.
    int rowsPerChunk = Math.max(8, (bits ? 8 * CHUNK_BYTES : CHUNK_BYTES) / d / 8 * 8);
    float[] row = new float[d];
    long chunkValues = (long) Math.min(rowsPerChunk, data.size()) * d;
    byte[] chunk = new byte[Math.toIntExact(bits ? (chunkValues + 7) / 8 : chunkValues)];
    for (int start = 0; start < data.size(); start += rowsPerChunk) {
      int m = Math.min(rowsPerChunk, data.size() - start);
      if (bits) java.util.Arrays.fill(chunk, (byte) 0);
      for (int r = 0; r < m; r++) {
        data.copy(start + r, row, 0);
        for (int j = 0; j < d; j++) {
          float v = row[j];
          int e = r * d + j;
          if (bits) {
            if (v != 0f && v != 1f) return false;
            if (v == 1f) chunk[e >>> 3] |= (byte) (1 << (e & 7));
          } else {
            int level = Math.round(v * 255f);
            if (level < 0 || level > 255 || level / 255f != v) return false;
            chunk[e] = (byte) level;
          }
        }
      }
      long offset = (long) start * d;
      int n = Math.toIntExact(bits ? ((long) m * d + 7) / 8 : (long) m * d);
      be.device().copyIn(dev.address() + (bits ? offset / 8 : offset), chunk, 0, n);
    }
    return true;
  }

  /** Uploads every row as floats; false at a NaN or ±∞ (the host path then reports it). */
  private static boolean fillFloats(CudaBackend be, Dataset data, RawBuf dev) {
    int d = data.features();
    int rowsPerChunk = Math.max(1, CHUNK_BYTES / 4 / d);
    float[] chunk = new float[Math.multiplyExact(Math.min(rowsPerChunk, data.size()), d)];
    for (int start = 0; start < data.size(); start += rowsPerChunk) {
      int m = Math.min(rowsPerChunk, data.size() - start);
      for (int r = 0; r < m; r++) data.copy(start + r, chunk, r * d);
      for (int i = 0; i < m * d; i++) if (!Float.isFinite(chunk[i])) return false;
      be.device().copyIn(dev.address() + 4L * start * d, chunk, 0, m * d);
    }
    return true;
  }

  /** Writes rows {@code rowIds[from .. from+b)} into {@code input} (B,D): uploads the indices, gathers. */
  public void fill(Buf input, int[] rowIds, int from, int b) {
    if (rowsHost.length != b) {
      if (rows != null) be.device().free(rows.address());
      rowsHost = new int[b];
      rows = be.allocRaw(4L * b);
    }
    System.arraycopy(rowIds, from, rowsHost, 0, b);
    be.write(rows, rowsHost);
    if (format == Format.LEVELS) be.gather(input, bytes, rows, b, features, true);
    else be.data().gatherRows(input, bytes, rows, b, features, format == Format.BITS);
  }

  /**
   * Generates epoch {@code epoch}'s order on the device ({@code shuffle_kernel1}: the permutation
   * {@code Shuffle.permutation(seed, epoch, N)} gives on the host), queued; nothing is uploaded.
   */
  public void startEpoch(long seed, long epoch) {
    if (perm == null) {
      perm = be.allocRaw(4L * size);
      next = be.allocRaw(4L * size);
    }
    if (nextEpoch == epoch && nextSeed == seed) {
      // computed aside during the last epoch: wait for it, copy it in (a few µs on a GPU)
      be.device().joinAside();
      be.device().copyDevice(perm.address(), next.address(), 4L * size);
    } else {
      be.data().shuffle(perm, size, seed, epoch);
    }
    // The Fisher–Yates order is sequential (one thread, about 0.2 s for all of dSprites on a GPU):
    // the next epoch's runs on the second stream, beside this epoch's steps, not in front of them.
    be.data().shuffleAside(next, size, seed, epoch + 1);
    nextSeed = seed;
    nextEpoch = epoch + 1;
  }

  /**
   * Queues the batch of the step {@code state} is at into {@code input} (B,D), reading its first row
   * in the epoch's order from the state's record: no host copy, so it can be captured.
   */
  public void queueFill(Buf input, io.github.betavae.backend.StepState state, int b) {
    if (perm == null) throw new IllegalStateException("resident batch: no epoch order yet (call startEpoch first)");
    be.data().gatherStep(input, bytes, perm, be.recordAddress(state), b, features, format);
  }

  /** The current epoch order, copied back (tests compare it with the host's). */
  public int[] order() {
    if (perm == null) throw new IllegalStateException("resident data: no epoch order yet");
    be.device().joinAside();
    int[] out = new int[size];
    be.read(perm, out);
    return out;
  }

  /**
   * This data as the trainer's batch source, resident: epoch orders are generated on the device for
   * {@code seed} ({@code EpochOrder.shuffled(seed, N)}, the trainer's default order) and each step's
   * batch gathered by the step the device is at. The host path ({@link #fill}) serves the same rows.
   */
  public io.github.betavae.train.BatchSource batches(long seed) {
    ResidentData r = this;
    return new io.github.betavae.train.BatchSource() {
      @Override
      public void fill(io.github.betavae.model.BetaVae m, int[] rows, int from, int b) {
        r.fill(m.input(b), rows, from, b);
      }

      @Override
      public boolean resident() {
        return true;
      }

      @Override
      public void startEpoch(long epoch) {
        r.startEpoch(seed, epoch);
      }

      @Override
      public void queueFill(io.github.betavae.model.BetaVae m, io.github.betavae.backend.StepState state, int b) {
        r.queueFill(m.input(b), state, b);
      }

      @Override
      public String describe() {
        return r.describe();
      }
    };
  }

  /** "device-resident, 1 bit per value, 1.6 MB". */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "device-resident, %s, %.1f MB", format == Format.BITS ? "1 bit per value" : format == Format.FLOATS ? "float32" : "uint8 levels / 255",
        bytes.bytes() / 1e6);
  }
}
