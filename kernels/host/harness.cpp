// The fiber scheduler behind cuda_host.h: runs a grid block by block, a block's threads as fibers.
//
// A fiber runs until it reaches a barrier (or returns); when no fiber can run, the scheduler
// releases whichever group is complete — a warp whose live lanes all wait at a shuffle, else the
// whole block when every live thread waits at __syncthreads — and otherwise reports a deadlock,
// which on a GPU would be a hang or undefined behaviour.
//
// On x86-64 the switch is a few instructions saving the callee-saved registers (no signal-mask
// system call as in swapcontext, which would dominate the run time); elsewhere ucontext is used.
#include "harness.h"

#include <sys/mman.h>

#include <stdio.h>
#include <string.h>

#include <utility>
#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace bvhost {

Checks g_checks;

namespace {
// The barrier epoch of the running block: a new number at every block start and every __syncthreads
// release, never reused, so what shared arrays remember of earlier blocks or launches never matches.
unsigned long long g_epoch = 1;
// The first finding of the running launch (shared-array bounds or hazards), reported after it.
std::string g_finding;
}  // namespace
const uint3* g_thread_idx = nullptr;
uint3 g_block_idx = {0, 0, 0};
dim3 g_block_dim;
dim3 g_grid_dim;

namespace {

enum State { RUNNABLE, AT_BLOCK, AT_WARP, DONE };

struct Fiber {
  uint3 idx;
  int lane, warp;
  State state;
  unsigned gen;  // how many warp exchanges this lane has done: selects the slot bank
  Site site;     // where in the source the thread waits
  unsigned mask; // the member mask of the warp intrinsic it waits at
  bool syncwarp;  // whether that intrinsic is __syncwarp (racecheck orders shared memory by it)
  // cp.async: copies started and not yet landed, oldest first from `landed` on, each with its group
  // (the number of commits before it started); `commits` counts this thread's commits.
  struct Copy {
    AsyncSlot slots[4];
    unsigned group;
  };
  std::vector<Copy> copies;
  size_t landed;
  unsigned commits;
#if defined(__x86_64__)
  void* sp;  // saved stack pointer while suspended
#else
  ucontext_t ctx;
#endif
};

// Two banks so that a lane racing ahead to its next exchange cannot overwrite words that slower
// lanes of the previous exchange have yet to read.
struct Warp {
  uint64_t words[2][32];
  unsigned syncs;  // releases of a __syncwarp by all 32 lanes in the running block
};

constexpr size_t kStack = 64 * 1024;
constexpr size_t kGuard = 4096;  // PROT_NONE page under each stack: an overflow faults at once
constexpr int kMaxThreads = 1024;

char* g_stacks = nullptr;
std::vector<Fiber> g_fibers(kMaxThreads);
std::vector<Warp> g_warps(kMaxThreads / 32);
Fiber* g_cur = nullptr;
void (*g_body)(void*) = nullptr;
void* g_ctx = nullptr;

char* stack_top(int i) { return g_stacks + (size_t)(i + 1) * (kStack + kGuard); }

bool ensure_stacks() {
  if (g_stacks) return true;
  const size_t total = (size_t)kMaxThreads * (kStack + kGuard);
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  g_stacks = (char*)p;
  for (int i = 0; i < kMaxThreads; i++) mprotect(g_stacks + (size_t)i * (kStack + kGuard), kGuard, PROT_NONE);
  return true;
}

void fiber_main(void* p);

}  // namespace
}  // namespace bvhost

#if defined(__x86_64__)
// bvhost_switch(save, to): pushes the callee-saved registers and the SSE/x87 control words, stores
// the stack pointer in *save, loads `to` and pops the same frame from there.
// bvhost_fiber_start: where a fresh fiber's first switch "returns" to; calls r13(r12).
extern "C" void bvhost_switch(void** save, void* to);
extern "C" void bvhost_fiber_start();
asm(R"(
  .text
  .p2align 4
  .globl bvhost_switch
  .hidden bvhost_switch
  .type bvhost_switch,@function
bvhost_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size bvhost_switch,.-bvhost_switch

  .p2align 4
  .globl bvhost_fiber_start
  .hidden bvhost_fiber_start
  .type bvhost_fiber_start,@function
bvhost_fiber_start:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size bvhost_fiber_start,.-bvhost_fiber_start
)");
#endif

