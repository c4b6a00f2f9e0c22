package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.LogSoftmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Log-likelihoods of token sequences under a {@link DecoderModel}: how decoder language models
 * classify and answer multiple-choice questions (the MeZO paper's OPT experiments score each
 * candidate answer after the prompt and pick the most likely; COPA compares two continuations).
 *
 * <p>Sequences of different lengths are scored in one padded batch; each gets the same values it
 * gets alone. Logits are computed a few rows at a time and reduced to log-probabilities at once, so
 * memory stays at one forward pass's activations plus {@code ROWS_PER_CHUNK * vocab} floats.
 */
public final class SequenceScorer {
  /** Positions whose logits are computed at once (a chunk's logits are what scoring holds). */
  public static final int ROWS_PER_CHUNK = 64;

  /** How the log-probabilities of an answer's tokens combine into its score. */
  public enum Reduction {
    /** Sum: the log-probability of the whole answer. */
    SUM,
    /** Mean per token: does not favour short answers (the MeZO paper's choice for long ones). */
    MEAN
  }

  private final DecoderModel model;

  /** A scorer for {@code model}. */
  public SequenceScorer(DecoderModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  /**
   * Per-token log-probabilities: {@code result[i][t] = log p(s[t + 1] | s[0 .. t])} for sequence
   * {@code s = sequences.get(i)}, so {@code result[i]} has {@code s.length - 1} entries (the first
   * token is given, not predicted).
   *
   * @throws IllegalArgumentException if a sequence is empty, an id is outside the vocabulary, or a
   *     sequence is longer than the model supports
   */
  public float[][] tokenLogProbs(Workers workers, List<int[]> sequences) {
    return tokenLogProbs(workers, sequences, false)[0];
  }

  /**
   * {@link #tokenLogProbs} of both halves of a MeZO pair: under the model's perturbation ({@code
   * [0]}, theta + eps z) and under its mirror ({@code [1]}, theta - eps z), each weight read once
   * for the two (see {@link DecoderModel#perturbed}); each half equals the single call of its own
   * view bit for bit.
   */
  public float[][][] tokenLogProbsPair(Workers workers, List<int[]> sequences) {
    return tokenLogProbs(workers, sequences, true);
  }

  private float[][][] tokenLogProbs(Workers workers, List<int[]> sequences, boolean pair) {
    for (int i = 0; i < sequences.size(); i++) {
      if (sequences.get(i).length == 0) {
        throw new IllegalArgumentException("sequence " + i + " is empty");
      }
    }
    int halves = pair ? 2 : 1;
    float[][][] result = new float[halves][sequences.size()][];
    if (sequences.isEmpty()) {
      return result;
    }
    TokenBatch batch = TokenBatch.rightPadded(sequences);
    int seq = batch.seq();
    int capacity = Math.max(1, seq);
    float[][] hidden =
        pair
            ? model.hiddenStatesPair(
                workers,
                batch,
                model.scratchCache(0, batch.batch(), capacity),
                model.scratchCache(1, batch.batch(), capacity))
            : new float[][] {
              model.hiddenStates(workers, batch, model.scratchCache(0, batch.batch(), capacity))
            };
    // rows (b, t) whose next token is real: with right padding, t in [0, len - 1)
    List<int[]> rows = new ArrayList<>();
    for (int b = 0; b < sequences.size(); b++) {
      for (int h = 0; h < halves; h++) {
        result[h][b] = new float[sequences.get(b).length - 1];
      }
      for (int t = 0; t + 1 < sequences.get(b).length; t++) {
        rows.add(new int[] {b, t});
      }
    }
    int width = model.hiddenWidth();
    int vocab = model.vocabSize();
    float[][] chunk = new float[halves][ROWS_PER_CHUNK * width];
    float[][] logits = new float[halves][ROWS_PER_CHUNK * vocab];
    for (int from = 0; from < rows.size(); from += ROWS_PER_CHUNK) {
      int n = Math.min(ROWS_PER_CHUNK, rows.size() - from);
      float[][] x = new float[halves][];
      float[][] out = new float[halves][];
      for (int h = 0; h < halves; h++) {
        for (int r = 0; r < n; r++) {
          int[] bt = rows.get(from + r);
          System.arraycopy(hidden[h], (bt[0] * seq + bt[1]) * width, chunk[h], r * width, width);
        }
        x[h] = n == ROWS_PER_CHUNK ? chunk[h] : Arrays.copyOf(chunk[h], n * width);
        out[h] = n == ROWS_PER_CHUNK ? logits[h] : new float[n * vocab];
      }
      if (pair) {
        model.logitsPair(workers, x[0], x[1], n, out[0], out[1]);
      } else {
        model.logits(workers, x[0], 0, n, out[0]);
      }
      for (int h = 0; h < halves; h++) {
        for (int r = 0; r < n; r++) {
          int[] bt = rows.get(from + r);
          int next = sequences.get(bt[0])[bt[1] + 1];
          result[h][bt[0]][bt[1]] = (float) LogSoftmax.at(out[h], r * vocab, vocab, next);
        }
      }
    }
    return result;
  }

  /**
   * Scores each candidate continuation of {@code prompt}: the sum or mean of {@code log p(answer
   * token | prompt, earlier answer tokens)} over the answer's tokens. The prompt must hold at least
   * one token (for Llama-family models usually BOS), each continuation at least one.
   */
  public double[] scoreContinuations(
      Workers workers, int[] prompt, List<int[]> continuations, Reduction reduction) {
    return scoreContinuations(
        workers, Collections.nCopies(continuations.size(), prompt), continuations, reduction);
  }

  /**
   * Scores pairs in one padded batch: {@code continuations.get(i)} after {@code prompts.get(i)}
   * (many examples with their candidate answers at once, e.g. one MeZO step's batch).
   */
  public double[] scoreContinuations(
      Workers workers, List<int[]> prompts, List<int[]> continuations, Reduction reduction) {
    if (prompts.size() != continuations.size()) {
      throw new IllegalArgumentException(
          "%d prompts but %d continuations: expected one prompt per continuation"
              .formatted(prompts.size(), continuations.size()));
    }
    Objects.requireNonNull(reduction, "reduction");
    List<int[]> sequences = new ArrayList<>();
    for (int i = 0; i < continuations.size(); i++) {
      int[] prompt = prompts.get(i);
      int[] c = continuations.get(i);
      if (prompt.length == 0) {
        throw new IllegalArgumentException(
            "prompt " + i + " is empty; it must hold at least one token (e.g. BOS)");
      }
      if (c.length == 0) {
        throw new IllegalArgumentException("continuation " + i + " is empty");
      }
      int[] s = Arrays.copyOf(prompt, prompt.length + c.length);
      System.arraycopy(c, 0, s, prompt.length, c.length);
      sequences.add(s);
    }
    float[][] lp = tokenLogProbs(workers, sequences);
    double[] scores = new double[continuations.size()];
    for (int i = 0; i < scores.length; i++) {
      int from = prompts.get(i).length - 1;
      int len = continuations.get(i).length;
      double sum = 0;
      for (int t = from; t < from + len; t++) {
        sum += lp[i][t];
      }
      scores[i] = reduction == Reduction.SUM ? sum : sum / len;
    }
    return scores;
  }
}
