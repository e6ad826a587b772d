package io.github.betavae.backend.cuda;

/** JNI entry points of libbetavae_host.so (kernels/host/host_device.cpp). */
final class HostNative {
  private HostNative() {}

  /** Sets the sanitizer checks for the launches and allocations that follow (see {@link Sanitizer}). */
  static native void configure(int flags, int fill, long scheduleSeed);

  static native long alloc(long bytes);

  static native void free(long address);

  /** Copies {@code bytes} bytes from a primitive array, starting {@code arrayByteOffset} bytes in. */
  static native void copyIn(long dst, Object array, long arrayByteOffset, long bytes);

  /** Copies {@code bytes} bytes into a primitive array, starting {@code arrayByteOffset} bytes in. */
  static native void copyOut(long src, Object array, long arrayByteOffset, long bytes);

  static native void copyDevice(long dst, long src, long bytes);

  static native void memsetD32(long dst, int bits, long count);

  /** Runs a kernel to completion; IllegalArgumentException for a bad name or arguments. */
  static native void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                            byte[] tags, long[] values);

  /** "name:tags" for every kernel in the library. */
  static native String[] kernels();
}