namespace bvhost {
namespace {

#if defined(__x86_64__)
void* g_sched_sp = nullptr;

void init_fiber(Fiber& f, int i) {
  uint64_t* top = (uint64_t*)stack_top(i);  // 16-byte aligned
  uint64_t* sp = top - 10;
  uint32_t mxcsr;
  uint16_t fcw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fcw));
  sp[0] = (uint64_t)mxcsr | ((uint64_t)fcw << 32);
  sp[1] = 0;                        // r15
  sp[2] = 0;                        // r14
  sp[3] = (uint64_t)&fiber_main;    // r13: function
  sp[4] = (uint64_t)&f;             // r12: its argument
  sp[5] = 0;                        // rbx
  sp[6] = 0;                        // rbp
  sp[7] = (uint64_t)&bvhost_fiber_start;  // return address; after `ret` rsp = top - 16, aligned
  f.sp = sp;
}

void resume(Fiber& f) {
  g_cur = &f;
  g_thread_idx = &f.idx;
  bvhost_switch(&g_sched_sp, f.sp);
}

void yield_to_scheduler() { bvhost_switch(&g_cur->sp, g_sched_sp); }
#else
ucontext_t g_sched_ctx;

void trampoline(unsigned hi, unsigned lo) {
  fiber_main((void*)(((uintptr_t)hi << 32) | lo));
}

void init_fiber(Fiber& f, int i) {
  getcontext(&f.ctx);
  f.ctx.uc_stack.ss_sp = stack_top(i) - kStack;
  f.ctx.uc_stack.ss_size = kStack;
  f.ctx.uc_link = nullptr;
  const uintptr_t p = (uintptr_t)&f;
  makecontext(&f.ctx, (void (*)())trampoline, 2, (unsigned)(p >> 32), (unsigned)p);
}

void resume(Fiber& f) {
  g_cur = &f;
  g_thread_idx = &f.idx;
  swapcontext(&g_sched_ctx, &f.ctx);
}

void yield_to_scheduler() { swapcontext(&g_cur->ctx, &g_sched_ctx); }
#endif

void fiber_main(void* p) {
  Fiber* f = (Fiber*)p;
  g_body(g_ctx);
  f->state = DONE;
  yield_to_scheduler();  // never resumed: the next block builds fresh fibers
}

std::string block_name() {
  return "block (" + std::to_string(g_block_idx.x) + "," + std::to_string(g_block_idx.y) + "," +
         std::to_string(g_block_idx.z) + ")";
}

bool same_site(const Site& a, const Site& b) {
  return a.line == b.line && (a.file == b.file || (a.file && b.file && strcmp(a.file, b.file) == 0));
}

std::string where(const Site& s) {
  const char* f = s.file ? strrchr(s.file, '/') : nullptr;
  return std::string(f ? f + 1 : (s.file ? s.file : "?")) + ":" + std::to_string(s.line);
}

