package io.github.betavae.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The elements of one array described by an {@link Npy.Header}, held in one or more byte buffers:
 * regions memory-mapped from a file (an .npy, a stored .npz entry, an IDX file, a temporary file), or
 * one heap buffer. Elements are addressed by their position in storage order; reads are absolute, so
 * one instance serves concurrent readers.
 */
final class NpyArray {
  /** Largest mapped region; a mapping is limited to 2³¹ bytes. */
  static final long REGION_BYTES = 1L << 30;

  final Npy.Header header;
  final ByteBuffer[] regions;
  /** Elements per region (all regions but the last are full). */
  final long perRegion;

  private NpyArray(Npy.Header header, ByteBuffer[] regions, long perRegion) {
    this.header = header;
    this.regions = regions;
    this.perRegion = perRegion;
  }

  /**
   * Maps the array whose first element is at byte {@code start} of {@code ch}. Regions hold a whole
   * number of {@code unitElements} (a row, so that no C-order sample straddles two regions) and at most
   * {@code regionBytes} where a unit fits.
   */
  static NpyArray map(FileChannel ch, long start, Npy.Header h, long regionBytes, long unitElements)
      throws IOException {
    int bytes = h.dtype().bytes;
    long unit = Math.max(1, unitElements);
    long units = Math.max(1, Math.min(REGION_BYTES, regionBytes) / (unit * bytes));
    long per = units * unit;
    long count = h.count();
    int n = (int) ((count + per - 1) / per);
    ByteBuffer[] regions = new ByteBuffer[n];
    for (int r = 0; r < n; r++) {
      long first = r * per;
      long len = Math.min(per, count - first) * bytes;
      regions[r] = ch.map(FileChannel.MapMode.READ_ONLY, start + first * bytes, len).order(h.order());
    }
    return new NpyArray(h, regions, per);
  }

  /** The array held in {@code data}, whose position 0 is the first element. */
  static NpyArray wrap(ByteBuffer data, Npy.Header h) {
    return new NpyArray(h, new ByteBuffer[] {data.order(h.order())}, Math.max(1, h.count()));
  }

  /** Element {@code e} (storage order) as a double; integers are exact up to 2⁵³. */
  double get(long e) {
    ByteBuffer b = regions[(int) (e / perRegion)];
    int p = (int) (e % perRegion) * header.dtype().bytes;
    return Npy.elementAsDouble(b, header.dtype(), p);
  }

  /** Element {@code e} of an integer array, exactly. */
  long getLong(long e) {
    if (header.dtype() != Npy.DType.INT64) return (long) get(e);
    return regions[(int) (e / perRegion)].getLong((int) (e % perRegion) * 8);
  }
}
