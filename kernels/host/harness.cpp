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

#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace bvhost {

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
    init_fiber(f, i);
  }
  const int warps = (n + 31) / 32;
  for (;;) {
    for (int i = 0; i < n; i++) {
      if (g_fibers[i].state == RUNNABLE) resume(g_fibers[i]);
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
        for (int i = w * 32; i < n && i < w * 32 + 32; i++) {
          if (g_fibers[i].state == AT_WARP) g_fibers[i].state = RUNNABLE;
        }
        released = true;
      }
    }
    if (released) continue;
    if (live == 0) return "";
    if (at_block == live) {
      for (int i = 0; i < n; i++) {
        if (g_fibers[i].state == AT_BLOCK) g_fibers[i].state = RUNNABLE;
      }
      continue;
    }
    return "deadlock in block (" + std::to_string(g_block_idx.x) + "," + std::to_string(g_block_idx.y) + "," +
           std::to_string(g_block_idx.z) + "): " + std::to_string(at_block) + " of " + std::to_string(live) +
           " live threads wait at __syncthreads while the others wait at a warp shuffle";
  }
}

}  // namespace

void sync_threads() {
  g_cur->state = AT_BLOCK;
  yield_to_scheduler();
}

const uint64_t* warp_exchange(uint64_t word) {
  Fiber* f = g_cur;
  Warp& w = g_warps[f->warp];
  const unsigned bank = f->gen++ & 1;
  w.words[bank][f->lane] = word;
  f->state = AT_WARP;
  yield_to_scheduler();
  return w.words[bank];
}

int lane_id() { return g_cur->lane; }

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
  g_block_dim = block;
  g_grid_dim = grid;
  for (unsigned z = 0; z < grid.z; z++) {
    for (unsigned y = 0; y < grid.y; y++) {
      for (unsigned x = 0; x < grid.x; x++) {
        g_block_idx = {x, y, z};
        std::string err = run_block((int)threads);
        if (!err.empty()) return err;
      }
    }
  }
  return "";
}

}  // namespace bvhost
