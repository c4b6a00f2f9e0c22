package io.github.mezo4j.bench.cli;

import com.sun.management.ThreadMXBean;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measures a virtual MeZO step of a BERT encoder against plain forward passes in the same run: the
 * numbers behind {@code mezo4j bench step}. Forward passes and steps alternate, one of each per
 * iteration, so that drift in the machine's load hits both alike.
 *
 * <p>The objective is {@link #clsCosineLoss}: every weight of the encoder is trainable and
 * perturbed (full-parameter MeZO, as in the paper); the loss reads only the [CLS] rows, so its own
 * cost is negligible next to the encoder.
 */
final class StepBenchmark {
  private StepBenchmark() {}

  /**
   * Medians and per-call allocation.
   *
   * @param stepMedianMs one full MeZO step: two perturbed forward passes and the update pass
   * @param forwardMedianMs one plain forward pass
   * @param perturbedForwardMedianMs one forward pass at {@code theta + eps z} (the loss included):
   *     a step is two of these plus the update pass
   * @param updateMedianMs one update pass alone (an SGD update with learning rate 0: the same
   *     reads, noise and writes)
   * @param stepCpuMs median CPU time of one step, all threads of the process
   * @param forwardCpuMs median CPU time of one plain forward pass, all threads of the process
   * @param stepAllocBytes heap bytes allocated per step, all threads
   * @param forwardAllocBytes heap bytes allocated per forward pass, all threads
   * @param unpairedStepMedianMs one step whose two losses come from two separate perturbed forward
   *     passes (noise generated for each), as before {@link BertEncoder#forwardPair}: the baseline
   *     of the paired step, measured in the same iterations
   * @param unpairedStepCpuMs median CPU time of one unpaired step
   */
  record Result(
      double stepMedianMs,
      double forwardMedianMs,
      double perturbedForwardMedianMs,
      double updateMedianMs,
      double stepCpuMs,
      double forwardCpuMs,
      long stepAllocBytes,
      long forwardAllocBytes,
      double unpairedStepMedianMs,
      double unpairedStepCpuMs) {
    double stepOverTwoForwards() {
      return stepMedianMs / (2 * forwardMedianMs);
    }

    /** The same ratio in CPU time: what the work costs, whatever else runs on the machine. */
    double stepOverTwoForwardsCpu() {
      return stepCpuMs / (2 * forwardCpuMs);
    }

    /** {@link #stepOverTwoForwards()} of the unpaired step. */
    double unpairedStepOverTwoForwards() {
      return unpairedStepMedianMs / (2 * forwardMedianMs);
    }

    /** {@link #stepOverTwoForwardsCpu()} of the unpaired step. */
    double unpairedStepOverTwoForwardsCpu() {
      return unpairedStepCpuMs / (2 * forwardCpuMs);
    }
  }

  /** {@code params} with every parameter stored as {@code dtype} (bf16 rounds to nearest). */
  static ParameterSet withDType(ParameterSet params, DType dtype) {
    List<Parameter> out = new ArrayList<>();
    for (Parameter p : params) {
      out.add(p.dtype() == dtype ? p : Parameter.of(p.name(), dtype, p.shape(), p.toFloatArray()));
    }
    return ParameterSet.of(out);
  }

  /** A unit vector of width {@code hidden} from {@code seed}: the target direction of the loss. */
  static float[] target(int hidden, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] t = new float[hidden];
    double norm = 0;
    for (int i = 0; i < hidden; i++) {
      t[i] = (float) r.nextGaussian();
      norm += t[i] * t[i];
    }
    for (int i = 0; i < hidden; i++) {
      t[i] /= (float) Math.sqrt(norm);
    }
    return t;
  }

  /**
   * {@code mean_b (1 - cos(h[b, 0, :], target))}: the [CLS] hidden state of each sequence pulled
   * towards one direction. Reduced in sequence order, so it does not depend on the thread count.
   * Both losses of a two-sided sample come from one {@link BertEncoder#forwardPair} (noise
   * generated once for the two signs), bit-identical to two {@link BertEncoder#forward} calls. The
   * hidden states go to two buffers the objective keeps ({@link BertEncoder#forwardInto}), so a
   * step allocates no activations; call it from one thread at a time, as a trainer does.
   */
  static PerturbedObjective<EncoderInput> clsCosineLoss(
      BertEncoder encoder, Workers workers, float[] target) {
    int hidden = encoder.hiddenSize();
    return new PerturbedObjective<>() {
      private float[] plusStates;
      private float[] minusStates;

      @Override
      public double loss(EncoderInput input, VirtualPerturbation perturbation) {
        plusStates = encoder.outputBuffer(plusStates, input);
        encoder.forwardInto(input, workers, perturbation, plusStates);
        return clsCosine(plusStates, input, hidden, target);
      }

      @Override
      public double[] lossPair(EncoderInput input, VirtualPerturbation plus) {
        plusStates = encoder.outputBuffer(plusStates, input);
        minusStates = encoder.outputBuffer(minusStates, input);
        encoder.forwardPairInto(input, workers, plus, plusStates, minusStates);
        return new double[] {
          clsCosine(plusStates, input, hidden, target),
          clsCosine(minusStates, input, hidden, target)
        };
      }
    };
  }

  private static double clsCosine(float[] h, EncoderInput input, int hidden, float[] target) {
    int seq = input.seq();
    double sum = 0;
    for (int b = 0; b < input.batch(); b++) {
      int row = b * seq * hidden;
      double dot = 0;
      double norm = 0;
      for (int i = 0; i < hidden; i++) {
        dot += h[row + i] * target[i];
        norm += h[row + i] * h[row + i];
      }
      sum += 1 - dot / Math.sqrt(norm);
    }
    return sum / input.batch();
  }

  /**
   * Runs {@code warmup} untimed then {@code iterations} timed rounds of: a plain forward pass, a
   * step and an unpaired step (alternating which goes first), an update pass alone, a perturbed
   * forward pass. The two steps train the same weights with their own trainers (learning rate 1e-7,
   * so the weights hardly move).
   */
  static Result run(
      BertEncoder encoder,
      EncoderInput input,
      int warmup,
      int iterations,
      Workers workers,
      Bf16Rounding rounding)
      throws IOException {
    PerturbedObjective<EncoderInput> loss =
        clsCosineLoss(encoder, workers, target(encoder.hiddenSize(), 7));
    // the same losses through the interface's default lossPair: two separate perturbed passes
    PerturbedObjective<EncoderInput> unpairedLoss = loss::loss;
    ParameterSet trainable = encoder.parameters();
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ZoUpdater idle = new ZoUpdater(Optimizers.sgd(0.0), trainable, rounding);
    long[] seeds = {1};
    double[] grads = {1};
    try (MezoTrainer<EncoderInput> trainer = trainer(loss, rounding, workers, trainable);
        MezoTrainer<EncoderInput> unpaired = trainer(unpairedLoss, rounding, workers, trainable)) {
      double[] sink = new double[1];
      for (int i = 0; i < warmup; i++) {
        sink[0] += loss.loss(input, VirtualPerturbation.none());
        sink[0] += trainer.step(input).loss();
        sink[0] += unpaired.step(input).loss();
        idle.update(seeds, grads, 0f, workers);
        sink[0] += loss.loss(input, new VirtualPerturbation(trainable, 5, 1e-3f));
      }
      double[] perturbed = new double[iterations];
      double[] forward = new double[iterations];
      double[] step = new double[iterations];
      double[] unpairedStep = new double[iterations];
      double[] update = new double[iterations];
      double[] forwardCpu = new double[iterations];
      double[] stepCpu = new double[iterations];
      double[] unpairedStepCpu = new double[iterations];
      long forwardAlloc = 0;
      long stepAlloc = 0;
      double[] timed = new double[3]; // wall ms, CPU ms, allocated bytes of the last timedStep
      for (int i = 0; i < iterations; i++) {
        long a0 = threads.getTotalThreadAllocatedBytes();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        sink[0] += loss.loss(input, VirtualPerturbation.none());
        long t1 = System.nanoTime();
        long c1 = os.getProcessCpuTime();
        long a1 = threads.getTotalThreadAllocatedBytes();
        forward[i] = (t1 - t0) / 1e6;
        forwardCpu[i] = (c1 - c0) / 1e6;
        forwardAlloc += a1 - a0;
        for (int half = 0; half < 2; half++) {
          boolean paired = (half == 0) == (i % 2 == 0);
          sink[0] += timedStep(paired ? trainer : unpaired, input, threads, os, timed);
          if (paired) {
            step[i] = timed[0];
            stepCpu[i] = timed[1];
            stepAlloc += (long) timed[2];
          } else {
            unpairedStep[i] = timed[0];
            unpairedStepCpu[i] = timed[1];
          }
        }
        long t2 = System.nanoTime();
        idle.update(seeds, grads, 0f, workers);
        long t3 = System.nanoTime();
        sink[0] += loss.loss(input, new VirtualPerturbation(trainable, i, 1e-3f));
        perturbed[i] = (System.nanoTime() - t3) / 1e6;
        update[i] = (t3 - t2) / 1e6;
      }
      if (!Double.isFinite(sink[0])) {
        throw new IllegalStateException("the loss is not finite: " + sink[0]);
      }
      return new Result(
          median(step),
          median(forward),
          median(perturbed),
          median(update),
          median(stepCpu),
          median(forwardCpu),
          stepAlloc / iterations,
          forwardAlloc / iterations,
          median(unpairedStep),
          median(unpairedStepCpu));
    }
  }

  private static MezoTrainer<EncoderInput> trainer(
      PerturbedObjective<EncoderInput> loss,
      Bf16Rounding rounding,
      Workers workers,
      ParameterSet trainable)
      throws IOException {
    return MezoTrainer.virtualBuilder(loss)
        .eps(1e-3)
        .optimizer(Optimizers.sgd(1e-7))
        .bf16Rounding(rounding)
        .runSeed(11)
        .workers(workers)
        .build(trainable);
  }

  /** One step of {@code trainer}; its wall ms, CPU ms and allocated bytes go to {@code out}. */
  private static double timedStep(
      MezoTrainer<EncoderInput> trainer,
      EncoderInput input,
      ThreadMXBean threads,
      com.sun.management.OperatingSystemMXBean os,
      double[] out) {
    long a0 = threads.getTotalThreadAllocatedBytes();
    long c0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    double loss = trainer.step(input).loss();
    long t1 = System.nanoTime();
    long c1 = os.getProcessCpuTime();
    long a1 = threads.getTotalThreadAllocatedBytes();
    out[0] = (t1 - t0) / 1e6;
    out[1] = (c1 - c0) / 1e6;
    out[2] = a1 - a0;
    return loss;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Largest |a - b| over two equal-length arrays. */
  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  /** Largest |a|. */
  static double maxAbs(float[] a) {
    double m = 0;
    for (float x : a) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  /** Bytes of the live heap after a full collection (a process-level view of model memory). */
  static long liveHeapBytes() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
