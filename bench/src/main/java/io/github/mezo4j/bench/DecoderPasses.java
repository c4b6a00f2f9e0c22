package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.VirtualPerturbation;
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
 * plain forward pass of one sequence, the same under a perturbation, and the per-token
 * log-probabilities of both signs in one pass (what a step's {@code lossPair} runs). One JSON line
 * per round, two threads.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx15g -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.DecoderPasses FOLDER [TOKENS=64] [ROUNDS=3]
 * </pre>
 */
public final class DecoderPasses {
  private DecoderPasses() {}

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
    try (Workers w = Workers.of(2)) {
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
        System.out.printf(
            Locale.ROOT,
            "{\"round\":%d,\"tokens\":%d,\"plain_s\":%.2f,\"perturbed_s\":%.2f,\"pair_s\":%.2f}%n",
            round,
            tokens,
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            (t3 - t2) / 1e9);
      }
    }
  }
}
