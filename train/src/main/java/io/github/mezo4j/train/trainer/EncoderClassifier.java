package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.nn.model.SentencePooling;
import io.github.mezo4j.tokenizer.Encoding;
import io.github.mezo4j.tokenizer.Truncation;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.report.PassProgress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A text classifier: a sentence embedder (BERT-family encoder plus pooling) and a {@link
 * ClassifierHead}. Its {@link #trainable()} weights are the encoder's followed by the head's, the
 * set MeZO perturbs and the step log is written for.
 *
 * <p>Texts are tokenized once ({@link #tokenize}); a {@link Batch} sorts the chosen examples by
 * length into buckets padded to their longest member, so forward passes spend little on padding.
 * Logits come out in bucket order and every reduction has a fixed order, so results are
 * bit-identical for any number of threads.
 *
 * <p>When only the top layers are trained ({@code --train-params top:K}), {@link #withPrefixCache}
 * has the frozen lower layers' output computed once per distinct sequence (training examples, dev
 * examples, label sentences) and every pass run only the layers above it, with the same bits.
 */
public final class EncoderClassifier {
  /** Sentences per forward pass of {@link #meanPooled} classifiers. */
  public static final int BUCKET_SIZE = 8;

  private final SentenceEmbedder embedder;
  private final WordPieceTokenizer tokenizer;
  private final int padId;
  private final ClassifierHead head;
  private final int bucketSize;
  // Each thread's hidden-state buffers {plus or single, minus}, grown to the longest bucket:
  // loss evaluations reuse them instead of allocating [tokens, hidden] per bucket and step.
  private final ThreadLocal<float[][]> hiddenStates = ThreadLocal.withInitial(() -> new float[2][]);

  /**
   * Classifies with {@code head} over {@code embedder}'s sentence embeddings.
   *
   * @param embedder the encoder with its pooling (must normalise for the prompt head)
   * @param tokenizer the encoder's tokenizer, truncating to the model's length, not padding
   * @param padId the id padding positions get (masked out)
   * @param head the classifier head
   * @param bucketSize sentences per forward pass
   */
  public EncoderClassifier(
      SentenceEmbedder embedder,
      WordPieceTokenizer tokenizer,
      int padId,
      ClassifierHead head,
      int bucketSize) {
    if (bucketSize < 1) {
      throw new IllegalArgumentException("bucketSize must be >= 1, got " + bucketSize);
    }
    this.embedder = embedder;
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.head = head;
    this.bucketSize = bucketSize;
  }

  /**
   * The standard setup: mean pooling with L2 normalisation (what sentence-transformers models such
   * as all-MiniLM-L6-v2 were trained with), the tokenizer truncating to {@code min(128, max
   * positions)} without padding, and 8 sentences per forward pass.
   */
  public static EncoderClassifier meanPooled(
      BertEncoder encoder, WordPieceTokenizer tokenizer, ClassifierHead head) {
    BertConfig c = encoder.config();
    WordPieceTokenizer t =
        tokenizer
            .withoutPadding()
            .withTruncation(Truncation.longestFirst(Math.min(128, c.maxPositionEmbeddings())));
    return new EncoderClassifier(
        new SentenceEmbedder(encoder, SentencePooling.MEAN, true),
        t,
        c.padTokenId(),
        head,
        BUCKET_SIZE);
  }

  /** The same encoder and tokenizer with another head. */
  public EncoderClassifier withHead(ClassifierHead newHead) {
    return new EncoderClassifier(embedder, tokenizer, padId, newHead, bucketSize);
  }

  /**
   * The same tokenizer and head on another encoder (the same one with adapters, say), pooled as
   * before, with no prefix cache.
   */
  public EncoderClassifier withEncoder(BertEncoder encoder) {
    return new EncoderClassifier(
        new SentenceEmbedder(encoder, embedder.pooling(), embedder.normalize()),
        tokenizer,
        padId,
        head,
        bucketSize);
  }

  /**
   * The same classifier with every forward pass (inputs and the heads' label sentences) served by
   * {@code cache}, or by the whole encoder ({@code null}); see {@link
   * SentenceEmbedder#withPrefixCache}. Results are the same bits either way.
   */
  public EncoderClassifier withPrefixCache(FrozenPrefixCache cache) {
    return new EncoderClassifier(
        embedder.withPrefixCache(cache), tokenizer, padId, head, bucketSize);
  }

  /** The encoder with its pooling. */
  public SentenceEmbedder embedder() {
    return embedder;
  }

  /** The tokenizer, truncating and not padding. */
  public WordPieceTokenizer tokenizer() {
    return tokenizer;
  }

  /** The token id of padding positions. */
  public int padId() {
    return padId;
  }

  /** The head that turns embeddings into logits. */
  public ClassifierHead head() {
    return head;
  }

  /** The encoder's weights followed by the head's (storage shared, not copied). */
  public ParameterSet trainable() {
    return trainable(Selector.all());
  }

  /** The encoder's weights that {@code encoderWeights} selects, then the head's. */
  public ParameterSet trainable(Selector encoderWeights) {
    List<Parameter> all =
        new ArrayList<>(embedder.encoder().parameters().select(encoderWeights).list());
    all.addAll(head.parameters().list());
    return ParameterSet.of(all);
  }

  /**
   * Token ids of every example of a split, tokenized once.
   *
   * @param ids token ids per example
   * @param types token type ids per example
   * @param labels gold classes
   */
  public record Tokenized(int[][] ids, int[][] types, int[] labels) {
    /** The number of examples. */
    public int size() {
      return labels.length;
    }
  }

  /**
   * Examples in length-sorted buckets.
   *
   * @param buckets one padded encoder input per bucket
   * @param labels the gold class of each example, in bucket order
   * @param tokens real tokens in all buckets
   */
  public record Batch(List<EncoderInput> buckets, int[] labels, long tokens) {
    /** The number of examples. */
    public int size() {
      return labels.length;
    }

    /**
     * The buckets {@code rank, rank + ranks, ...} of this batch: one worker's share in a
     * data-parallel run. Each bucket is the same input as here, so its logits are the same bits.
     */
    public Batch shard(int rank, int ranks) {
      List<EncoderInput> kept = new ArrayList<>();
      int[] own = new int[labels.length];
      int n = 0;
      long t = 0;
      int row = 0;
      for (int b = 0; b < buckets.size(); b++) {
        EncoderInput bucket = buckets.get(b);
        if (b % ranks == rank) {
          kept.add(bucket);
          System.arraycopy(labels, row, own, n, bucket.batch());
          n += bucket.batch();
          for (int i = 0; i < bucket.batch(); i++) {
            t += bucket.length(i);
          }
        }
        row += bucket.batch();
      }
      return new Batch(List.copyOf(kept), Arrays.copyOf(own, n), t);
    }
  }

  /** Tokenizes every example of {@code data}. */
  public Tokenized tokenize(LabeledTexts data) {
    if (data.classes() != head.classes()) {
      throw new IllegalArgumentException(
          "the data has %d classes %s but the head scores %d %s"
              .formatted(data.classes(), data.labelNames(), head.classes(), head.labels()));
    }
    int n = data.size();
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    for (int i = 0; i < n; i++) {
      Encoding e =
          data.pairs() == null
              ? tokenizer.encode(data.texts().get(i))
              : tokenizer.encode(data.texts().get(i), data.pairs().get(i));
      ids[i] = e.ids();
      types[i] = e.typeIds();
    }
    return new Tokenized(ids, types, data.labels());
  }

  /** All examples of {@code set} as one batch. */
  public Batch batch(Tokenized set) {
    return batch(set, IntStream.range(0, set.size()).toArray());
  }

  /** The examples {@code indices} of {@code set}, sorted by length (stable) into buckets. */
  public Batch batch(Tokenized set, int[] indices) {
    if (indices.length == 0) {
      throw new IllegalArgumentException("a batch needs at least one example");
    }
    int[] order =
        Arrays.stream(indices)
            .boxed()
            .sorted(Comparator.comparingInt(i -> set.ids()[i].length))
            .mapToInt(Integer::intValue)
            .toArray();
    List<EncoderInput> buckets = new ArrayList<>();
    int[] labels = new int[order.length];
    long tokens = 0;
    for (int from = 0; from < order.length; from += bucketSize) {
      int to = Math.min(order.length, from + bucketSize);
      int[][] ids = new int[to - from][];
      int[][] types = new int[to - from][];
      for (int i = from; i < to; i++) {
        ids[i - from] = set.ids()[order[i]];
        types[i - from] = set.types()[order[i]];
        labels[i] = set.labels()[order[i]];
        tokens += ids[i - from].length;
      }
      buckets.add(EncoderInput.padded(ids, types, padId));
    }
    return new Batch(List.copyOf(buckets), labels, tokens);
  }

  /** Sentence embeddings {@code [batch.size(), dim]} in bucket order at the current weights. */
  public float[] features(Batch batch, Workers workers) {
    return features(batch, workers, PassProgress.NONE);
  }

  /**
   * {@link #features(Batch, Workers)}, telling {@code progress} how many examples each bucket
   * finished.
   */
  public float[] features(Batch batch, Workers workers, IntConsumer progress) {
    int dim = embedder.dimension();
    float[] out = new float[batch.size() * dim];
    int row = 0;
    for (EncoderInput bucket : batch.buckets()) {
      float[] e = embedder.embed(bucket, workers);
      System.arraycopy(e, 0, out, row * dim, e.length);
      row += bucket.batch();
      progress.accept(bucket.batch());
    }
    return out;
  }

  /** Logits {@code [batch.size(), classes]} in bucket order at the current weights. */
  public double[] logits(Batch batch, Workers workers) {
    return logits(batch, workers, VirtualPerturbation.none());
  }

  /**
   * Logits {@code [batch.size(), classes]} in bucket order at the weights {@code perturbation}
   * describes (encoder and head parameters it covers read as {@code theta + scale * z}); no weight
   * is written, so this is MeZO's virtual-mode loss evaluation.
   */
  public double[] logits(Batch batch, Workers workers, VirtualPerturbation perturbation) {
    return logits(batch, workers, perturbation, PassProgress.NONE);
  }

  private double[] logits(
      Batch batch, Workers workers, VirtualPerturbation perturbation, IntConsumer progress) {
    ClassifierHead.Scorer scorer = head.scorer(embedder, workers, perturbation);
    double[] out = new double[batch.size() * head.classes()];
    int row = 0;
    for (EncoderInput bucket : batch.buckets()) {
      scorer.score(embed(bucket, workers, perturbation), bucket.batch(), out, row);
      row += bucket.batch();
      progress.accept(bucket.batch());
    }
    return out;
  }

  /**
   * Both logits of a two-sided MeZO sample, {@code {logits(batch, workers, plus), logits(batch,
   * workers, minus)}} with {@code minus} being {@code plus} with its scale negated, each bit for
   * bit equal to that single call. Every bucket runs through {@link BertEncoder#forwardPairInto}
   * (with a prefix cache, {@link FrozenPrefixCache#forwardPairInto}), which generates each noise
   * element once for both signs.
   *
   * @return {@code {logitsPlus, logitsMinus}}, each {@code [batch.size(), classes]} in bucket order
   */
  public double[][] logitsPair(Batch batch, Workers workers, VirtualPerturbation plus) {
    VirtualPerturbation minus = plus.negated();
    ClassifierHead.Scorer scorerPlus = head.scorer(embedder, workers, plus);
    ClassifierHead.Scorer scorerMinus = head.scorer(embedder, workers, minus);
    double[] outPlus = new double[batch.size() * head.classes()];
    double[] outMinus = new double[batch.size() * head.classes()];
    BertEncoder encoder = embedder.encoder();
    float[][] hidden = hiddenStates.get();
    int row = 0;
    for (EncoderInput bucket : batch.buckets()) {
      hidden[0] = encoder.outputBuffer(hidden[0], bucket);
      hidden[1] = encoder.outputBuffer(hidden[1], bucket);
      embedder.hiddenStatesPairInto(bucket, workers, plus, hidden[0], hidden[1]);
      scorerPlus.score(pool(hidden[0], bucket), bucket.batch(), outPlus, row);
      scorerMinus.score(pool(hidden[1], bucket), bucket.batch(), outMinus, row);
      row += bucket.batch();
    }
    return new double[][] {outPlus, outMinus};
  }

  /**
   * The virtual-mode MeZO objective: {@code loss} of the logits at the perturbed weights against
   * the batch's labels. Its {@link PerturbedObjective#lossPair} runs both signs through {@link
   * #logitsPair}, with results bit-identical to two {@link PerturbedObjective#loss} calls.
   */
  public PerturbedObjective<Batch> objective(ClassificationLoss loss, Workers workers) {
    return new PerturbedObjective<>() {
      @Override
      public double loss(Batch batch, VirtualPerturbation perturbation) {
        return lossOf(loss, logits(batch, workers, perturbation), batch);
      }

      @Override
      public double[] lossPair(Batch batch, VirtualPerturbation plus) {
        double[][] l = logitsPair(batch, workers, plus);
        return new double[] {lossOf(loss, l[0], batch), lossOf(loss, l[1], batch)};
      }
    };
  }

  /** {@code loss} over a data-parallel run's shares of a batch, its buckets. */
  ShardedLoss<Batch> shardedLoss(ClassificationLoss loss, Workers workers) {
    return new ShardedLoss<>() {
      @Override
      public long[][] part(
          Batch batch, int rank, int ranks, VirtualPerturbation perturbation, boolean pair) {
        Batch own = batch.shard(rank, ranks);
        double[][] logits =
            pair
                ? logitsPair(own, workers, perturbation)
                : new double[][] {logits(own, workers, perturbation)};
        long[][] sums = new long[logits.length][];
        for (int k = 0; k < logits.length; k++) {
          sums[k] = sumsOf(loss, logits[k], own);
        }
        return sums;
      }

      @Override
      public long[] combine(long[] a, long[] b) {
        return loss.add(a, b);
      }

      @Override
      public double lossOf(Batch batch, long[] sums) {
        return loss.lossOf(sums);
      }
    };
  }

  /** {@code loss} of {@code logits} (rounded to f32 scores) against the batch's labels. */
  static double lossOf(ClassificationLoss loss, double[] logits, Batch batch) {
    return loss.lossOf(sumsOf(loss, logits, batch));
  }

  /**
   * {@code loss}'s sums ({@link ClassificationLoss#sums}) of {@code logits} (rounded to f32 scores)
   * against the batch's labels: what a worker of a distributed run sends.
   */
  static long[] sumsOf(ClassificationLoss loss, double[] logits, Batch batch) {
    float[] scores = scores(logits);
    return loss.sums(scores, scores.length / batch.size(), batch.labels());
  }

  /** Logits rounded to the f32 scores losses and metrics read. */
  static float[] scores(double[] logits) {
    float[] scores = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      scores[i] = (float) logits[i];
    }
    return scores;
  }

  /** {@link SentenceEmbedder#embed} at virtually perturbed encoder weights. */
  private float[] embed(EncoderInput input, Workers workers, VirtualPerturbation perturbation) {
    BertEncoder encoder = embedder.encoder();
    float[][] hidden = hiddenStates.get();
    hidden[0] = encoder.outputBuffer(hidden[0], input);
    embedder.hiddenStatesInto(input, workers, perturbation, hidden[0]);
    return pool(hidden[0], input);
  }

  /** Sentence embeddings of one bucket's hidden states, pooled as {@link #embedder()} pools. */
  private float[] pool(float[] hidden, EncoderInput input) {
    return SentenceEmbedder.pool(
        hidden, input, embedder.dimension(), embedder.pooling(), embedder.normalize());
  }

  /** Loss, accuracy and macro F1 on {@code batch} at the current weights. */
  public Evaluation evaluate(Batch batch, Workers workers) {
    return evaluate(batch, workers, PassProgress.NONE);
  }

  /** {@link #evaluate(Batch, Workers)}, telling {@code progress} the examples each bucket did. */
  public Evaluation evaluate(Batch batch, Workers workers, IntConsumer progress) {
    return Evaluation.of(
        logits(batch, workers, VirtualPerturbation.none(), progress),
        batch.labels(),
        head.classes());
  }
}
