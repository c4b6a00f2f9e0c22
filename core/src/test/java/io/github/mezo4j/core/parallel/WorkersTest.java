package io.github.mezo4j.core.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** Workers.parallelFor: every task once, failures and interrupts never leave tasks running. */
class WorkersTest {
  static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** Parks until {@code done} holds; does not clear or react to the interrupt flag. */
  static void awaitCondition(BooleanSupplier done) {
    long deadline = System.nanoTime() + PATIENCE_NANOS;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached in time");
      }
      LockSupport.parkNanos(200_000);
    }
  }

  static boolean isPoolThread(Thread caller) {
    return Thread.currentThread() != caller;
  }

  @Test
  void everyTaskRunsExactlyOnceForAnyThreadCount() {
    for (int threads = 1; threads <= 4; threads++) {
      for (int spin : new int[] {0, 50}) {
        everyTaskOnce(threads, Workers.of(threads, spin));
      }
      everyTaskOnce(threads, Workers.of(threads));
    }
  }

  static void everyTaskOnce(int threads, Workers workers) {
    try (Workers w = workers) {
      for (int tasks : new int[] {0, 1, 2, 3, 17, 1000}) {
        AtomicInteger[] runs = new AtomicInteger[tasks];
        Arrays.setAll(runs, i -> new AtomicInteger());
        w.parallelFor(tasks, t -> runs[t].incrementAndGet());
        for (int t = 0; t < tasks; t++) {
          assertEquals(1, runs[t].get(), "threads=" + threads + " task " + t);
        }
      }
    }
  }

  @Test
  void spinMustNotBeNegative() {
    assertThrows(IllegalArgumentException.class, () -> Workers.of(2, -1));
    assertThrows(IllegalArgumentException.class, () -> Workers.of(0, 10));
  }

  /**
   * Runs a 2-task loop whose second task is guaranteed to run on a helper (the caller's task waits
   * for it to start); returns that helper thread.
   */
  static Thread helperOf(Workers w, IntConsumer onHelper) {
    Thread caller = Thread.currentThread();
    AtomicReference<Thread> helper = new AtomicReference<>();
    w.parallelFor(
        2,
        t -> {
          if (isPoolThread(caller)) {
            helper.set(Thread.currentThread());
            onHelper.accept(t);
          } else {
            awaitCondition(() -> helper.get() != null);
          }
        });
    return helper.get();
  }

  @Test
  void statsCountCallsAndWhoRanTheirTasks() {
    try (Workers w = Workers.of(2, 0)) {
      Workers.Stats s0 = w.stats();
      w.parallelFor(1, t -> {}); // one task: inline
      w.parallelFor(0, t -> {}); // nothing at all
      helperOf(w, t -> {}); // dispatched; the helper ran one of the two tasks
      w.parallelFor(3, t -> w.parallelFor(4, u -> {})); // dispatched, three nested inline
      w.parallelFor(1000, t -> {});
      Workers.Stats d = w.stats().minus(s0);
      assertEquals(3, d.dispatched());
      assertEquals(4, d.inline());
      assertEquals(2 + 3 + 1000, d.callerTasks() + d.helperTasks());
      assertTrue(d.helperTasks() >= 1, d.toString());
      assertTrue(d.helperJoins() >= 1, d.toString());
      assertTrue(d.callerRunNanos() > 0 && d.helperRunNanos() > 0, d.toString());
    }
  }

  @Test
  void aLoopDoesNotWaitForABusyHelper() throws Exception {
    // Thread A's loop keeps the only helper busy; a second caller's loop on the same workers must
    // finish on its own thread instead of queueing behind it.
    try (Workers w = Workers.of(2, 50)) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch helperBusy = new CountDownLatch(1);
      Thread a =
          new Thread(
              () ->
                  helperOf(
                      w,
                      t -> {
                        helperBusy.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }),
              "test-a");
      a.start();
      try {
        assertTrue(helperBusy.await(10, TimeUnit.SECONDS));
        int[] ran = new int[100];
        boolean[] allMine = {true};
        // (assertTimeoutPreemptively runs the loop on a thread of its own: that is the caller)
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> {
              Thread me = Thread.currentThread();
              w.parallelFor(
                  ran.length,
                  t -> {
                    ran[t]++;
                    allMine[0] &= Thread.currentThread() == me;
                  });
            });
        assertTrue(allMine[0], "the busy helper took a task");
        for (int r : ran) {
          assertEquals(1, r);
        }
      } finally {
        release.countDown();
        a.join(10_000);
      }
      assertFalse(a.isAlive());
    }
  }

  @Test
  void aHelperInterruptedByItsTaskStillParksAndWorks() {
    // park() returns at once while the interrupt flag is set: the helper must clear it, or it
    // would spin at full speed between loops forever.
    try (Workers w = Workers.of(2, 0)) {
      Thread helper = helperOf(w, t -> Thread.currentThread().interrupt());
      awaitCondition(() -> helper.getState() == Thread.State.WAITING);
      AtomicInteger count = new AtomicInteger();
      w.parallelFor(50, t -> count.incrementAndGet());
      assertEquals(50, count.get());
    }
  }

  @Test
  void spinningHelpersParkWhenIdleAndStopOnClose() throws Exception {
    Workers w = Workers.of(2, 200);
    Thread helper = helperOf(w, t -> {});
    awaitCondition(() -> helper.getState() == Thread.State.WAITING);
    w.close();
    helper.join(TimeUnit.NANOSECONDS.toMillis(PATIENCE_NANOS));
    assertFalse(helper.isAlive(), "helper still running after close");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> w.parallelFor(4, t -> {}));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    int[] ran = {0};
    w.parallelFor(1, t -> ran[0]++); // a one-task loop needs no helper
    assertEquals(1, ran[0]);
  }

  @Test
  void interruptedCallerWaitsForStartedTasksThenThrowsWithTheFlagSet() throws Exception {
    try (Workers w = Workers.of(2)) {
      AtomicInteger running = new AtomicInteger();
      AtomicInteger poolTasks = new AtomicInteger();
      AtomicInteger runningWhenThrown = new AtomicInteger(-1);
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicReference<Boolean> flagWhenThrown = new AtomicReference<>();
      Thread[] callerRef = new Thread[1];
      Thread caller =
          new Thread(
              () -> {
                try {
                  w.parallelFor(
                      2,
                      t -> {
                        running.incrementAndGet();
                        try {
                          if (isPoolThread(callerRef[0])) {
                            poolTasks.incrementAndGet();
                            // slow: busy until the caller waits for it (or has given up on it)
                            awaitCondition(
                                () ->
                                    callerRef[0].getState() == Thread.State.WAITING
                                        || callerRef[0].getState() == Thread.State.TERMINATED);
                          } else {
                            // the other task is the pool thread's; the interrupt lands here
                            awaitCondition(() -> Thread.currentThread().isInterrupted());
                          }
                        } finally {
                          running.decrementAndGet();
                        }
                      });
                } catch (Throwable e) {
                  runningWhenThrown.set(running.get());
                  flagWhenThrown.set(Thread.currentThread().isInterrupted());
                  thrown.set(e);
                }
              },
              "test-caller");
      callerRef[0] = caller;
      caller.start();
      awaitCondition(() -> poolTasks.get() > 0);
      caller.interrupt();
      caller.join(TimeUnit.NANOSECONDS.toMillis(PATIENCE_NANOS));

      assertInstanceOf(IllegalStateException.class, thrown.get());
      assertTrue(thrown.get().getMessage().contains("interrupted"), thrown.get().getMessage());
      assertEquals(0, runningWhenThrown.get(), "tasks still running when parallelFor threw");
      assertEquals(Boolean.TRUE, flagWhenThrown.get(), "interrupt flag restored");
    }
  }

  /**
   * A pool thread's first task fails with {@code failure}; a task the caller starts waits until
   * that failure has unwound. Counts the caller's tasks in {@code callerTasks[0]}.
   */
  static Throwable failInPoolThread(Throwable failure, int[] callerTasks) {
    AtomicReference<Thread> poolThread = new AtomicReference<>();
    Thread caller = Thread.currentThread();
    try (Workers w = Workers.of(2)) {
      try {
        w.parallelFor(
            50,
            t -> {
              if (isPoolThread(caller)) {
                poolThread.set(Thread.currentThread());
                throwUnchecked(failure);
              }
              callerTasks[0]++;
              // the pool thread is idle again once its failed task has fully unwound
              awaitCondition(
                  () ->
                      poolThread.get() != null
                          && poolThread.get().getState() == Thread.State.WAITING);
            });
      } catch (Throwable e) {
        return e;
      }
    }
    throw new AssertionError("parallelFor did not throw");
  }

  // Java checks exceptions at compile time only: this lets a task throw a checked one, as JVM
  // languages without checked exceptions do.
  @SuppressWarnings("unchecked")
  static <T extends Throwable> void throwUnchecked(Throwable t) throws T {
    throw (T) t;
  }

  @Test
  void aFailedTaskStopsTheHandingOutOfTasks() {
    int[] callerTasks = {0};
    IllegalStateException boom = new IllegalStateException("boom");
    assertSame(boom, failInPoolThread(boom, callerTasks));
    // the caller may have started one task before the failure (that task waits for it), or
    // none if the pool thread failed first; never any after it
    assertTrue(callerTasks[0] <= 1, "the caller ran " + callerTasks[0] + " tasks");
  }

  @Test
  void errorsArePassedOnAsTheyAreAndCheckedThrowablesWrapped() {
    for (Throwable error :
        List.of(new AssertionError("a"), new StackOverflowError(), new OutOfMemoryError("o"))) {
      assertSame(error, failInPoolThread(error, new int[1]));
    }
    IOException checked = new IOException("io");
    Throwable wrapped = failInPoolThread(checked, new int[1]);
    assertInstanceOf(RuntimeException.class, wrapped);
    assertSame(checked, wrapped.getCause());

    // and on the caller's own thread
    try (Workers w = Workers.of(2)) {
      StackOverflowError soe = new StackOverflowError();
      assertSame(
          soe,
          assertThrows(
              StackOverflowError.class,
              () ->
                  w.parallelFor(
                      8,
                      t -> {
                        throw soe; // every task throws the same instance
                      })));
    }
  }

  @Test
  void nestedParallelForOnTheSameWorkersRunsInlineInsteadOfDeadlocking() {
    try (Workers w = Workers.of(2)) {
      int outer = 4;
      int inner = 5;
      List<List<Integer>> order = new ArrayList<>();
      for (int i = 0; i < outer; i++) {
        order.add(new ArrayList<>());
      }
      AtomicInteger deepest = new AtomicInteger();
      boolean[] sameThread = {true};
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () ->
              w.parallelFor(
                  outer,
                  i -> {
                    Thread mine = Thread.currentThread();
                    w.parallelFor(
                        inner,
                        j -> {
                          if (Thread.currentThread() != mine) {
                            sameThread[0] = false;
                          }
                          order.get(i).add(j); // unsynchronized: inline tasks share no thread
                          w.parallelFor(3, k -> deepest.incrementAndGet());
                        });
                  }));
      for (int i = 0; i < outer; i++) {
        assertEquals(List.of(0, 1, 2, 3, 4), order.get(i), "inner tasks of outer task " + i);
      }
      assertTrue(sameThread[0], "inner tasks run on the thread of their outer task");
      assertEquals(outer * inner * 3, deepest.get());
    }
  }

  @Test
  void nestedLoopGivesTheSameSumsAsASerialRun() {
    // per-task partial sums combined in task order: bit-identical whatever runs where
    int tasks = 7;
    double[] parallel = new double[tasks];
    double[] serial = new double[tasks];
    try (Workers w = Workers.of(3)) {
      assertTimeoutPreemptively(
          Duration.ofSeconds(20), () -> w.parallelFor(tasks, i -> parallel[i] = nestedSum(w, i)));
    }
    for (int i = 0; i < tasks; i++) {
      serial[i] = nestedSum(Workers.serial(), i);
    }
    assertTrue(Arrays.equals(parallel, serial), Arrays.toString(parallel));
  }

  static double nestedSum(Workers w, int i) {
    double[] parts = new double[6];
    w.parallelFor(
        parts.length,
        j -> {
          double s = 0;
          for (int k = 0; k < 1000; k++) {
            s += Math.sin(i * 1e3 + j * 1e2 + k) / (k + 1);
          }
          parts[j] = s;
        });
    double total = 0;
    for (double p : parts) {
      total += p;
    }
    return total;
  }

  @Test
  void anotherWorkersCanStillBeUsedFromInsideATask() {
    try (Workers outer = Workers.of(2);
        Workers inner = Workers.of(2)) {
      AtomicInteger count = new AtomicInteger();
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> outer.parallelFor(4, i -> inner.parallelFor(4, j -> count.incrementAndGet())));
      assertEquals(16, count.get());
    }
  }
}
