package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.data.Dataset;
import java.util.Optional;

/**
 * A dataset kept on the device as one byte per value, uploaded once, from which each step's batch is
 * gathered by a kernel ({@code gather_forward_kernel1}): per step only the B row indices travel to
 * the device, not B × D floats. It serves data whose every value is a byte level: 0 and 1 as they
 * are (binary images such as dSprites), or k/255 (8-bit grey levels, divided by 255 on the device
 * exactly as the host path divides them), so the model sees the same floats as from the host.
 */
public final class ResidentData {
  /** The share of the device's free memory a dataset may take. */
  public static final double MAX_SHARE = 0.5;
  private static final int CHUNK_BYTES = 64 << 20;

  private final CudaBackend be;
  private final RawBuf bytes;
  private final int features;
  private final boolean scale255;
  private final int size;
  private RawBuf rows;
  private int[] rowsHost = new int[0];
  private RawBuf perm;  // the epoch order, for resident steps; allocated on first use

  private ResidentData(CudaBackend be, RawBuf bytes, int size, int features, boolean scale255) {
    this.be = be;
    this.size = size;
    this.bytes = bytes;
    this.features = features;
    this.scale255 = scale255;
  }

  /**
   * Uploads {@code data} when it is byte levels and takes at most {@link #MAX_SHARE} of the device's
   * free memory; otherwise empty (the host path then serves it).
   */
  public static Optional<ResidentData> upload(CudaBackend be, Dataset data) {
    long total = (long) data.size() * data.features();
    if (total == 0 || total > MAX_SHARE * be.device().freeBytes()) return Optional.empty();
    // Binary first; on the first value that is not 0 or 1, once more as grey levels.
    for (boolean grey : new boolean[] {false, true}) {
      RawBuf dev = be.allocRaw(total);
      if (fill(be, data, dev, grey)) return Optional.of(new ResidentData(be, dev, data.size(), data.features(), grey));
      be.device().free(dev.address());
    }
    return Optional.empty();
  }

  /** Converts and uploads every row; false at the first value that is not a level of this kind. */
  private static boolean fill(CudaBackend be, Dataset data, RawBuf dev, boolean grey) {
    int d = data.features();
    int rowsPerChunk = Math.max(1, CHUNK_BYTES / d);
    float[] row = new float[d];
    byte[] chunk = new byte[Math.multiplyExact(Math.min(rowsPerChunk, data.size()), d)];
    for (int start = 0; start < data.size(); start += rowsPerChunk) {
      int m = Math.min(rowsPerChunk, data.size() - start);
      for (int r = 0; r < m; r++) {
        data.copy(start + r, row, 0);
        for (int j = 0; j < d; j++) {
          float v = row[j];
          int level;
          if (grey) {
            level = Math.round(v * 255f);
            if (level < 0 || level > 255 || level / 255f != v) return false;
          } else {
            if (v != 0f && v != 1f) return false;
            level = (int) v;
          }
          chunk[r * d + j] = (byte) level;
        }
      }
      be.device().copyIn(dev.address() + (long) start * d, chunk, 0, m * d);
    }
    return true;
  }

  /** Writes rows {@code rowIds[from .. from+b)} into {@code input} (B,D): uploads the indices, gathers. */
  public void fill(Buf input, int[] rowIds, int from, int b) {
    if (rowsHost.length != b) {
      rowsHost = new int[b];
      rows = be.allocRaw(4L * b);
    }
    System.arraycopy(rowIds, from, rowsHost, 0, b);
    be.write(rows, rowsHost);
    be.gather(input, bytes, rows, b, features, scale255);
  }

  /**
   * Generates epoch {@code epoch}'s order on the device ({@code shuffle_kernel1}: the permutation
   * {@code Shuffle.permutation(seed, epoch, N)} gives on the host), queued; nothing is uploaded.
   */
  public void startEpoch(long seed, long epoch) {
    if (perm == null) perm = be.allocRaw(4L * size);
    be.data().shuffle(perm, size, seed, epoch);
  }

  /**
   * Queues the batch of the step {@code state} is at into {@code input} (B,D), reading its first row
   * in the epoch's order from the state's record: no host copy, so it can be captured.
   */
  public void queueFill(Buf input, io.github.betavae.backend.StepState state, int b) {
    if (perm == null) throw new IllegalStateException("resident batch: no epoch order yet (call startEpoch first)");
    be.data().gatherStep(input, bytes, perm, be.recordAddress(state), b, features, scale255);
  }

  /** The current epoch order, copied back (tests compare it with the host's). */
  public int[] order() {
    if (perm == null) throw new IllegalStateException("resident data: no epoch order yet");
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

  /** "device-resident uint8 (binary), 12.6 MB". */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "device-resident uint8 (%s), %.1f MB", scale255 ? "levels / 255" : "binary",
        bytes.bytes() / 1e6);
  }
}
