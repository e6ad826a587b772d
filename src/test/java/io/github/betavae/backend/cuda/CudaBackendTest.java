package io.github.betavae.backend.cuda;

/** The CUDA op parity suite on the host-execution harness: runs in every build, GPU or not. */
class CudaBackendTest extends CudaBackendContract {
  @Override
  Device openDevice() {
    Emulator.assumeBuilt();
    return new HostDevice();
  }
}
