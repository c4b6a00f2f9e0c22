package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.nn.model.SentencePooling;
import io.github.mezo4j.tokenizer.Truncation;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.Correlation;
import io.github.mezo4j.train.metrics.PairLoss;
import io.github.mezo4j.train.metrics.Retrieval;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence-embedding model trained on pairs: the encoder with its pooling ({@link
 * SentenceEmbedder}; for all-MiniLM-L6-v2 mean pooling with L2 normalisation, as {@code mezo4j
 * embed --pooling mean --normalize}), each sentence of a pair embedded on its own (a bi-encoder),
 * and a {@link PairLoss} over the two embeddings of each pair.
 *
 * <p>Sentences are tokenized once; a {@link Batch} sorts a step's sentences (both sides of its
 * pairs) by length into buckets padded to their longest member, and the embeddings come back in the
 * batch's own order. Every reduction has a fixed order, so losses and metrics are bit-identical for
 * any number of threads.
 */
public final class PairEncoder {
  private final SentenceEmbedder embedder;
  private final WordPieceTokenizer tokenizer;
  private final int padId;
  private final int bucketSize;
  // Each thread's hidden-state buffers {plus or single, minus}, grown to the longest bucket.
  private final ThreadLocal<float[][]> hiddenStates = ThreadLocal.withInitial(() -> new float[2][]);

  /**
   * Embeds sentences with {@code embedder}, {@code bucketSize} per forward pass.
   *
   * @param embedder the encoder and its pooling
   * @param tokenizer the encoder's tokenizer, truncating, not padding
   * @param padId the id padding positions get (masked out)
   * @param bucketSize sentences per forward pass
   */
  public PairEncoder(
      SentenceEmbedder embedder, WordPieceTokenizer tokenizer, int padId, int bucketSize) {
    if (bucketSize < 1) {
      throw new IllegalArgumentException("bucketSize must be >= 1, got " + bucketSize);
    }
    this.embedder = embedder;
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.bucketSize = bucketSize;
  }

  /**
   * The sentence-transformers setup of all-MiniLM-L6-v2 and its BERT family: mean pooling with L2
   * normalisation, the tokenizer truncating to {@code min(128, max positions)}, 8 sentences per
   * forward pass (the settings of {@link EncoderClassifier#meanPooled}).
   */
  public static PairEncoder meanPooled(BertEncoder encoder, WordPieceTokenizer tokenizer) {
    BertConfig c = encoder.config();
    WordPieceTokenizer t =
        tokenizer
            .withoutPadding()
            .withTruncation(Truncation.longestFirst(Math.min(128, c.maxPositionEmbeddings())));
    return new PairEncoder(
        new SentenceEmbedder(encoder, SentencePooling.MEAN, true), t, c.padTokenId(), 8);
  }

  /** The same model with its passes served by {@code cache} (or none); the same bits either way. */
  public PairEncoder withPrefixCache(FrozenPrefixCache cache) {
    return new PairEncoder(embedder.withPrefixCache(cache), tokenizer, padId, bucketSize);
  }

  /** The encoder with its pooling. */
  public SentenceEmbedder embedder() {
    return embedder;
  }

  /** The tokenizer, truncating and not padding. */
  public WordPieceTokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * The pairs of a split, tokenized once.
   *
   * @param first token ids of each pair's first sentence
   * @param second token ids of each pair's second sentence
   * @param targets each pair's score normalised to [0, 1] ({@link PairTask#normalized})
   */
  public record Tokenized(int[][] first, int[][] second, double[] targets) {
    /** The number of pairs. */
    public int size() {
      return first.length;
    }
  }

