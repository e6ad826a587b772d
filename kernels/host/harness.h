// Entry point of the host-execution harness: runs one kernel launch on the calling thread.
#pragma once
#include <string>

#include "cuda_host.h"

namespace bvhost {

// Runs body(ctx) once per thread of every block of grid × block, blocks in order, the threads of a
// block as fibers that meet at barriers. Returns an empty string on success, else what went wrong
// (a barrier reached by only part of a block, for instance). Not reentrant: callers serialise.
std::string run_grid(dim3 grid, dim3 block, void (*body)(void*), void* ctx);

// The checks of the harness's sanitizer modes (HostDevice's betavae.sanitize), set before launches.
struct Checks {
  bool mem = false;             // memcheck: shared-array indices in bounds
  bool sync = false;            // synccheck: one barrier site per release, shuffle masks = converged lanes
  bool race = false;            // racecheck: threads resume in a seeded random order between barriers
  unsigned long long seed = 0;  // the schedule seed of racecheck
};
extern Checks g_checks;

}  // namespace bvhost