std::string hex(unsigned v) {
  char b[16];
  snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

// synccheck at a warp release: every waiting lane at one intrinsic, each naming exactly the lanes
// that are converged there (the live lanes of the warp, all of which wait: the harness releases a
// warp only then). A mask naming an exited lane, or leaving out a lane that takes part, is
// undefined behaviour on a GPU.
std::string check_warp(int w, int n) {
  unsigned live = 0;
  int first = -1;
  for (int i = w * 32; i < n && i < w * 32 + 32; i++) {
    if (g_fibers[i].state == DONE) continue;
    live |= 1u << (i - w * 32);
    if (first < 0) {
      first = i;
    } else if (!same_site(g_fibers[i].site, g_fibers[first].site)) {
      return "synccheck: warp " + std::to_string(w) + " of " + block_name() + ": lanes " +
             std::to_string(first - w * 32) + " and " + std::to_string(i - w * 32) +
             " wait at different warp intrinsics (" + where(g_fibers[first].site) + " and " +
             where(g_fibers[i].site) + ")";
    }
  }
  for (int i = w * 32; i < n && i < w * 32 + 32; i++) {
    const Fiber& f = g_fibers[i];
    if (f.state == DONE) continue;
    if (f.mask != live) {
      return "synccheck: warp " + std::to_string(w) + " of " + block_name() + ": lane " + std::to_string(i - w * 32) +
             " calls a warp intrinsic with member mask " + hex(f.mask) + " but the lanes converged there are " +
             hex(live);
    }
  }
  return "";
}

// synccheck at a block release: every live thread waits at the same __syncthreads.
std::string check_block(int n) {
  int first = -1;
  for (int i = 0; i < n; i++) {
    if (g_fibers[i].state != AT_BLOCK) continue;
    if (first < 0) {
      first = i;
    } else if (!same_site(g_fibers[i].site, g_fibers[first].site)) {
      return "synccheck: divergent __syncthreads in " + block_name() + ": threads " + std::to_string(first) + " and " +
             std::to_string(i) + " wait at different barriers (" + where(g_fibers[first].site) + " and " +
             where(g_fibers[i].site) + ")";
    }
  }
  return "";
}

// Runs the current block to completion; returns an error text or "".
std::string run_block(int n) {
  for (int i = 0; i < n; i++) {
    Fiber& f = g_fibers[i];
    const int bx = g_block_dim.x, by = g_block_dim.y;
    f.idx = {(unsigned)(i % bx), (unsigned)((i / bx) % by), (unsigned)(i / (bx * by))};
    f.lane = i % 32;
    f.warp = i / 32;
    f.state = RUNNABLE;
    f.gen = 0;
    f.site = Site{};
    f.mask = 0;
    f.syncwarp = false;
    f.copies.clear();
    f.landed = 0;
    f.commits = 0;
    init_fiber(f, i);
  }
  const int warps = (n + 31) / 32;
  for (int w = 0; w < warps; w++) g_warps[w].syncs = 0;
  g_epoch++;
  // racecheck: each round resumes the runnable threads in a seeded random order (a splitmix64 stream
  // keyed by the schedule seed and the block), so a result that depends on the order between
  // barriers changes with the seed.
  std::vector<int> order(n);
  for (int i = 0; i < n; i++) order[i] = i;
  uint64_t rng = g_checks.seed ^ (((uint64_t)g_block_idx.z << 42) ^ ((uint64_t)g_block_idx.y << 21) ^ g_block_idx.x);
  auto next = [&rng]() {
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (;;) {
    if (g_checks.race) {
      for (int i = n - 1; i > 0; i--) std::swap(order[i], order[next() % (uint64_t)(i + 1)]);
    }
    for (int k = 0; k < n; k++) {
      Fiber& f = g_fibers[order[k]];
      if (f.state == RUNNABLE) resume(f);
    }
    bool released = false;
    int live = 0, at_block = 0;
    for (int w = 0; w < warps; w++) {
      int live_w = 0, at_warp = 0;
      for (int i = w * 32; i < n && i < w * 32 + 32; i++) {
        const State s = g_fibers[i].state;
        if (s != DONE) live_w++;
        if (s == AT_WARP) at_warp++;
        if (s == AT_BLOCK) at_block++;
      }
      live += live_w;
      if (at_warp > 0 && at_warp == live_w) {
        if (g_checks.sync) {
          std::string bad = check_warp(w, n);
          if (!bad.empty()) return bad;
        }
        // a __syncwarp met by all 32 lanes orders their shared-memory accesses (racecheck)
        if (live_w == 32 && g_fibers[w * 32].syncwarp) g_warps[w].syncs++;
        for (int i = w * 32; i < n && i < w * 32 + 32; i++) {
          if (g_fibers[i].state == AT_WARP) g_fibers[i].state = RUNNABLE;
        }
        released = true;
      }
    }
    if (released) continue;
    if (live == 0) return "";
    if (at_block == live) {
      if (g_checks.sync) {
        std::string bad = check_block(n);
        if (!bad.empty()) return bad;
      }
      g_epoch++;
      for (int i = 0; i < n; i++) {
        if (g_fibers[i].state == AT_BLOCK) g_fibers[i].state = RUNNABLE;
      }
      continue;
    }
    return "deadlock in " + block_name() + ": " + std::to_string(at_block) + " of " + std::to_string(live) +
           " live threads wait at __syncthreads while the others wait at a warp shuffle";
  }
}

}  // namespace

int current_thread() { return (int)(g_cur - g_fibers.data()); }

bool g_shared_tracking = false;

void note_finding(const std::string& what) {
  if (g_finding.empty()) g_finding = what;
}

// "[i][j]", or "[i]" for a 1-D array (j < 0).
std::string subscript(long i, long j) {
  return "[" + std::to_string(i) + "]" + (j < 0 ? std::string() : "[" + std::to_string(j) + "]");
}

void misaligned(const char* op, const void* p) {
  char where[32];
  snprintf(where, sizeof where, "%p", p);
  note_finding("misaligned address: " + std::string(op) + " at " + where +
               " by thread " + std::to_string(current_thread()) + " of " + block_name() + " (a 128-bit access needs 16-byte alignment)");
}

void misaligned_shared(const char* op, const char* name, long r, long c, long cols, bool declared, int bytes) {
  note_finding("misaligned address: " + std::string(op) + " at " + name + subscript(r, c) + " by thread " +
               std::to_string(current_thread()) + " of " + block_name() + " (a " + std::to_string(8 * bytes) +
               "-bit access needs " + std::to_string(bytes) + "-byte alignment; " +
               (declared ? "the element's offset, row × " + std::to_string(cols) + " + column, is not a multiple of " +
                               std::to_string(bytes / 4)
                         : "the array is not declared with BV_SHARED2A, so its base is not aligned") +
               ")");
}

void wmma_misaligned(const char* op, const void* p, unsigned ldm) {
  char where[32];
  snprintf(where, sizeof where, "%p", p);
  note_finding("misaligned address: " + std::string(op) + (p ? std::string(" at ") + where : std::string()) +
               " with ldm " + std::to_string(ldm) + " by thread " + std::to_string(current_thread()) + " of " +
               block_name() + " (WMMA needs a 32-byte aligned pointer and ldm a multiple of 4 floats)");
}

void shared_out_of_bounds(const char* name, long i, long j, long rows, long cols) {
  if (!g_checks.mem) return;
  note_finding("memcheck: shared array " + std::string(name) + ": thread " + std::to_string(current_thread()) +
               " of " + block_name() + " accessed index " + subscript(i, j) + " outside its extent " +
               subscript(rows, cols));
}

// A racecheck hazard on element (i, j) of the named array: who touched it, and the kind of hazard.
void hazard(const char* name, long i, long j, const std::string& who, const char* kind) {
  note_finding("racecheck: shared array " + std::string(name) + subscript(i, j) + " in " + block_name() + ": " + who +
               " between the same two barriers (" + kind + " hazard)");
}

// Whether an access made in this barrier epoch by a thread of warp `warp`, when that warp had had
// `syncs` whole-warp __syncwarp releases, is ordered before an access by thread t now.
bool warp_ordered(int warp, unsigned syncs, int t) {
  return warp == t / 32 && g_warps[warp].syncs > syncs;
}

void shared_read(SharedMeta& m, const char* name, long i, long j) {
  const int t = current_thread();
  const unsigned syncs = g_warps[t / 32].syncs;
  if (m.w_epoch == g_epoch && m.w_tid != t && !warp_ordered(m.w_tid / 32, m.w_sync, t)) {
    hazard(name, i, j, "written by thread " + std::to_string(m.w_tid) + " and read by thread " + std::to_string(t),
           "read-after-write");
  }
  if (m.r_epoch != g_epoch) {
    m.r_epoch = g_epoch;
    m.r_tid = t;
    m.r_warp = t / 32;
  } else if (m.r_tid != t) {
    m.r_tid = -2;
    if (m.r_warp != t / 32) m.r_warp = -1;
  }
  m.r_sync = syncs;  // syncs only grow within a block, so this is the latest read's count
}

void shared_write(SharedMeta& m, const char* name, long i, long j) {
  const int t = current_thread();
  if (m.w_epoch == g_epoch && m.w_tid != t && !warp_ordered(m.w_tid / 32, m.w_sync, t)) {
    hazard(name, i, j, "written by threads " + std::to_string(m.w_tid) + " and " + std::to_string(t), "write-after-write");
  } else if (m.r_epoch == g_epoch && m.r_tid != t && !warp_ordered(m.r_warp, m.r_sync, t)) {
    hazard(name, i, j, "read by " + (m.r_tid == -2 ? std::string("several threads") : "thread " + std::to_string(m.r_tid)) +
                           " and written by thread " + std::to_string(t),
           "write-after-read");
  }
  m.w_epoch = g_epoch;
  m.w_tid = t;
  m.w_sync = g_warps[t / 32].syncs;
}

void sync_threads(Site site) {
  g_cur->site = site;
  g_cur->state = AT_BLOCK;
  yield_to_scheduler();
}

namespace {
const uint64_t* exchange(uint64_t word, unsigned int mask, Site site, bool syncwarp) {
  Fiber* f = g_cur;
  f->site = site;
  f->mask = mask;
  f->syncwarp = syncwarp;
  Warp& w = g_warps[f->warp];
  const unsigned bank = f->gen++ & 1;
  w.words[bank][f->lane] = word;
  f->state = AT_WARP;
  yield_to_scheduler();
  return w.words[bank];
}
}  // namespace

const uint64_t* warp_exchange(uint64_t word, unsigned int mask, Site site) { return exchange(word, mask, site, false); }

void sync_warp(unsigned int mask, Site site) { exchange(0, mask, site, true); }

int lane_id() { return g_cur->lane; }

void cp_async_issue(const AsyncSlot (&slots)[4]) {
  Fiber* f = g_cur;
  f->copies.push_back(Fiber::Copy{{slots[0], slots[1], slots[2], slots[3]}, f->commits});
}

void cp_async_commit() { g_cur->commits++; }

void cp_async_wait(int n) {
  Fiber* f = g_cur;
  // groups [0, commits − n) must have landed; copies not yet committed need not
  const unsigned done = f->commits > (unsigned)n ? f->commits - (unsigned)n : 0;
  while (f->landed < f->copies.size() && f->copies[f->landed].group < done) {
    for (const AsyncSlot& a : f->copies[f->landed].slots) SharedRef<float>{a.p, a.m, a.name, a.i, a.j} = a.v;
    f->landed++;
  }
  if (f->landed == f->copies.size()) {
    f->copies.clear();
    f->landed = 0;
  }
}

std::string run_grid(dim3 grid, dim3 block, void (*body)(void*), void* ctx) {
  const long long threads = (long long)block.x * block.y * block.z;
  if (threads < 1 || threads > kMaxThreads) {
    return "block of " + std::to_string(threads) + " threads: expected 1 to " + std::to_string(kMaxThreads);
  }
  if (block.z > 64) return "block z of " + std::to_string(block.z) + ": expected at most 64";
  if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.y > 65535 || grid.z > 65535) {
    return "grid (" + std::to_string(grid.x) + "," + std::to_string(grid.y) + "," + std::to_string(grid.z) +
           "): expected x ≥ 1 and 1 ≤ y, z ≤ 65535";
  }
  if (!ensure_stacks()) return "could not map fiber stacks";
  g_body = body;
  g_ctx = ctx;
  g_finding.clear();
  g_block_dim = block;
  g_grid_dim = grid;
  for (unsigned z = 0; z < grid.z; z++) {
    for (unsigned y = 0; y < grid.y; y++) {
      for (unsigned x = 0; x < grid.x; x++) {
        g_block_idx = {x, y, z};
        std::string err = run_block((int)threads);
        if (!err.empty()) return err;
        if (!g_finding.empty()) return g_finding;
      }
    }
  }
  return "";
}

}  // namespace bvhost
