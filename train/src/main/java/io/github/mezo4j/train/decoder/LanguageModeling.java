package io.github.mezo4j.train.decoder;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.SequenceScorer;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.metrics.ExactSum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The language-model objective for domain adaptation ({@code --objective lm}): the mean next-token
 * negative log-likelihood of a task's texts, and perplexity, its exponential, for evaluation.
 *
 * <p>Each text is BOS plus its tokens (up to {@link DecoderLm#maxLength}); every token after BOS is
 * predicted. The mean is over tokens, not texts ({@code sum of -log p / number of predicted
 * tokens}), so perplexity is the usual corpus perplexity. An example's text is its {@link
 * Example#text()}, followed by a space and its second text for pair tasks.
 */
public final class LanguageModeling {
  private final DecoderLm lm;
  private final int chunk;

  /**
   * Scores texts with {@code lm}, {@code chunk} texts per forward pass.
   *
   * @param lm the model (its weights are read live)
   * @param chunk texts per forward pass
   */
  public LanguageModeling(DecoderLm lm, int chunk) {
    this.lm = Objects.requireNonNull(lm, "lm");
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
    }
    this.chunk = chunk;
  }

  /** Token ids of each text, tokenized once; {@code predicted} counts the tokens after BOS. */
  public record Tokenized(int[][] sequences, long predicted) {
    /** The number of texts. */
    public int size() {
      return sequences.length;
    }
  }

  /**
   * A sum of negative log-likelihoods and the tokens it is over.
   *
   * @param nll the summed {@code -log p(token | earlier tokens)}
   * @param tokens predicted tokens
   */
  public record Nll(double nll, long tokens) {
    /** The NLL of a counted sum {@code {tokens, exact sum}} ({@link #sums}). */
    public static Nll of(long[] sums) {
      return new Nll(ExactSum.total(sums), sums[0]);
    }

    /** Mean negative log-likelihood per token (nats). */
    public double mean() {
      return nll / tokens;
    }

    /** {@code exp(mean())}. */
    public double perplexity() {
      return Math.exp(mean());
    }
  }

  /** The texts of {@code examples} (see the class comment). */
  public static List<String> texts(List<Example> examples) {
    return examples.stream()
        .map(e -> e.hasPair() ? e.text().strip() + " " + e.textPair().strip() : e.text().strip())
        .toList();
  }

  /**
   * Tokenizes {@code texts}.
   *
   * @throws IllegalArgumentException naming a text that leaves nothing to predict
   */
  public Tokenized tokenize(List<String> texts) {
    int[][] sequences = new int[texts.size()][];
    long predicted = 0;
    for (int i = 0; i < sequences.length; i++) {
      int[] ids = lm.keepStart(lm.encode(texts.get(i)));
      if (ids.length < 2) {
        throw new IllegalArgumentException(
            "text %d ('%s') has no token to predict after BOS"
                .formatted(i, DecoderLm.abbreviate(texts.get(i))));
      }
      sequences[i] = ids;
      predicted += ids.length - 1;
    }
    return new Tokenized(sequences, predicted);
  }

  /** The NLL of every text of {@code set}, at the current weights. */
  public Nll nll(Tokenized set, Workers workers) {
    return nll(set, IntStream.range(0, set.size()).toArray(), workers);
  }

  /**
   * The NLL of the texts {@code indices} of {@code set}, at the current weights. Each text's NLL
   * sums its tokens in order, whatever the chunking, and the texts' NLLs are summed exactly.
   */
  public Nll nll(Tokenized set, int[] indices, Workers workers) {
    return nll(set, indices, workers, VirtualPerturbation.none());
  }

  /**
   * {@link #nll(Tokenized, int[], Workers)} with the weights read through {@code perturbation}
   * ({@link io.github.mezo4j.nn.model.DecoderModel#perturbed}): MeZO's loss at {@code theta +- eps
   * z}, nothing written.
   */
  public Nll nll(Tokenized set, int[] indices, Workers workers, VirtualPerturbation perturbation) {
    return Nll.of(sums(set, indices, workers, perturbation, false)[0]);
  }

  /**
   * The NLLs at {@code plus} ({@code [0]}) and at its mirror ({@code [1]}) in one pass per chunk
   * that reads each weight once for both; each equals its own {@link #nll(Tokenized, int[],
   * Workers, VirtualPerturbation)} bit for bit.
   */
  public Nll[] nllPair(Tokenized set, int[] indices, Workers workers, VirtualPerturbation plus) {
    long[][] sums = sums(set, indices, workers, plus, true);
    return new Nll[] {Nll.of(sums[0]), Nll.of(sums[1])};
  }

  /**
   * The texts' NLL as counted sums ({@link ExactSum}: predicted tokens and the exact sum of the
   * texts' NLLs), at {@code perturbation} and, with {@code pair}, at its mirror too: the sums of
   * any split of {@code indices}, added, are those of the whole bit for bit.
   */
  public long[][] sums(
      Tokenized set,
      int[] indices,
      Workers workers,
      VirtualPerturbation perturbation,
      boolean pair) {
    SequenceScorer scorer = new SequenceScorer(lm.model().perturbed(perturbation));
    if (indices.length == 0) {
      throw new IllegalArgumentException("need at least one text");
    }
    Integer[] order = new Integer[indices.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> set.sequences()[indices[i]].length));
    int halves = pair ? 2 : 1;
    double[][] perText = new double[halves][indices.length];
    long tokens = 0;
    for (int from = 0; from < order.length; from += chunk) {
      int to = Math.min(order.length, from + chunk);
      List<int[]> sequences = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        sequences.add(set.sequences()[indices[order[k]]]);
      }
      float[][][] lp =
          pair
              ? scorer.tokenLogProbsPair(workers, sequences)
              : new float[][][] {scorer.tokenLogProbs(workers, sequences)};
      for (int k = from; k < to; k++) {
        for (int h = 0; h < halves; h++) {
          double s = 0;
          for (float v : lp[h][k - from]) {
            s -= v;
          }
          perText[h][order[k]] = s;
        }
        tokens += lp[0][k - from].length;
      }
    }
    long[][] out = new long[halves][];
    for (int h = 0; h < halves; h++) {
      out[h] = new long[] {tokens, 0, 0};
      for (double v : perText[h]) {
        ExactSum.add(out[h], 1, v);
      }
    }
    return out;
  }
}
