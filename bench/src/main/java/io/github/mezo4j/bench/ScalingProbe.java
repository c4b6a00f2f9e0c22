package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Structural measurements of multi-threaded forward passes, for a machine whose wall-clock times
 * cannot be trusted (shared with other jobs). Two parts, each printing JSON lines:
 *
 * <ul>
 *   <li>{@code dispatch}: the cost of one {@code parallelFor} call, old scheme ({@link
 *       ExecutorLoop}: submit + Future.get) against {@link Workers} with and without spinning,
 *       interleaved round by round: empty tasks, and tasks of fixed busy time whose ideal 2-thread
 *       time is known (the excess over it is dispatch and imbalance).
 *   <li>{@code forward}: all-MiniLM-L6-v2 forward passes with {@link Workers#stats()} per pass:
 *       {@code parallelFor} calls, how many ran on several threads, tasks run by helpers, how late
 *       helpers joined, the caller's time running tasks and waiting for helpers, the time outside
 *       parallel loops (serial), the parallel regions' efficiency {@code (caller run + helper run)
 *       / (threads * region wall)}, and the CPU time of the caller and of the helper threads.
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.ScalingProbe [parts=dispatch,forward] [shapes=16x128,64x32,1x128]
 *     [passes=plain,pair] [threads=2] [spin=200,0] [warmup=5] [iterations=10] [rounds=15]
 * </pre>
 */
public final class ScalingProbe {
  private ScalingProbe() {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Arguments as {@code key=value}; see the class comment. */
  public static void main(String[] args) throws Exception {
    List<String> parts = List.of("dispatch", "forward");
    String shapes = "16x128,64x32,1x128";
    int threads = 2;
    List<Integer> spins = List.of(Workers.DEFAULT_SPIN_MICROS, 0);
    int warmup = 5;
    int iterations = 10;
    int rounds = 15;
    List<String> passes = List.of("plain");
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
      }
      switch (kv[0]) {
        case "parts" -> parts = List.of(kv[1].split(","));
        case "passes" -> passes = List.of(kv[1].split(","));
        case "shapes" -> shapes = kv[1];
        case "threads" -> threads = Integer.parseInt(kv[1]);
        case "spin" -> spins = ints(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "iterations" -> iterations = Integer.parseInt(kv[1]);
        case "rounds" -> rounds = Integer.parseInt(kv[1]);
        default ->
            throw new IllegalArgumentException(
                "unknown key '%s'; expected parts, passes, shapes, threads, spin, warmup, iterations or rounds"
                    .formatted(kv[0]));
      }
    }
    if (parts.contains("dispatch")) {
      dispatch(threads, spins, rounds);
    }
    if (parts.contains("forward")) {
      BertCheckpoint minilm = MiniLm.load();
      BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
      for (String s : shapes.split(",")) {
        String[] bs = s.trim().split("x");
        EncoderInput input =
            EncoderInput.random(
                42,
                Integer.parseInt(bs[0]),
                Integer.parseInt(bs[1]),
                minilm.config().vocabSize(),
                minilm.config().padTokenId());
        for (String pass : passes) {
          var run = pass(pass, encoder, input);
          for (int spin : spins) {
            forward(pass, run, input, threads, spin, warmup, iterations);
          }
        }
      }
    }
  }

  // ---- dispatch ---------------------------------------------------------------------------

  /** A loop shape: tasks per call and busy nanoseconds per task. */
  private record Load(String name, int tasks, long taskNanos) {}

  private interface Loop {
    void run(int tasks, IntConsumer body) throws Exception;
  }

