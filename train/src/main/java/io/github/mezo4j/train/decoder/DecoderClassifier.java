package io.github.mezo4j.train.decoder;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.SequenceScorer;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.prompt.DecoderPrompt;
import io.github.mezo4j.train.prompt.DecoderTemplate;
import io.github.mezo4j.train.trainer.Evaluation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Classifies with a decoder LM the way the MeZO paper's OPT experiments do: each example becomes a
 * {@link DecoderPrompt} (context plus one candidate continuation per class, from a task's {@link
 * DecoderTemplate}), each candidate is scored by the log-likelihood of its tokens given the context
 * ({@link CandidateScore}), and those scores are the class scores (logits) that cross-entropy,
 * accuracy and F1 are computed from. Multiple-choice tasks (COPA) are the same with per-example
 * candidates.
 *
 * <p>Tokenization follows the paper's code: the candidate's tokens are the last {@code
 * len(tokens(context + candidate)) - len(tokens(context))} tokens of the full text's encoding, so a
 * candidate is scored as the tokenizer splits it in context. A sequence longer than {@link
 * DecoderLm#maxLength} keeps BOS and its last tokens (the candidate always survives).
 *
 * <p>Sequences are scored in length-sorted chunks padded to their longest member; every sequence
 * gets the values it gets alone, so scores do not depend on batch composition or thread count.
 */
public final class DecoderClassifier {
  private final DecoderLm lm;
  private final DecoderTemplate template;
  private final int classes;
  private final CandidateScore score;
  private final int chunk;

  /**
   * A classifier that picks, for each example, the candidate the model finds most likely.
   *
   * @param lm the model (its weights are read live: MeZO perturbs them in place)
   * @param template turns an example into its prompt and candidates
   * @param classes candidates every prompt must have (the task's classes; 2 for COPA)
   * @param score how candidate tokens' log-probabilities combine
   * @param chunk sequences per forward pass
   */
  public DecoderClassifier(
      DecoderLm lm, DecoderTemplate template, int classes, CandidateScore score, int chunk) {
    this.lm = Objects.requireNonNull(lm, "lm");
    this.template = Objects.requireNonNull(template, "template");
    this.score = Objects.requireNonNull(score, "score");
    if (classes < 2 || chunk < 1) {
      throw new IllegalArgumentException(
          "need classes >= 2 and chunk >= 1, got %d and %d".formatted(classes, chunk));
    }
    this.classes = classes;
    this.chunk = chunk;
  }

  /** The language model, with its tokenizer. */
  public DecoderLm lm() {
    return lm;
  }

  /** The number of candidates per example. */
  public int classes() {
    return classes;
  }

  /** How a candidate's token log-probabilities combine into its score. */
  public CandidateScore score() {
    return score;
  }

  /**
   * Every candidate sequence of a split, tokenized once: example {@code i}'s candidate {@code c} is
   * {@code sequences[i * classes + c]}, its last {@code candidateTokens[i * classes + c]} tokens
   * being the candidate.
   */
  public record Tokenized(int[][] sequences, int[] candidateTokens, int[] labels, long tokens) {
    /** The number of examples. */
    public int size() {
      return labels.length;
    }
  }

  /**
   * Renders and tokenizes {@code examples}.
   *
   * @throws IllegalArgumentException naming the example when its prompt has the wrong number of
   *     candidates or a candidate adds no token
   */
  public Tokenized tokenize(List<Example> examples) {
    int n = examples.size();
    int[][] sequences = new int[n * classes][];
    int[] candidateTokens = new int[n * classes];
    int[] labels = new int[n];
    long tokens = 0;
    for (int i = 0; i < n; i++) {
      DecoderPrompt p = template.render(examples.get(i));
      if (p.candidates().size() != classes) {
        throw new IllegalArgumentException(
            "example %d ('%s') has %d candidates %s; the task has %d classes"
                .formatted(
                    i,
                    DecoderLm.abbreviate(examples.get(i).text()),
                    p.candidates().size(),
                    p.candidates(),
                    classes));
      }
      labels[i] = p.gold();
      int contextLength = lm.encode(p.context()).length;
      for (int c = 0; c < classes; c++) {
        int[] full = lm.encode(p.full(c));
        int len = full.length - contextLength;
        if (len < 1) {
          throw new IllegalArgumentException(
              "example %d: candidate '%s' adds no token after the context '%s'"
                  .formatted(i, p.candidates().get(c), DecoderLm.abbreviate(p.context())));
        }
        if (len >= lm.maxLength()) {
          throw new IllegalArgumentException(
              "example %d: candidate '%s' has %d tokens; sequences are limited to %d"
                  .formatted(i, DecoderLm.abbreviate(p.candidates().get(c)), len, lm.maxLength()));
        }
        sequences[i * classes + c] = keepEnd(full);
        candidateTokens[i * classes + c] = len;
        tokens += sequences[i * classes + c].length;
      }
    }
    return new Tokenized(sequences, candidateTokens, labels, tokens);
  }

  /** BOS (if any) and the last tokens, when the sequence is too long (MeZO's truncation). */
  private int[] keepEnd(int[] ids) {
    int max = lm.maxLength();
    if (ids.length <= max) {
      return ids;
    }
    boolean bos = lm.bosId() >= 0 && ids[0] == lm.bosId();
    int[] out = new int[max];
    int keep = bos ? max - 1 : max;
    if (bos) {
      out[0] = ids[0];
    }
    System.arraycopy(ids, ids.length - keep, out, max - keep, keep);
    return out;
  }

  /** Class scores {@code [set.size(), classes]} of every example, at the current weights. */
  public double[] scores(Tokenized set, Workers workers) {
    return scores(set, IntStream.range(0, set.size()).toArray(), workers);
  }

  /**
   * Class scores {@code [indices.length, classes]} of the examples {@code indices} of {@code set}
   * (in that order), at the current weights.
   */
  public double[] scores(Tokenized set, int[] indices, Workers workers) {
    return scores(set, indices, workers, VirtualPerturbation.none());
  }

  /**
   * {@link #scores(Tokenized, int[], Workers)} with the weights read through {@code perturbation}
   * ({@link io.github.mezo4j.nn.model.DecoderModel#perturbed}): MeZO's loss at {@code theta +- eps
   * z}, nothing written.
   */
  public double[] scores(
      Tokenized set, int[] indices, Workers workers, VirtualPerturbation perturbation) {
    return scores(set, indices, workers, perturbation, false)[0];
  }

  /**
   * The scores at {@code plus} ({@code [0]}) and at its mirror ({@code [1]}) in one pass per chunk
   * that reads each weight once for both; each equals its own {@link #scores(Tokenized, int[],
   * Workers, VirtualPerturbation)} bit for bit.
   */
  public double[][] scoresPair(
      Tokenized set, int[] indices, Workers workers, VirtualPerturbation plus) {
    return scores(set, indices, workers, plus, true);
  }

  private double[][] scores(
      Tokenized set,
      int[] indices,
      Workers workers,
      VirtualPerturbation perturbation,
      boolean pair) {
    SequenceScorer scorer = new SequenceScorer(lm.model().perturbed(perturbation));
    int count = indices.length * classes;
    // candidate slots sorted by length (stable), so each chunk pads little
    Integer[] order = new Integer[count];
    for (int s = 0; s < count; s++) {
      order[s] = s;
    }
    Arrays.sort(
        order,
        Comparator.comparingInt(
            s -> set.sequences()[indices[s / classes] * classes + s % classes].length));
    int halves = pair ? 2 : 1;
    double[][] out = new double[halves][count];
    for (int from = 0; from < count; from += chunk) {
      int to = Math.min(count, from + chunk);
      List<int[]> sequences = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        int s = order[k];
        sequences.add(set.sequences()[indices[s / classes] * classes + s % classes]);
      }
      float[][][] lp =
          pair
              ? scorer.tokenLogProbsPair(workers, sequences)
              : new float[][][] {scorer.tokenLogProbs(workers, sequences)};
      for (int k = from; k < to; k++) {
        int s = order[k];
        int len = set.candidateTokens()[indices[s / classes] * classes + s % classes];
        for (int h = 0; h < halves; h++) {
          float[] row = lp[h][k - from];
          out[h][s] = score.reduce(row, row.length - len, len);
        }
      }
    }
    return out;
  }

  /** The gold labels of the examples {@code indices}. */
  public static int[] labels(Tokenized set, int[] indices) {
    int[] out = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      out[i] = set.labels()[indices[i]];
    }
    return out;
  }

  /** Cross-entropy, accuracy and macro F1 of the class scores on the whole set. */
  public Evaluation evaluate(Tokenized set, Workers workers) {
    return Evaluation.of(scores(set, workers), set.labels(), classes);
  }
}
