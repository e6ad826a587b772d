package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;
import io.github.betavae.train.BatchSource;
import java.nio.FloatBuffer;

/**
 * Batches of data that stays on the host (it does not fit on the device, or the user asked so),
 * streamed: the host gathers a batch into one of two pinned buffers, the copy runs on the second
 * stream beside the kernels of the step before, and the main stream moves it into the model's input
 * once it has landed. With the trainer queueing a step ahead, the upload of batch t+1 overlaps the
 * kernels of step t; the host waits only when a pinned buffer is still being read by the copy two
 * batches back. Every value reaches the model as the host holds it (floats, nothing converted).
 */
public final class StreamedData implements BatchSource {
  private final CudaBackend be;
  private final Dataset data;
  private final Device.Upload[] uploads = new Device.Upload[2];
  private final RawBuf[] landed = new RawBuf[2];
  private float[] row = new float[0];
  private int capacity;  // floats per slot
  private int next;

  /** A streamed source of {@code data}'s rows for the model on {@code be}. */
  public StreamedData(CudaBackend be, Dataset data) {
    this.be = be;
    this.data = data;
  }

  @Override
  public void fill(BetaVae model, int[] rows, int from, int b) {
    int d = data.features();
    int n = Math.multiplyExact(b, d);
    if (n > capacity) grow(n);
    int k = next;
    next ^= 1;
    FloatBuffer host = uploads[k].acquire();
    if (row.length != d) row = new float[d];
    for (int r = 0; r < b; r++) {
      data.copy(rows[from + r], row, 0);
      host.put(row);
    }
    uploads[k].send(landed[k].address(), n);
    Buf input = model.input(b);
    be.device().copyDevice(CudaBuf.of(input, "streamed batch").address(), landed[k].address(), 4L * n);
    uploads[k].release();
  }

  /** Two pinned buffers and two device buffers of {@code n} floats (the old ones are done with first). */
  private void grow(int n) {
    closeSlots();
    for (int k = 0; k < 2; k++) {
      uploads[k] = be.device().upload(n);
      landed[k] = be.allocRaw(4L * n);
    }
    capacity = n;
  }

  private void closeSlots() {
    if (capacity == 0) return;
    be.device().synchronize();
    for (int k = 0; k < 2; k++) {
      uploads[k].close();
      be.device().free(landed[k].address());
    }
    capacity = 0;
  }

  @Override
  public String describe() {
    return "batches streamed from the host (pinned, double-buffered, copied beside the kernels)";
  }

  @Override
  public void close() {
    closeSlots();
  }
}
