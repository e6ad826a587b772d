package io.github.betavae.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon threads that run the tasks {@code 0 .. n-1} of one job at a time.
 *
 * <p>The pool has {@code threads} workers in all: worker 0 is the calling thread, which takes its
 * share of the tasks instead of sleeping while the others work, and workers {@code 1 .. threads-1}
 * are daemon threads owned by the pool. Tasks are handed out from a shared counter, so which worker
 * runs a task varies from call to call; jobs must therefore make every task's result independent of
 * the worker that runs it (each worker only brings its own scratch memory).
 *
 * <p>One job runs at a time: {@link #run} is synchronized, so concurrent callers queue up.
 */
final class WorkerPool implements AutoCloseable {

  /** The body of a job: computes task {@code task} using worker {@code worker}'s scratch. */
  interface Job {
    void run(int task, int worker);
  }

  private final int threads;
  private final Daemon[] daemons;
  private final AtomicInteger nextTask = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private volatile boolean closed;
  private int generation;
  // Written before a daemon's volatile ticket is set, read after the daemon sees its ticket.
  private Job job;
  private int tasks;
  private Thread caller;
  private volatile Throwable failure;

  /** A daemon worker; it runs a job when its ticket changes, so unneeded ones stay asleep. */
  private final class Daemon extends Thread {
    final int index;
    volatile int ticket;

    Daemon(int index, String name) {
      super(name);
      this.index = index;
      setDaemon(true);
    }

    @Override
    public void run() {
      loop(this);
    }
  }

  /** A pool of {@code threads} workers in all (the caller counts as one). */
  WorkerPool(int threads, String name) {
    if (threads < 1) throw new IllegalArgumentException("worker pool: expected threads ≥ 1 but found " + threads);
    this.threads = threads;
    this.daemons = new Daemon[threads - 1];
    for (int i = 0; i < daemons.length; i++) {
      daemons[i] = new Daemon(i + 1, name + "-" + (i + 1));
      daemons[i].start();
    }
  }

  /** Number of workers, the caller included. */
  int threads() {
    return threads;
  }

  /**
   * Runs {@code job} for every task index in {@code [0, n)} and returns when all are done. Runs inline
   * on the caller when there is one task or one thread. The first exception thrown by a task is
   * rethrown here after all workers have stopped.
   */
  synchronized void run(Job job, int n) {
    if (closed) throw new IllegalStateException("cpu backend: used after close()");
    if (n <= 0) return;
    int use = Math.min(threads, n);
    if (use == 1) {
      for (int t = 0; t < n; t++) job.run(t, 0);
      return;
    }
    this.job = job;
    this.tasks = n;
    this.caller = Thread.currentThread();
    this.failure = null;
    nextTask.set(0);
    pending.set(use - 1);
    generation++;
    for (int i = 0; i < use - 1; i++) {
      daemons[i].ticket = generation; // volatile write: publishes the fields above
      LockSupport.unpark(daemons[i]);
    }
    try {
      drain(job, n, 0);
    } catch (Throwable t) {
      // Stop the daemons from starting new tasks, wait for them, then report.
      nextTask.set(n);
      awaitDaemons();
      this.job = null;
      throw t;
    }
    awaitDaemons();
    this.job = null;
    Throwable f = failure;
    if (f != null) {
      failure = null;
      if (f instanceof RuntimeException) throw (RuntimeException) f;
      if (f instanceof Error) throw (Error) f;
      throw new IllegalStateException("worker pool: task failed", f);
    }
  }

  private void awaitDaemons() {
    while (pending.get() != 0) LockSupport.park(this);
  }

  private void drain(Job j, int n, int worker) {
    for (int t = nextTask.getAndIncrement(); t < n; t = nextTask.getAndIncrement()) j.run(t, worker);
  }

  private void loop(Daemon self) {
    int seen = 0;
    while (true) {
      int g;
      while ((g = self.ticket) == seen) {
        if (closed) return;
        LockSupport.park(this);
      }
      seen = g;
      Job j = job;
      int n = tasks;
      Thread c = caller;
      try {
        drain(j, n, self.index);
      } catch (Throwable t) {
        if (failure == null) failure = t;
        nextTask.set(n);
      } finally {
        if (pending.decrementAndGet() == 0) LockSupport.unpark(c);
      }
    }
  }

  /** Stops the daemon threads after the job in progress, if any; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    for (Thread t : daemons) LockSupport.unpark(t);
  }
}
