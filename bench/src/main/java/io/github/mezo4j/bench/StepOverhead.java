package io.github.mezo4j.bench;

import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The extra cost of a MeZO step over two plain forward passes of all-MiniLM-L6-v2, split into its
 * two parts and measured in CPU time of the threads that do the work (the calling thread and the
 * {@code mezo4j-worker} threads, nanosecond clocks): the paired forward pass ({@link
 * BertEncoder#forwardPair}, both signs, noise made once while packing) against two plain passes,
 * and the update pass (SGD through {@link ZoUpdater}, every weight). Per iteration: a plain pass, a
 * paired pass, an update, a plain pass; medians over the iterations. Prints one JSON line.
 *
 * <p>Why another measurement beside {@code mezo4j bench step}: its CPU figures are the process's,
 * which this kernel counts in 10 ms ticks and which include the JIT and GC threads; on a shared
 * machine that is +-1% of a step. Thread CPU time of the working threads is exact to the nanosecond
 * and hardly moves with other processes' load (cache sharing aside). It uses only APIs that predate
 * it, so the same class compiled against an older jar measures the older engine.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
 *     -cp bench/target/benchmarks.jar io.github.mezo4j.bench.StepOverhead [threads=1] \
 *     [batch=16] [seq=128] [warmup=3] [iterations=7]
 * </pre>
 */
public final class StepOverhead {
  private StepOverhead() {}

  /** Arguments as {@code key=value}; see the class comment for keys and defaults. */
  public static void main(String[] args) throws Exception {
    int threads = 1;
    int batch = 16;
    int seq = 128;
    int warmup = 3;
    int iterations = 7;
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
      }
      int v = Integer.parseInt(kv[1]);
      switch (kv[0]) {
        case "threads" -> threads = v;
        case "batch" -> batch = v;
        case "seq" -> seq = v;
        case "warmup" -> warmup = v;
        case "iterations" -> iterations = v;
        default -> throw new IllegalArgumentException("unknown key '" + kv[0] + "'");
      }
    }
    BertCheckpoint checkpoint = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(checkpoint.config(), checkpoint.parameters());
    EncoderInput input =
        EncoderInput.random(
            42, batch, seq, checkpoint.config().vocabSize(), checkpoint.config().padTokenId());
    ParameterSet trainable = encoder.parameters();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] forward = new double[iterations];
    double[] pair = new double[iterations];
    double[] update = new double[iterations];
    double[] step = new double[iterations];
    double sink = 0;
    try (Workers workers = Workers.of(threads);
        MezoTrainer<EncoderInput> trainer =
            MezoTrainer.virtualBuilder(firstOutput(encoder, workers))
                .eps(1e-3)
                .optimizer(Optimizers.sgd(1e-9))
                .runSeed(11)
                .workers(workers)
                .build(trainable)) {
      // learning rate 1e-9: the weights hardly move, the pass does all its work
      ZoUpdater updater = new ZoUpdater(Optimizers.sgd(1e-9), trainable);
      for (int i = -warmup; i < iterations; i++) {
        long seed = 1000 + i;
        long c0 = workCpu(mx);
        sink += encoder.forward(input, workers)[0];
        long c1 = workCpu(mx);
        float[][] h =
            encoder.forwardPair(input, workers, new VirtualPerturbation(trainable, seed, 1e-3f));
        sink += h[0][0] - h[1][0];
        long c2 = workCpu(mx);
        updater.update(new long[] {seed}, new double[] {0.25}, 0f, workers);
        long c3 = workCpu(mx);
        sink += encoder.forward(input, workers)[0];
        long c4 = workCpu(mx);
        sink += trainer.step(input).loss();
        long c5 = workCpu(mx);
        if (i >= 0) {
          forward[i] = ((c1 - c0) + (c4 - c3)) / 2e6;
          pair[i] = (c2 - c1) / 1e6;
          update[i] = (c3 - c2) / 1e6;
          step[i] = (c5 - c4) / 1e6;
        }
      }
    }
    if (!Double.isFinite(sink)) {
      throw new IllegalStateException("outputs are not finite: " + sink);
    }
    double f = median(forward);
    double p = median(pair);
    double u = median(update);
    double st = median(step);
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"batch\":%d,\"seq\":%d,\"threads\":%d,\"iterations\":%d,\"forward_cpu_ms\":%.2f,"
                + "\"pair_forward_cpu_ms\":%.2f,\"update_cpu_ms\":%.2f,"
                + "\"pair_over_two_forwards_cpu\":%.4f,\"pair_and_update_over_two_forwards_cpu\":%.4f,"
                + "\"trainer_step_cpu_ms\":%.2f,\"trainer_step_over_two_forwards_cpu\":%.4f}",
            batch,
            seq,
            threads,
            iterations,
            f,
            p,
            u,
            p / (2 * f),
            (p + u) / (2 * f),
            st,
            st / (2 * f)));
  }

  /**
   * A loss that depends on every weight and costs nothing beside the encoder: the first output
   * value; both signs of a sample come from one paired pass, as in {@code mezo4j bench step}.
   */
  private static PerturbedObjective<EncoderInput> firstOutput(
      BertEncoder encoder, Workers workers) {
    return new PerturbedObjective<>() {
      @Override
      public double loss(EncoderInput input, VirtualPerturbation perturbation) {
        return encoder.forward(input, workers, perturbation)[0];
      }

      @Override
      public double[] lossPair(EncoderInput input, VirtualPerturbation plus) {
        float[][] h = encoder.forwardPair(input, workers, plus);
        return new double[] {h[0][0], h[1][0]};
      }
    };
  }

  /** CPU nanoseconds so far of the calling thread and every {@code mezo4j-worker} thread. */
  private static long workCpu(ThreadMXBean mx) {
    long sum = 0;
    long me = Thread.currentThread().threadId();
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && (t.getThreadId() == me || t.getThreadName().startsWith("mezo4j-worker"))) {
        long ns = mx.getThreadCpuTime(t.getThreadId());
        if (ns > 0) {
          sum += ns;
        }
      }
    }
    return sum;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
