package io.github.mezo4j.bench;

import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.mezo.MezoConfig;
import io.github.mezo4j.core.mezo.MezoStep;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.nn.model.SequenceScorer;
import io.github.mezo4j.nn.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The passes of a decoder MeZO step, timed alone on a Hugging Face folder (weights as stored): a
 * plain forward pass of one sequence, the same under a perturbation, the per-token
 * log-probabilities of both signs in one pass (what a step's {@code lossPair} runs), and a whole
 * step (that pass, then the update of every weight, bf16 rounded stochastically as {@code finetune}
 * does), with the step's cost over two plain forward passes. One JSON line per round, two threads.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx15g -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.DecoderPasses FOLDER [TOKENS=64] [ROUNDS=3]
 * </pre>
 */
public final class DecoderPasses {
  private static final Workers W = Workers.of(2);

  private DecoderPasses() {}

  private static double sum(float[][] logProbs) {
    double s = 0;
    for (float[] row : logProbs) {
      for (float v : row) {
        s += v;
      }
    }
    return s;
  }

  /** Arguments: folder, tokens, rounds. */
  public static void main(String[] args) throws IOException {
    DecoderCheckpoint c = DecoderFolder.load(Path.of(args[0]), null);
    int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    DecoderModel m = c.model();
    int[] ids = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      ids[i] = 3 + (i * 37) % (Math.min(m.vocabSize(), 512) - 3);
    }
    MezoStep<int[]> step =
        MezoStep.virtual(
            MezoConfig.builder()
                .eps(1e-3)
                .optimizer(Optimizers.sgd(1e-6))
                .perturbation(PerturbationMode.VIRTUAL)
                .bf16Rounding(Bf16Rounding.STOCHASTIC)
                .build(),
            m.parameters(),
            new PerturbedObjective<int[]>() {
              @Override
              public double loss(int[] batch, VirtualPerturbation p) {
                return -sum(new SequenceScorer(m.perturbed(p)).tokenLogProbs(W, List.of(batch)));
              }

              @Override
              public double[] lossPair(int[] batch, VirtualPerturbation plus) {
                float[][][] pair =
                    new SequenceScorer(m.perturbed(plus)).tokenLogProbsPair(W, List.of(batch));
                return new double[] {-sum(pair[0]), -sum(pair[1])};
              }
            },
            W);
    try (Workers w = W) {
      for (int round = 0; round < rounds; round++) {
        DecoderModel perturbed =
            m.perturbed(new VirtualPerturbation(m.parameters(), 5 + round, 1e-3f));
        long t0 = System.nanoTime();
        m.forward(w, TokenBatch.of(ids));
        long t1 = System.nanoTime();
        perturbed.forward(w, TokenBatch.of(ids));
        long t2 = System.nanoTime();
        new SequenceScorer(perturbed).tokenLogProbsPair(w, List.of(ids));
        long t3 = System.nanoTime();
        step.run(round, new long[] {100 + round}, ids);
        long t4 = System.nanoTime();
        System.out.printf(
            Locale.ROOT,
            "{\"round\":%d,\"tokens\":%d,\"plain_s\":%.2f,\"perturbed_s\":%.2f,\"pair_s\":%.2f,"
                + "\"step_s\":%.2f,\"step_over_two_forwards\":%.3f}%n",
            round,
            tokens,
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            (t3 - t2) / 1e9,
            (t4 - t3) / 1e9,
            (t4 - t3) / (2.0 * (t1 - t0)));
      }
    }
  }
}