  private static void dispatch(int threads, List<Integer> spins, int rounds) throws Exception {
    List<Load> loads =
        List.of(
            new Load("empty x2", 2, 0),
            new Load("empty x48", 48, 0),
            new Load("50us x2", 2, 50_000),
            new Load("10us x48", 48, 10_000));
    List<String> names = new ArrayList<>();
    List<Loop> loops = new ArrayList<>();
    List<AutoCloseable> owned = new ArrayList<>();
    ExecutorLoop old = new ExecutorLoop(threads);
    owned.add(old);
    names.add("executor");
    loops.add(old::parallelFor);
    for (int spin : spins) {
      Workers w = Workers.of(threads, spin);
      owned.add(w);
      names.add("workers spin=" + spin + "us");
      loops.add(w::parallelFor);
    }
    for (Load load : loads) {
      int calls = load.taskNanos == 0 ? 2000 : 200;
      double[][] perCall = new double[loops.size()][rounds];
      for (int r = -2; r < rounds; r++) { // two rounds of warm-up
        for (int v = 0; v < loops.size(); v++) {
          Loop loop = loops.get(v);
          long busy = load.taskNanos;
          IntConsumer body = busy == 0 ? t -> {} : t -> spinFor(busy);
          long start = System.nanoTime();
          for (int c = 0; c < calls; c++) {
            loop.run(load.tasks, body);
          }
          if (r >= 0) {
            perCall[v][r] = (System.nanoTime() - start) / 1e3 / calls;
          }
        }
      }
      double ideal = (double) load.tasks * load.taskNanos / 1e3 / threads;
      for (int v = 0; v < loops.size(); v++) {
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"part\":\"dispatch\",\"loop\":\"%s\",\"load\":\"%s\",\"threads\":%d,"
                    + "\"median_us_per_call\":%.2f,\"min_us_per_call\":%.2f,\"ideal_us\":%.1f}",
                names.get(v),
                load.name,
                threads,
                median(perCall[v]),
                min(perCall[v]),
                ideal));
      }
    }
    for (AutoCloseable c : owned) {
      c.close();
    }
  }

  private static void spinFor(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  // ---- forward ----------------------------------------------------------------------------

  /**
   * The pass to measure on workers {@code w}: {@code plain} (one forward pass) or {@code pair} (the
   * paired pass of a MeZO step: both signs of a perturbation of every weight).
   */
  private static Consumer<Workers> pass(String name, BertEncoder encoder, EncoderInput input) {
    return switch (name) {
      case "plain" -> w -> encoder.forward(input, w);
      case "pair" -> {
        VirtualPerturbation plus = new VirtualPerturbation(encoder.parameters(), 5, 1e-3f);
        yield w -> encoder.forwardPair(input, w, plus);
      }
      default ->
          throw new IllegalArgumentException("unknown pass '" + name + "'; expected plain or pair");
    };
  }

  private static void forward(
      String passName,
      Consumer<Workers> pass,
      EncoderInput input,
      int threads,
      int spin,
      int warmup,
      int iterations) {
    Set<Long> before = helperIds();
    try (Workers w = Workers.of(threads, spin)) {
      Set<Long> helpers = helperIds();
      helpers.removeAll(before);
      for (int i = 0; i < warmup; i++) {
        pass.accept(w);
      }
      double[] wall = new double[iterations];
      double[] callerCpu = new double[iterations];
      double[] helperCpu = new double[iterations];
      Workers.Stats total = null;
      for (int i = 0; i < iterations; i++) {
        Workers.Stats s0 = w.stats();
        long h0 = cpu(helpers);
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        pass.accept(w);
        wall[i] = (System.nanoTime() - t0) / 1e6;
        callerCpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
        helperCpu[i] = (cpu(helpers) - h0) / 1e6;
        Workers.Stats d = w.stats().minus(s0);
        total = total == null ? d : add(total, d);
      }
      double n = iterations;
      double calls = (total.dispatched() + total.inline()) / n;
      double regionMs = (total.callerRunNanos() + total.callerWaitNanos()) / 1e6 / n;
      double workMs = (total.callerRunNanos() + total.helperRunNanos()) / 1e6 / n;
      double meanWall = mean(wall);
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"part\":\"forward\",\"pass\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,\"spin_us\":%d,"
                  + "\"iters\":%d,\"median_ms\":%.2f,\"min_ms\":%.2f,\"calls\":%.1f,"
                  + "\"dispatched\":%.1f,\"tasks\":%.1f,\"helper_task_share\":%.3f,"
                  + "\"helper_join_us\":%.1f,\"caller_run_ms\":%.2f,\"caller_wait_ms\":%.2f,"
                  + "\"helper_run_ms\":%.2f,\"serial_ms\":%.2f,\"parallel_efficiency\":%.3f,"
                  + "\"caller_cpu_ms\":%.2f,\"helper_cpu_ms\":%.2f}",
              passName,
              input.batch(),
              input.seq(),
              threads,
              spin,
              iterations,
              median(wall),
              min(wall),
              calls,
              total.dispatched() / n,
              (total.callerTasks() + total.helperTasks()) / n,
              (double) total.helperTasks() / (total.callerTasks() + total.helperTasks()),
              total.helperJoins() == 0 ? 0 : total.helperJoinNanos() / 1e3 / total.helperJoins(),
              total.callerRunNanos() / 1e6 / n,
              total.callerWaitNanos() / 1e6 / n,
              total.helperRunNanos() / 1e6 / n,
              meanWall - regionMs,
              workMs / (threads * regionMs),
              median(callerCpu),
              median(helperCpu)));
    }
  }

  private static Workers.Stats add(Workers.Stats a, Workers.Stats b) {
    return new Workers.Stats(
        a.dispatched() + b.dispatched(),
        a.inline() + b.inline(),
        a.callerTasks() + b.callerTasks(),
        a.helperTasks() + b.helperTasks(),
        a.helperJoins() + b.helperJoins(),
        a.helperJoinNanos() + b.helperJoinNanos(),
        a.callerRunNanos() + b.callerRunNanos(),
        a.helperRunNanos() + b.helperRunNanos(),
        a.callerWaitNanos() + b.callerWaitNanos());
  }

  private static Set<Long> helperIds() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("mezo4j-worker-")) {
        ids.add(t.threadId());
      }
    }
    return ids;
  }

  private static long cpu(Set<Long> ids) {
    long sum = 0;
    for (long id : ids) {
      long c = THREADS.getThreadCpuTime(id);
      if (c > 0) {
        sum += c;
      }
    }
    return sum;
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }
}
