package io.github.mezo4j.bench;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.nn.model.KvCache;
import io.github.mezo4j.nn.model.TokenBatch;
import io.github.mezo4j.nn.model.TokenSampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How fast generation streams a decoder's weights: batch-1 decoding reads every weight once per
 * token (an untied embedding table only by a row), so weight bytes over time per token is its
 * memory bandwidth, set beside {@code System.arraycopy}'s on an array as large as the weights'
 * largest tensor times 4, in the same run. Weights as the folder stores them (bf16 stays bf16). One
 * JSON line.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx8g -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.GenerationBandwidth FOLDER [TOKENS=32] [THREADS=2]
 * </pre>
 */
public final class GenerationBandwidth {
  private static final TokenSampler GREEDY = TokenSampler.greedy();

  private GenerationBandwidth() {}

  /** Arguments: folder, tokens to time, threads. */
  public static void main(String[] args) throws IOException {
    DecoderModel m = DecoderFolder.load(Path.of(args[0]), null).model();
    int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    // every weight is read once per token, but an untied embedding table only by its one row
    long weightBytes = 0;
    long largest = 0;
    for (Parameter p : m.parameters()) {
      boolean tableOnly =
          !m.config().tieWordEmbeddings() && p.name().endsWith("embed_tokens.weight");
      weightBytes += tableOnly ? 0 : p.bytes();
      largest = Math.max(largest, p.bytes());
    }
    int warmup = 4;
    try (Workers w = Workers.of(threads)) {
      KvCache cache = m.newCache(1, warmup + tokens + 1);
      int next = 3;
      long start = 0;
      for (int t = 0; t < warmup + tokens; t++) {
        if (t == warmup) {
          start = System.nanoTime();
        }
        float[] logits = m.nextTokenLogits(w, TokenBatch.of(next), cache);
        next = GREEDY.sample(logits, 0, m.vocabSize(), t);
      }
      double perToken = (System.nanoTime() - start) / 1e9 / tokens;
      double copyGbPerS = copyBandwidth((int) Math.min(Integer.MAX_VALUE - 8, 4 * largest));
      System.out.printf(
          Locale.ROOT,
          "{\"weights_gb\":%.3f,\"threads\":%d,\"tokens\":%d,\"s_per_token\":%.4f,"
              + "\"weights_gb_per_s\":%.2f,\"arraycopy_gb_per_s\":%.2f,\"ratio\":%.3f}%n",
          weightBytes / 1e9,
          threads,
          tokens,
          perToken,
          weightBytes / 1e9 / perToken,
          copyGbPerS,
          weightBytes / 1e9 / perToken / copyGbPerS);
    }
  }

  /** Bytes read per second by {@code System.arraycopy} of {@code bytes} (best of 5 copies). */
  private static double copyBandwidth(int bytes) {
    byte[] from = new byte[bytes];
    byte[] to = new byte[bytes];
    for (int i = 0; i < bytes; i += 4096) {
      from[i] = (byte) i; // touch every page before timing
      to[i] = 1;
    }
    double best = Double.MAX_VALUE;
    for (int r = 0; r < 5; r++) {
      long t0 = System.nanoTime();
      System.arraycopy(from, 0, to, 0, bytes);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return bytes / 1e9 / best;
  }
}
