package io.github.mezo4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The dispatch scheme {@code Workers} used before it kept its own spinning helper threads: each
 * loop submits one drain per helper to a fixed {@link ExecutorService} and waits on every {@link
 * Future}, so each call wakes a parked thread and waits for it even when no task is left for it.
 * Kept only as the baseline of {@link ScalingProbe}'s dispatch measurement (no failure handling).
 */
final class ExecutorLoop implements AutoCloseable {
  private final int threads;
  private final ExecutorService pool;

  ExecutorLoop(int threads) {
    this.threads = threads;
    this.pool =
        Executors.newFixedThreadPool(
            threads - 1,
            r -> {
              Thread t = new Thread(r, "executor-loop");
              t.setDaemon(true);
              return t;
            });
  }

  void parallelFor(int tasks, IntConsumer body) throws ExecutionException, InterruptedException {
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
    drain.run();
    for (Future<?> f : futures) {
      f.get();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
