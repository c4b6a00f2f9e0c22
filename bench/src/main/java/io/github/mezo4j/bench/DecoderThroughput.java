package io.github.mezo4j.bench;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.nn.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decoder forward throughput: the logits of every position of {@code BATCH} sequences of {@code
 * TOKENS} tokens in one forward pass, on a Hugging Face folder (weights as stored), timed per
 * round. {@code tools/torch-reference/llama_forward_speed.py} runs the same ids in PyTorch. One
 * JSON line per round.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx8g -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.DecoderThroughput FOLDER [BATCH=16] [TOKENS=128] [ROUNDS=3] [THREADS=2]
 * </pre>
 */
public final class DecoderThroughput {
  private DecoderThroughput() {}

  /** Arguments: folder, batch, tokens, rounds, threads. */
  public static void main(String[] args) throws IOException {
    DecoderCheckpoint c = DecoderFolder.load(Path.of(args[0]), null);
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    DecoderModel m = c.model();
    List<int[]> sequences = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      sequences.add(ids(b, tokens, m.vocabSize()));
    }
    TokenBatch input = TokenBatch.rightPadded(sequences);
    try (Workers w = Workers.of(threads)) {
      for (int round = 0; round < rounds; round++) {
        long t0 = System.nanoTime();
        float[] logits = m.forward(w, input);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "{\"round\":%d,\"batch\":%d,\"tokens\":%d,\"threads\":%d,\"seconds\":%.2f,"
                + "\"tokens_per_s\":%.1f,\"logit0\":%.6f}%n",
            round,
            batch,
            tokens,
            threads,
            s,
            batch * tokens / s,
            logits[0]);
      }
    }
  }

  /** Sequence {@code b}'s ids: the same formula as the PyTorch script. */
  static int[] ids(int b, int tokens, int vocab) {
    int[] ids = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      ids[i] = 3 + (i * 37 + b * 101) % (Math.min(vocab, 512) - 3);
    }
    return ids;
  }
}