  /** Tokenizes both sentences of every pair. */
  public Tokenized tokenize(PairTask task, List<TextPair> pairs) {
    int n = pairs.size();
    int[][] a = new int[n][];
    int[][] b = new int[n][];
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = ids(pairs.get(i).first());
      b[i] = ids(pairs.get(i).second());
      t[i] = task.normalized(pairs.get(i).score());
    }
    return new Tokenized(a, b, t);
  }

  private int[] ids(String text) {
    return tokenizer.encode(text).ids();
  }

  /**
   * Sentences in length-sorted buckets.
   *
   * @param buckets one padded encoder input per bucket
   * @param rows the sentence (index into the batch's own order) of each bucket row, in bucket order
   * @param pairs how many pairs the batch holds: its sentences are the pairs' first sentences, then
   *     their second ones ({@link #sentences()} {@code = 2 * pairs}); for a retrieval evaluation
   *     batch, the queries then the distinct passages
   * @param targets the pairs' normalised scores
   * @param gold for a retrieval batch, each query's passage among the passages; else null
   */
  public record Batch(
      List<EncoderInput> buckets, int[] rows, int pairs, double[] targets, int[] gold) {
    /** The number of sentences: rows over all buckets. */
    public int sentences() {
      return rows.length;
    }
  }

  /** The pairs {@code indices} of {@code set}: their first sentences, then their second ones. */
  public Batch batch(Tokenized set, int[] indices) {
    int n = indices.length;
    int[][] sentences = new int[2 * n][];
    double[] targets = new double[n];
    for (int i = 0; i < n; i++) {
      sentences[i] = set.first()[indices[i]];
      sentences[n + i] = set.second()[indices[i]];
      targets[i] = set.targets()[indices[i]];
    }
    return batch(sentences, n, targets, null);
  }

  /** Every pair of {@code set}. */
  public Batch batch(Tokenized set) {
    int[] all = new int[set.size()];
    Arrays.setAll(all, i -> i);
    return batch(set, all);
  }

  /**
   * A retrieval evaluation batch: every first sentence (query) of {@code set}, then each distinct
   * second sentence (passage) once, with each query's passage recorded as {@link Batch#gold()}.
   */
  public Batch retrievalBatch(Tokenized set) {
    int n = set.size();
    Map<List<Integer>, Integer> passageIndex = new LinkedHashMap<>();
    List<int[]> passages = new ArrayList<>();
    int[] gold = new int[n];
    for (int i = 0; i < n; i++) {
      List<Integer> key = Arrays.stream(set.second()[i]).boxed().toList();
      Integer p = passageIndex.get(key);
      if (p == null) {
        p = passages.size();
        passageIndex.put(key, p);
        passages.add(set.second()[i]);
      }
      gold[i] = p;
    }
    int[][] sentences = new int[n + passages.size()][];
    System.arraycopy(set.first(), 0, sentences, 0, n);
    for (int j = 0; j < passages.size(); j++) {
      sentences[n + j] = passages.get(j);
    }
    return batch(sentences, n, set.targets().clone(), gold);
  }

  private Batch batch(int[][] sentences, int pairs, double[] targets, int[] gold) {
    if (pairs == 0) {
      throw new IllegalArgumentException("a batch needs at least one pair");
    }
    Integer[] order = new Integer[sentences.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> sentences[i].length)); // stable
    List<EncoderInput> buckets = new ArrayList<>();
    int[] rows = new int[sentences.length];
    for (int from = 0; from < order.length; from += bucketSize) {
      int to = Math.min(order.length, from + bucketSize);
      int[][] ids = new int[to - from][];
      for (int i = from; i < to; i++) {
        rows[i] = order[i];
        ids[i - from] = sentences[order[i]];
      }
      buckets.add(EncoderInput.padded(ids, padId));
    }
    return new Batch(List.copyOf(buckets), rows, pairs, targets, gold);
  }

  /**
   * The embeddings {@code [batch.sentences(), dim]} of the batch's sentences in the batch's own
   * order, at the weights {@code perturbation} describes (no weight is written).
   */
  public float[] embeddings(Batch batch, Workers workers, VirtualPerturbation perturbation) {
    return embeddings(batch, workers, perturbation, false)[0];
  }

  /**
   * Both embeddings of a two-sided MeZO sample, each bit for bit equal to {@link #embeddings} at
   * {@code plus} and at {@code plus} negated: every bucket runs once through {@link
   * SentenceEmbedder#hiddenStatesPairInto}, which generates each noise element once for both signs.
   */
  public float[][] embeddingsPair(Batch batch, Workers workers, VirtualPerturbation plus) {
    return embeddings(batch, workers, plus, true);
  }

  private float[][] embeddings(
      Batch batch, Workers workers, VirtualPerturbation perturbation, boolean pair) {
    int dim = embedder.dimension();
    float[][] out = new float[pair ? 2 : 1][batch.sentences() * dim];
    int row = 0;
    for (EncoderInput bucket : batch.buckets()) {
      float[][] pooled = pooled(bucket, workers, perturbation, pair);
      for (int k = 0; k < out.length; k++) {
        place(pooled[k], batch.rows(), row, out[k], dim);
      }
      row += bucket.batch();
    }
    return out;
  }

  /** One bucket's pooled embeddings at the perturbation and, with {@code pair}, its mirror. */
  private float[][] pooled(
      EncoderInput bucket, Workers workers, VirtualPerturbation perturbation, boolean pair) {
    BertEncoder encoder = embedder.encoder();
    float[][] hidden = hiddenStates.get();
    hidden[0] = encoder.outputBuffer(hidden[0], bucket);
    if (!pair) {
      embedder.hiddenStatesInto(bucket, workers, perturbation, hidden[0]);
      return new float[][] {pool(hidden[0], bucket)};
    }
    hidden[1] = encoder.outputBuffer(hidden[1], bucket);
    embedder.hiddenStatesPairInto(bucket, workers, perturbation, hidden[0], hidden[1]);
    return new float[][] {pool(hidden[0], bucket), pool(hidden[1], bucket)};
  }

  /**
   * {@code loss} over a data-parallel run's shares of a batch, its buckets. A pair loss is not a
   * sum over sentences (CoSENT and ranking compare every pair with every other), so a worker's part
   * is its buckets' embeddings: {@code {buckets, then for each its index and its floats two to a
   * long}} (a bucket's float count follows from the batch). The driver puts them back in their rows
   * and computes the loss there.
   */
  ShardedLoss<Batch> shardedLoss(PairLoss loss, double scale, Workers workers) {
    return new ShardedLoss<>() {
      @Override
      public long[][] part(
          Batch batch, int rank, int ranks, VirtualPerturbation perturbation, boolean pair) {
        long[][] parts = new long[pair ? 2 : 1][];
        List<List<float[]>> own = new ArrayList<>();
        for (int k = 0; k < parts.length; k++) {
          own.add(new ArrayList<>());
        }
        List<Integer> indices = new ArrayList<>();
        for (int b = rank; b < batch.buckets().size(); b += ranks) {
          float[][] pooled = pooled(batch.buckets().get(b), workers, perturbation, pair);
          for (int k = 0; k < parts.length; k++) {
            own.get(k).add(pooled[k]);
          }
          indices.add(b);
        }
        for (int k = 0; k < parts.length; k++) {
          parts[k] = pack(indices, own.get(k));
        }
        return parts;
      }

      @Override
      public long[] combine(long[] a, long[] b) {
        long[] out = new long[a.length + b.length - 1];
        out[0] = a[0] + b[0];
        System.arraycopy(a, 1, out, 1, a.length - 1);
        System.arraycopy(b, 1, out, a.length, b.length - 1);
        return out;
      }

      @Override
      public double lossOf(Batch batch, long[] part) {
        int dim = embedder.dimension();
        int[] firstRow = new int[batch.buckets().size() + 1];
        for (int b = 0; b < batch.buckets().size(); b++) {
          firstRow[b + 1] = firstRow[b] + batch.buckets().get(b).batch();
        }
        float[] embeddings = new float[batch.sentences() * dim];
        int at = 1;
        for (long n = 0; n < part[0]; n++) {
          int b = (int) part[at++];
          float[] pooled = new float[batch.buckets().get(b).batch() * dim];
          for (int i = 0; i < pooled.length; i += 2, at++) {
            pooled[i] = Float.intBitsToFloat((int) (part[at] >>> 32));
            if (i + 1 < pooled.length) {
              pooled[i + 1] = Float.intBitsToFloat((int) part[at]);
            }
          }
          place(pooled, batch.rows(), firstRow[b], embeddings, dim);
        }
        return PairEncoder.this.lossOf(loss, scale, embeddings, batch);
      }
    };
  }

  /**
   * Refuses, before any step, {@code mode} over {@code workers} workers for batches of {@code
   * pairs} pairs: a data-parallel run's shares are the batch's forward buckets.
   */
  void checkSpread(ParallelMode mode, OptimizerSettings optim, int pairs, int workers) {
    mode.checkBuckets(optim, 2 * pairs, bucketSize, workers);
  }

  private static long[] pack(List<Integer> buckets, List<float[]> pooled) {
    int size = 1;
    for (float[] p : pooled) {
      size += 1 + (p.length + 1) / 2;
    }
    long[] out = new long[size];
    out[0] = buckets.size();
    int at = 1;
    for (int j = 0; j < buckets.size(); j++) {
      float[] p = pooled.get(j);
      out[at++] = buckets.get(j);
      for (int i = 0; i < p.length; i += 2) {
        long hi = Integer.toUnsignedLong(Float.floatToRawIntBits(p[i])) << 32;
        long lo = i + 1 < p.length ? Integer.toUnsignedLong(Float.floatToRawIntBits(p[i + 1])) : 0;
        out[at++] = hi | lo;
      }
    }
    return out;
  }

  /** Copies a bucket's embeddings, from bucket row {@code row} on, to their sentences' rows. */
  private static void place(float[] pooled, int[] rows, int row, float[] out, int dim) {
    int count = pooled.length / dim;
    for (int b = 0; b < count; b++) {
      System.arraycopy(pooled, b * dim, out, rows[row + b] * dim, dim);
    }
  }

  private float[] pool(float[] hidden, EncoderInput input) {
    return SentenceEmbedder.pool(
        hidden, input, embedder.dimension(), embedder.pooling(), embedder.normalize());
  }

  /**
   * {@code loss} of a batch's embeddings {@code [2 * pairs, dim]}: the first sentences' rows
   * against the second ones'.
   */
  public double lossOf(PairLoss loss, double scale, float[] embeddings, Batch batch) {
    int dim = embedder.dimension();
    int n = batch.pairs();
    float[] u = Arrays.copyOfRange(embeddings, 0, n * dim);
    float[] v = Arrays.copyOfRange(embeddings, n * dim, 2 * n * dim);
    return loss.loss(u, v, n, dim, batch.targets(), scale);
  }

  /**
   * The virtual-mode MeZO objective: {@code loss} (with {@code scale}) of the embeddings at the
   * perturbed weights. Its {@link PerturbedObjective#lossPair} runs both signs through {@link
   * #embeddingsPair}, bit-identical to two {@link PerturbedObjective#loss} calls.
   */
  public PerturbedObjective<Batch> objective(PairLoss loss, double scale, Workers workers) {
    return new PerturbedObjective<>() {
      @Override
      public double loss(Batch batch, VirtualPerturbation perturbation) {
        return lossOf(loss, scale, embeddings(batch, workers, perturbation), batch);
      }

      @Override
      public double[] lossPair(Batch batch, VirtualPerturbation plus) {
        float[][] e = embeddingsPair(batch, workers, plus);
        return new double[] {lossOf(loss, scale, e[0], batch), lossOf(loss, scale, e[1], batch)};
      }
    };
  }

  /**
   * The metrics of {@code batch} at the current weights: for scored and labeled pairs ({@link
   * #batch}) Spearman's and Pearson's correlation of cosine and gold score; for a retrieval batch
   * ({@link #retrievalBatch}) recall@1, recall@10 and MRR@10 of every query against all passages
   * ({@link Retrieval}). The loss is {@code loss} over the whole batch (for a retrieval batch, over
   * the queries and their own passages).
   */
  public PairEvaluation evaluate(
      Batch batch, PairKind kind, PairLoss loss, double scale, Workers workers) {
    float[] e = embeddings(batch, workers, VirtualPerturbation.none());
    int dim = embedder.dimension();
    int n = batch.pairs();
    float[] u = Arrays.copyOfRange(e, 0, n * dim);
    if (batch.gold() != null) {
      float[] passages = Arrays.copyOfRange(e, n * dim, e.length);
      float[] v = new float[n * dim];
      for (int i = 0; i < n; i++) {
        System.arraycopy(passages, batch.gold()[i] * dim, v, i * dim, dim);
      }
      Retrieval r = Retrieval.of(u, passages, dim, batch.gold());
      return PairEvaluation.retrieval(r, loss.loss(u, v, n, dim, batch.targets(), scale));
    }
    if (kind == PairKind.POSITIVE) {
      throw new IllegalArgumentException("positive pairs are evaluated with a retrieval batch");
    }
    float[] v = Arrays.copyOfRange(e, n * dim, 2 * n * dim);
    double[] cos = PairLoss.cosines(u, v, n, dim);
    return PairEvaluation.correlation(
        Correlation.spearman(cos, batch.targets()),
        Correlation.pearson(cos, batch.targets()),
        loss.loss(u, v, n, dim, batch.targets(), scale),
        n);
  }

  /**
   * The evaluation batch of a split: {@link #retrievalBatch} for positive pairs, else all pairs.
   */
  public Batch evaluationBatch(Tokenized set, PairKind kind) {
    return kind == PairKind.POSITIVE ? retrievalBatch(set) : batch(set);
  }
}
