package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import java.util.List;

/** What the CUDA tests share: buffers filled from and read back into host arrays, and a launch recorder. */
final class TestBufs {
  private TestBufs() {}

  /** A new buffer of {@code be} holding {@code v}. */
  static Buf put(Backend be, float[] v) {
    Buf b = be.alloc(v.length);
    be.write(b, v);
    return b;
  }

  /** The first {@code n} values of {@code b}. */
  static float[] get(Backend be, Buf b, long n) {
    float[] a = new float[Math.toIntExact(n)];
    be.read(b, a);
    return a;
  }

  /** {@code dev} with the name of every kernel launched through it appended to {@code launched}. */
  static Device recording(Device dev, List<String> launched) {
    return (Device) java.lang.reflect.Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[] {Device.class},
        (proxy, method, args) -> {
          if (method.getName().startsWith("launch")) launched.add((String) args[0]);
          try {
            return method.invoke(dev, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
