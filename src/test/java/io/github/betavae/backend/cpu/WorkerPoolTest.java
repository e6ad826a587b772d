package io.github.betavae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

  @Test
  void runsEveryTaskExactlyOnceOnValidWorkers() {
    for (int threads : new int[] {1, 2, 3, 5}) {
      try (WorkerPool pool = new WorkerPool(threads, "test")) {
        // Task counts below, at and above the thread count, many times over to shake out races.
        for (int n : new int[] {0, 1, 2, 3, 4, 7, 64, 1000}) {
          for (int rep = 0; rep < 50; rep++) {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
            AtomicIntegerArray badWorker = new AtomicIntegerArray(1);
            pool.run((task, worker) -> {
              hits.incrementAndGet(task);
              if (worker < 0 || worker >= threads) badWorker.incrementAndGet(0);
            }, n);
            for (int t = 0; t < n; t++) assertEquals(1, hits.get(t), "task " + t + " of " + n + " with " + threads + " threads");
            assertEquals(0, badWorker.get(0), "worker index out of range");
          }
        }
      }
    }
  }

  @Test
  void usesSeveralThreadsWhenThereIsWork() throws Exception {
    try (WorkerPool pool = new WorkerPool(3, "test")) {
      Set<Integer> workers = ConcurrentHashMap.newKeySet();
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      // Tasks that wait a little so the daemon workers get to take some of them.
      pool.run((task, worker) -> {
        workers.add(worker);
        threads.add(Thread.currentThread());
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, 60);
      assertEquals(Set.of(0, 1, 2), workers);
      assertTrue(threads.contains(Thread.currentThread()), "the caller is worker 0");
      for (Thread t : threads) if (t != Thread.currentThread()) assertTrue(t.isDaemon(), t.getName() + " is a daemon");
    }
  }

  @Test
  void rethrowsTheFirstFailureAndStaysUsable() {
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      IllegalStateException boom = new IllegalStateException("task 5 failed");
      for (int rep = 0; rep < 20; rep++) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((task, worker) -> {
          if (task == 5) throw boom;
        }, 40));
        assertSame(boom, e);
      }
      AtomicIntegerArray hits = new AtomicIntegerArray(10);
      pool.run((task, worker) -> hits.incrementAndGet(task), 10);
      for (int t = 0; t < 10; t++) assertEquals(1, hits.get(t));
    }
  }

  @Test
  void closeIsIdempotentAndStopsTheDaemonThreads() throws Exception {
    WorkerPool pool = new WorkerPool(3, "closing");
    Set<Thread> daemons = ConcurrentHashMap.newKeySet();
    pool.run((task, worker) -> {
      if (worker > 0) daemons.add(Thread.currentThread());
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, 30);
    pool.close();
    pool.close();
    for (Thread t : daemons) {
      t.join(5000);
      assertTrue(!t.isAlive(), t.getName() + " stopped");
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((task, worker) -> {}, 3));
    assertTrue(e.getMessage().contains("close"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0, "none"));
  }
}
