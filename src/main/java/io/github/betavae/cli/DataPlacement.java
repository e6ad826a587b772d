package io.github.betavae.cli;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.ResidentData;
import io.github.betavae.backend.cuda.StreamedData;
import io.github.betavae.data.Dataset;
import io.github.betavae.train.BatchSource;

/**
 * Where a command's passes over a dataset get their batches, as training gets them: on the CUDA
 * engines the data uploaded once and gathered on the device when it fits, else streamed through
 * pinned buffers; on the CPU engine read from host memory.
 */
final class DataPlacement {
  private DataPlacement() {}

  /** The source for {@code data} on {@code backend}; the caller closes it before the backend. */
  static BatchSource of(Backend backend, Dataset data, long seed) {
    if (!(backend instanceof CudaBackend cb)) return BatchSource.host(data);
    var resident = ResidentData.upload(cb, data);
    return resident.isPresent() ? resident.get().batches(seed) : new StreamedData(cb, data);
  }
}
