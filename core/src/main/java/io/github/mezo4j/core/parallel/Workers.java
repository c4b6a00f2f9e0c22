package io.github.mezo4j.core.parallel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed number of worker threads for data-parallel loops. Work is split into tasks whose
 * boundaries never depend on the thread count, so as long as each task writes its own slice and
 * reductions combine task results in task order, results are bit-identical for any thread count.
 *
 * <p>{@link #parallelFor} never returns or throws while one of its tasks is still running, so the
 * next pass over the same data (a MeZO restore after a perturbation) cannot overlap it. A task may
 * itself call {@code parallelFor} on the same workers: the nested loop runs on that task's thread.
 *
 * <p>Dispatch. A forward pass makes about a hundred {@code parallelFor} calls, each a few hundred
 * microseconds long, so waking a parked thread for every call (tens of microseconds, more on a
 * virtual machine) would be a visible part of the pass. The helper threads therefore spin ({@link
 * Thread#onSpinWait}, yielding every 20 µs to any other runnable thread) for a short while after
 * each loop before they park, and the caller spins five times as long while it waits for the
 * helpers' last tasks. The helpers' spell is {@value #DEFAULT_SPIN_MICROS} µs unless the system
 * property {@code mezo4j.spinMicros} says otherwise ({@code 0}: park at once); workers with more
 * threads than available processors never spin, since a spinning thread would then take a core from
 * one with work. A helper that arrives late finds the tasks taken and leaves: the caller runs every
 * task no helper claimed, so no call waits for a helper to wake up.
 */
public final class Workers implements AutoCloseable {
  /** How long helpers and a waiting caller spin before they park, unless configured. */
  public static final int DEFAULT_SPIN_MICROS = 200;

  /**
   * A waiting caller spins this many helper spells: it waits for at most one task, has nothing else
   * to do, and parking would put the helper's wake-up call on the critical path.
   */
  private static final int CALLER_SPINS = 5;

  /**
   * A spinning thread yields its core this often: on an idle core that costs a system call, on a
   * busy machine it lets another process's thread run instead of a wait.
   */
  private static final long YIELD_NANOS = 20_000;

  private static final Workers SERIAL = new Workers(1, 0);
  private static volatile Workers defaultWorkers;
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final int threads;
  private final long spinNanos;
  private final Helper[] helpers;
  // The loop helpers should join; null when none is running. Several callers may publish in
  // turn: a helper joins whichever it sees, and every caller can finish its loop alone.
  private final AtomicReference<Job> current = new AtomicReference<>();
  private volatile boolean closed;
  // true on this instance's helper threads, and on a caller thread while its parallelFor runs:
  // a parallelFor from such a thread must not wait for the helpers (it may be one of them).
  private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private final LongAdder dispatched = new LongAdder();
  private final LongAdder inline = new LongAdder();
  private final LongAdder callerTasks = new LongAdder();
  private final LongAdder helperTasks = new LongAdder();
  private final LongAdder helperJoins = new LongAdder();
  private final LongAdder helperJoinNanos = new LongAdder();
  private final LongAdder callerRunNanos = new LongAdder();
  private final LongAdder helperRunNanos = new LongAdder();
  private final LongAdder callerWaitNanos = new LongAdder();

  private Workers(int threads, long spinNanos) {
    this.threads = threads;
    this.spinNanos = spinNanos;
    this.helpers = new Helper[threads - 1];
    for (int i = 0; i < helpers.length; i++) {
      helpers[i] = new Helper();
      Thread t = new Thread(helpers[i]::run, "mezo4j-worker-" + (i + 1));
      t.setDaemon(true);
      helpers[i].thread = t;
    }
    for (Helper h : helpers) {
      h.thread.start();
    }
  }

  /** Workers running on {@code threads} threads (the caller's thread counts as one). */
  public static Workers of(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (threads == 1) {
      return SERIAL;
    }
    int micros = Integer.getInteger("mezo4j.spinMicros", DEFAULT_SPIN_MICROS);
    if (micros < 0) {
      throw new IllegalArgumentException(
          "system property mezo4j.spinMicros must be >= 0, got " + micros);
    }
    return of(threads, threads <= Runtime.getRuntime().availableProcessors() ? micros : 0);
  }

  /**
   * Workers running on {@code threads} threads whose idle helpers spin for {@code spinMicros}
   * microseconds before they park, and a waiting caller five times as long (0: park at once),
   * whatever the processor count.
   */
  public static Workers of(int threads, int spinMicros) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (spinMicros < 0) {
      throw new IllegalArgumentException("spinMicros must be >= 0, got " + spinMicros);
    }
    return threads == 1 ? SERIAL : new Workers(threads, TimeUnit.MICROSECONDS.toNanos(spinMicros));
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

  /** The number of threads a loop may use, the caller's included. */
  public int threads() {
    return threads;
  }

  /**
   * Counters since these workers were made, for finding where parallel time goes: how many loops
   * ran on several threads or inline, who ran their tasks, how late helpers joined and how long
   * callers waited for the helpers' last tasks.
   *
   * @param dispatched {@code parallelFor} calls offered to the helper threads
   * @param inline calls run wholly on the caller's thread (one task, nested, or serial workers)
   * @param callerTasks tasks of dispatched calls run by the calling thread
   * @param helperTasks tasks of dispatched calls run by helper threads
   * @param helperJoins times a helper joined a dispatched call (it may have found no task left)
   * @param helperJoinNanos summed delay from a call's start to each such join
   * @param callerRunNanos summed time callers spent taking and running tasks of dispatched calls
   * @param helperRunNanos summed time helpers spent inside calls they joined
   * @param callerWaitNanos summed time callers waited, their own share done, for helpers' tasks
   */
  public record Stats(
      long dispatched,
      long inline,
      long callerTasks,
      long helperTasks,
      long helperJoins,
      long helperJoinNanos,
      long callerRunNanos,
      long helperRunNanos,
      long callerWaitNanos) {

    /** Counts between {@code earlier} and this snapshot. */
    public Stats minus(Stats earlier) {
      return new Stats(
          dispatched - earlier.dispatched,
          inline - earlier.inline,
          callerTasks - earlier.callerTasks,
          helperTasks - earlier.helperTasks,
          helperJoins - earlier.helperJoins,
          helperJoinNanos - earlier.helperJoinNanos,
          callerRunNanos - earlier.callerRunNanos,
          helperRunNanos - earlier.helperRunNanos,
          callerWaitNanos - earlier.callerWaitNanos);
    }
  }

  /** A snapshot of the counters (exact once no loop is running). */
  public Stats stats() {
    return new Stats(
        dispatched.sum(),
        inline.sum(),
        callerTasks.sum(),
        helperTasks.sum(),
        helperJoins.sum(),
        helperJoinNanos.sum(),
        callerRunNanos.sum(),
        helperRunNanos.sum(),
        callerWaitNanos.sum());
  }

  /**
   * Runs {@code body.accept(task)} for every task in {@code [0, tasks)}, spread over the threads;
   * returns when all are done.
   *
   * <p>Nested use: called from inside a task of this same {@code Workers} (on a helper thread or on
   * a thread already running a {@code parallelFor} of it), the tasks run on the calling thread, in
   * order, because waiting for the busy helpers could deadlock. Task boundaries do not change, so
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
   *
   * @throws IllegalStateException also if these workers are closed (and the loop needs them)
   */
  public void parallelFor(int tasks, IntConsumer body) {
    if (tasks <= 0) {
      return;
    }
    if (helpers.length == 0 || tasks == 1 || inside.get()) {
      inline.increment();
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    inside.set(Boolean.TRUE);
    try {
      runShared(tasks, body);
    } finally {
      inside.remove();
    }
  }

  private void runShared(int tasks, IntConsumer body) {
    Thread me = Thread.currentThread();
    if (me.isInterrupted()) {
      throw new IllegalStateException("interrupted before parallelFor started any task");
    }
    if (closed) {
      throw new IllegalStateException("these workers are closed");
    }
    dispatched.increment();
    long start = System.nanoTime();
    Job job = new Job(SEQUENCE.incrementAndGet(), tasks, body, me, start);
    current.set(job);
    int wanted = Math.min(helpers.length, tasks - 1);
    for (int i = 0; i < wanted; i++) {
      helpers[i].wake();
    }
    boolean interrupted = false;
    int mine = 0;
    try {
      // the caller's share of the tasks, stopping early if it is interrupted
      while (!me.isInterrupted()) {
        int t = job.next.getAndIncrement();
        if (t >= tasks) {
          break;
        }
        mine++;
        body.accept(t);
      }
    } catch (Throwable e) {
      job.fail(e);
    }
    callerTasks.add(mine);
    if (me.isInterrupted()) {
      interrupted = true;
    }
    job.next.set(tasks);
    // wait for every started task, interrupted or not, so none outlives this call
    long waitStart = System.nanoTime();
    callerRunNanos.add(waitStart - start);
    interrupted |= job.closeAndAwait(CALLER_SPINS * spinNanos);
    callerWaitNanos.add(System.nanoTime() - waitStart);
    current.compareAndSet(job, null); // drop the body's references once it is done
    if (interrupted) {
      me.interrupt();
    }
    Throwable failure = job.failure.get();
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

  /** One step of a spin: a pause, or a yield once {@code yieldAt} has passed; the next yieldAt. */
  private static long pause(long now, long yieldAt) {
    if (now - yieldAt < 0) {
      Thread.onSpinWait();
      return yieldAt;
    }
    Thread.yield();
    return now + YIELD_NANOS;
  }

  /** One dispatched loop: its task counter, who is inside, and its first failure. */
  private static final class Job {
    // state: CLOSED once the caller stops admitting helpers, plus the helpers inside
    private static final int CLOSED = 1 << 30;

    final long sequence;
    final int tasks;
    final IntConsumer body;
    final Thread caller;
    final long startNanos;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger state = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Job(long sequence, int tasks, IntConsumer body, Thread caller, long startNanos) {
      this.sequence = sequence;
      this.tasks = tasks;
      this.body = body;
      this.caller = caller;
      this.startNanos = startNanos;
    }

    /** Admits a helper unless the caller has closed the loop. */
    boolean tryEnter() {
      while (true) {
        int s = state.get();
        if ((s & CLOSED) != 0) {
          return false;
        }
        if (state.compareAndSet(s, s + 1)) {
          return true;
        }
      }
    }

    void leave() {
      if (state.decrementAndGet() == CLOSED) {
        LockSupport.unpark(caller);
      }
    }

    /** A helper's share: tasks until none is left; returns how many it ran. */
    int drain() {
      int ran = 0;
      try {
        for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
          ran++;
          body.accept(t);
        }
      } catch (Throwable e) {
        fail(e);
      }
      return ran;
    }

    void fail(Throwable e) {
      next.set(tasks); // the loop has failed: start no more tasks anywhere
      if (!failure.compareAndSet(null, e)) {
        Throwable first = failure.get();
        if (first != e) {
          synchronized (first) {
            first.addSuppressed(e);
          }
        }
      }
    }

    /**
     * Closes the loop to helpers and waits until those inside have left; returns whether the caller
     * was interrupted while it waited (the flag is cleared to park, the caller restores it).
     */
    boolean closeAndAwait(long spinNanos) {
      if (state.addAndGet(CLOSED) == CLOSED) {
        return false;
      }
      long deadline = System.nanoTime() + spinNanos;
      for (long now = System.nanoTime(), yieldAt = now + YIELD_NANOS;
          state.get() != CLOSED && now - deadline < 0;
          now = System.nanoTime()) {
        yieldAt = pause(now, yieldAt);
      }
      boolean interrupted = false;
      while (state.get() != CLOSED) {
        if (Thread.interrupted()) {
          interrupted = true;
        }
        LockSupport.park(this);
      }
      return interrupted;
    }
  }

  /** A helper thread: joins each published loop once, spins a while when idle, then parks. */
  private final class Helper {
    Thread thread;
    volatile boolean parked;

    void wake() {
      if (parked) {
        LockSupport.unpark(thread);
      }
    }

    /** The published loop this helper has not yet joined, or null. */
    private Job fresh(long seen) {
      Job job = current.get();
      return job != null && job.sequence != seen ? job : null;
    }

    void run() {
      inside.set(Boolean.TRUE);
      long seen = 0;
      while (!closed) {
        Job job = fresh(seen);
        if (job == null) {
          long deadline = System.nanoTime() + spinNanos;
          for (long now = System.nanoTime(), yieldAt = now + YIELD_NANOS;
              (job = fresh(seen)) == null && !closed && now - deadline < 0;
              now = System.nanoTime()) {
            yieldAt = pause(now, yieldAt);
          }
        }
        if (job == null) {
          // Dekker with the caller: it publishes then reads parked, we set parked then re-read
          parked = true;
          while ((job = fresh(seen)) == null && !closed) {
            LockSupport.park(this);
          }
          parked = false;
          if (job == null) {
            continue;
          }
        }
        seen = job.sequence;
        if (job.tryEnter()) {
          long joined = System.nanoTime();
          helperJoins.increment();
          helperJoinNanos.add(joined - job.startNanos);
          try {
            helperTasks.add(job.drain());
          } finally {
            helperRunNanos.add(System.nanoTime() - joined);
            job.leave();
          }
        }
        // a task may have interrupted this thread; the flag must not turn park into a busy loop
        Thread.interrupted();
      }
    }
  }

  /** Stops the threads (shared and serial workers ignore this). */
  @Override
  public void close() {
    if (helpers.length == 0 || this == defaultWorkers) {
      return;
    }
    closed = true;
    for (Helper h : helpers) {
      LockSupport.unpark(h.thread);
    }
  }
}
