package io.github.betavae.backend.cuda;

/**
 * The parity suite again on the host harness, with every sanitizer check, a finite poison in fresh
 * allocations and another thread schedule: with {@link CudaBackendTest} (NaN poison, schedule 1 under
 * the test suite's {@code betavae.sanitize=all}) it is initcheck's two-pattern run, since a kernel
 * that reads memory nobody wrote cannot match the CPU under both patterns, and racecheck's second
 * schedule.
 */
class CudaBackendFinitePoisonTest extends CudaBackendContract {
  @Override
  Device openDevice() {
    Emulator.assumeBuilt();
    return new HostDevice(Sanitizer.ALL.withFill(Sanitizer.FINITE_POISON).withScheduleSeed(0x5eed));
  }
}
