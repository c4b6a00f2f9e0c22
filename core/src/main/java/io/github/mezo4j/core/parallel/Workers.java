package io.github.mezo4j.core.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed number of worker threads for data-parallel loops. Work is split into tasks whose
 * boundaries never depend on the thread count, so as long as each task writes its own slice and
 * reductions combine task results in task order, results are bit-identical for any thread count.
 *
 * <p>{@link #parallelFor} never returns or throws while one of its tasks is still running, so the
 * next pass over the same data (a MeZO restore after a perturbation) cannot overlap it. A task may
 * itself call {@code parallelFor} on the same workers: the nested loop runs on that task's thread.
 */
public final class Workers implements AutoCloseable {
  private static final Workers SERIAL = new Workers(1);
  private static volatile Workers defaultWorkers;

  private final int threads;
  private final ExecutorService pool;
  // true on this instance's pool threads, and on a caller thread while its parallelFor runs:
  // a parallelFor from such a thread must not wait for the pool (it may be the pool).
  private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private Workers(int threads) {
    this.threads = threads;
    this.pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t =
                      new Thread(
                          () -> {
                            inside.set(Boolean.TRUE);
                            r.run();
                          },
                          "mezo4j-worker");
                  t.setDaemon(true);
                  return t;
                });
  }

  /** Workers running on {@code threads} threads (the caller's thread counts as one). */
  public static Workers of(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    return threads == 1 ? SERIAL : new Workers(threads);
  }

  /** Runs everything on the caller's thread. */
  public static Workers serial() {
    return SERIAL;
  }

  /**
   * Shared workers, one per available processor unless the system property {@code mezo4j.threads}
   * says otherwise.
   */
  public static Workers shared() {
    Workers w = defaultWorkers;
    if (w == null) {
      synchronized (Workers.class) {
        w = defaultWorkers;
        if (w == null) {
          int n = Integer.getInteger("mezo4j.threads", Runtime.getRuntime().availableProcessors());
          w = of(Math.max(1, n));
          defaultWorkers = w;
        }
      }
    }
    return w;
  }

  public int threads() {
    return threads;
  }

  /**
   * Runs {@code body.accept(task)} for every task in {@code [0, tasks)}, spread over the threads;
   * returns when all are done.
   *
   * <p>Nested use: called from inside a task of this same {@code Workers} (on a pool thread or on a
   * thread already running a {@code parallelFor} of it), the tasks run on the calling thread, in
   * order, because waiting for the busy pool could deadlock. Task boundaries do not change, so
   * results stay bit-identical. A {@code parallelFor} of another {@code Workers} runs in parallel
   * as usual.
   *
   * <p>Failure: when a task throws, no new tasks are started; once every started task has finished,
   * the first failure is rethrown as it is if it is a {@link RuntimeException} or an {@link Error},
   * otherwise (a checked exception thrown sneakily) wrapped in a {@code RuntimeException}. Later
   * failures are attached as suppressed exceptions.
   *
   * <p>Interruption: if the calling thread is interrupted, no new tasks are started; the call still
   * waits for every started task to finish, then throws {@link IllegalStateException} with the
   * thread's interrupt flag set (a task's own failure takes precedence). Runs on a single thread
   * (serial workers, one task, or nested) do not check for interruption.
   */
  public void parallelFor(int tasks, IntConsumer body) {
    if (tasks <= 0) {
      return;
    }
    if (pool == null || tasks == 1 || inside.get()) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    inside.set(Boolean.TRUE);
    try {
      runOnPool(tasks, body);
    } finally {
      inside.remove();
    }
  }

  private void runOnPool(int tasks, IntConsumer body) {
    if (Thread.currentThread().isInterrupted()) {
      throw new IllegalStateException("interrupted before parallelFor started any task");
    }
    AtomicInteger next = new AtomicInteger();
    Runnable drain =
        () -> {
          try {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
              body.accept(t);
            }
          } catch (Throwable e) {
            next.set(tasks); // the loop has failed: start no more tasks anywhere
            throw e;
          }
        };
    int helpers = Math.min(threads - 1, tasks - 1);
    List<Future<?>> futures = new ArrayList<>(helpers);
    Throwable failure = null;
    try {
      for (int i = 0; i < helpers; i++) {
        futures.add(pool.submit(drain));
      }
    } catch (RejectedExecutionException e) {
      next.set(tasks);
      failure = new IllegalStateException("these workers are closed", e);
    }
    Thread me = Thread.currentThread();
    boolean interrupted = false;
    if (failure == null) {
      try {
        // the caller's share of the tasks, stopping early if it is interrupted
        while (!me.isInterrupted()) {
          int t = next.getAndIncrement();
          if (t >= tasks) {
            break;
          }
          body.accept(t);
        }
      } catch (Throwable e) {
        failure = e;
      }
    }
    if (me.isInterrupted()) {
      interrupted = true;
    }
    next.set(tasks);
    // wait for every started task, interrupted or not, so none outlives this call
    for (Future<?> f : futures) {
      while (true) {
        try {
          f.get();
          break;
        } catch (ExecutionException e) {
          failure = firstOf(failure, e.getCause());
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      me.interrupt();
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    if (failure != null) {
      throw new RuntimeException("a parallelFor task failed: " + failure, failure);
    }
    if (interrupted) {
      throw new IllegalStateException(
          "interrupted while running parallelFor; every started task has finished");
    }
  }

  private static Throwable firstOf(Throwable first, Throwable later) {
    if (first == null) {
      return later;
    }
    if (later != first) {
      first.addSuppressed(later);
    }
    return first;
  }

  /** Stops the threads (shared and serial workers ignore this). */
  @Override
  public void close() {
    if (pool != null && this != defaultWorkers) {
      pool.shutdownNow();
    }
  }
}
