package io.github.betavae.backend.cuda;

/**
 * What a {@link Device} was asked to do, counted where it is asked, so a profile reads the same on a
 * GPU and on the host harness: kernel launches and memsets (queued operations), graph replays, bytes
 * copied host → device and device → host, and stream synchronisations (an explicit synchronize, and
 * the wait before every copy to or from the host).
 */
public final class DeviceCounters {
  private long launches, graphLaunches, h2dBytes, d2hBytes, syncs;

  /** A snapshot of the counters. */
  public record Counts(long launches, long graphLaunches, long h2dBytes, long d2hBytes, long syncs) {
    /** Nothing done (what a device-less engine reports). */
    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0);

    /** This snapshot minus an earlier one. */
    public Counts minus(Counts earlier) {
      return new Counts(launches - earlier.launches, graphLaunches - earlier.graphLaunches, h2dBytes - earlier.h2dBytes,
          d2hBytes - earlier.d2hBytes, syncs - earlier.syncs);
    }
  }

  /** The counts so far. */
  public synchronized Counts snapshot() {
    return new Counts(launches, graphLaunches, h2dBytes, d2hBytes, syncs);
  }

  synchronized void launch() {
    launches++;
  }

  synchronized void graphLaunch() {
    graphLaunches++;
  }

  /** A copy from the host of {@code bytes} bytes, which waits for queued work first. */
  synchronized void hostToDevice(long bytes) {
    h2dBytes += bytes;
    syncs++;
  }

  /** A copy to the host of {@code bytes} bytes, which waits for queued work first. */
  synchronized void deviceToHost(long bytes) {
    d2hBytes += bytes;
    syncs++;
  }

  /** A copy to the host queued on the stream, which waits for nothing (its wait is counted by {@link #sync}). */
  synchronized void deviceToHostAsync(long bytes) {
    d2hBytes += bytes;
  }

  /** A copy from the host queued on a stream, which waits for nothing. */
  synchronized void hostToDeviceAsync(long bytes) {
    h2dBytes += bytes;
  }

  synchronized void sync() {
    syncs++;
  }
}
