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
  private RawBuf rows;
  private int[] rowsHost = new int[0];

  private ResidentData(CudaBackend be, RawBuf bytes, int features, boolean scale255) {
    this.be = be;
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
      if (fill(be, data, dev, grey)) return Optional.of(new ResidentData(be, dev, data.features(), grey));
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

  /** "device-resident uint8 (binary), 12.6 MB". */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "device-resident uint8 (%s), %.1f MB", scale255 ? "levels / 255" : "binary",
        bytes.bytes() / 1e6);
  }
}
