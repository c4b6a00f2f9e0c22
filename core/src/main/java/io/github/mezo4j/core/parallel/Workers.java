package io.github.mezo4j.core.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed number of worker threads for data-parallel loops. Work is split into tasks whose
 * boundaries never depend on the thread count, so as long as each task writes its own slice and
 * reductions combine task results in task order, results are bit-identical for any thread count.
 */
public final class Workers implements AutoCloseable {
  private static final Workers SERIAL = new Workers(1);
  private static volatile Workers defaultWorkers;

  private final int threads;
  private final ExecutorService pool;

  private Workers(int threads) {
    this.threads = threads;
    this.pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t = new Thread(r, "mezo4j-worker");
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
   * returns when all are done. The first exception thrown by a task is rethrown.
   */
  public void parallelFor(int tasks, IntConsumer body) {
    if (tasks <= 0) {
      return;
    }
    if (pool == null || tasks == 1) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Runnable drain =
        () -> {
          for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
            body.accept(t);
          }
        };
    int helpers = Math.min(threads - 1, tasks - 1);
    List<Future<?>> futures = new ArrayList<>(helpers);
    for (int i = 0; i < helpers; i++) {
      futures.add(pool.submit(drain));
    }
    RuntimeException failure = null;
    try {
      drain.run();
    } catch (RuntimeException | Error e) {
      failure = e instanceof RuntimeException re ? re : new RuntimeException(e);
      next.set(tasks);
    }
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          Throwable cause = e.getCause();
          failure = cause instanceof RuntimeException re ? re : new RuntimeException(cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for workers", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Stops the threads (shared and serial workers ignore this). */
  @Override
  public void close() {
    if (pool != null && this != defaultWorkers) {
      pool.shutdownNow();
    }
  }
}
