package io.github.betavae.backend;

/** Work recorded once by {@link Backend#capture} and replayed with the same buffers and scalars. */
public interface Graph extends AutoCloseable {
  /** Queues the whole recorded sequence once. */
  void replay();

  @Override
  void close();
}
