package io.github.mezo4j.cli;

import io.github.mezo4j.core.example.LabeledSentences;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A text classifier with no weights of its own, in the spirit of prompt-based fine-tuning (LM-BFF,
 * MeZO): class {@code c}'s logit is {@code scale * cos(embed(sentence), embed(labelText[c]))}. The
 * label texts ("It was terrible.", "It was great.") go through the same encoder on every call, so
 * when MeZO moves the encoder the label embeddings move with it, and a pretrained sentence encoder
 * classifies zero-shot before any training.
 *
 * <p>Sentences are tokenized once ({@link #tokenize}) and sorted by length into buckets padded to
 * their longest member, so forward passes spend little work on padding. Reductions run in bucket
 * order, so losses are bit-identical for any number of threads.
 */
final class LabelSimilarityClassifier {
  private final SentenceEmbedder embedder;
  private final WordPieceTokenizer tokenizer;
  private final int padId;
  private final List<String> labelTexts;
  private final EncoderInput labels;
  private final double scale;
  private final int bucketSize;

  /**
   * @param embedder a normalising embedder (cosine = dot product)
   * @param tokenizer the encoder's tokenizer, truncating to the model's length, not padding
   * @param padId the id padding positions get (masked out)
   * @param labelTexts one text per class, class 0 first
   * @param scale the logit scale (an inverse temperature)
   * @param bucketSize sentences per forward pass
   */
  LabelSimilarityClassifier(
      SentenceEmbedder embedder,
      WordPieceTokenizer tokenizer,
      int padId,
      List<String> labelTexts,
      double scale,
      int bucketSize) {
    if (!embedder.normalize()) {
      throw new IllegalArgumentException("the embedder must L2-normalise (cosine = dot product)");
    }
    if (labelTexts.size() < 2) {
      throw new IllegalArgumentException("need at least two label texts, got " + labelTexts);
    }
    if (!(scale > 0) || bucketSize < 1) {
      throw new IllegalArgumentException(
          "scale must be > 0 and bucketSize >= 1, got %s and %d".formatted(scale, bucketSize));
    }
    this.embedder = embedder;
    this.tokenizer = tokenizer;
    this.padId = padId;
    this.labelTexts = List.copyOf(labelTexts);
    this.labels = EncoderInput.padded(ids(this.labelTexts), padId);
    this.scale = scale;
    this.bucketSize = bucketSize;
  }

  /**
   * Tokenized sentences in length-sorted buckets.
   *
   * @param buckets one padded encoder batch per bucket
   * @param labels the gold class of each sentence, in bucket order
   * @param tokens real tokens in all buckets ({@code [CLS]} and {@code [SEP]} included)
   * @param positions positions in all buckets, padding included
   */
  record Batch(List<EncoderInput> buckets, int[] labels, long tokens, long positions) {
    int size() {
      return labels.length;
    }
  }

  /** A loss and an accuracy measured in one pass. */
  record Evaluation(double loss, double accuracy) {}

  int classes() {
    return labelTexts.size();
  }

  List<String> labelTexts() {
    return labelTexts;
  }

  double scale() {
    return scale;
  }

  /** Tokenizes {@code examples} once, sorted by length (stable) into buckets. */
  Batch tokenize(List<LabeledSentences.Example> examples) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to tokenize");
    }
    int[][] ids = ids(examples.stream().map(LabeledSentences.Example::sentence).toList());
    for (LabeledSentences.Example e : examples) {
      if (e.label() < 0 || e.label() >= classes()) {
        throw new IllegalArgumentException(
            "label %d of '%s' is outside [0, %d)".formatted(e.label(), e.sentence(), classes()));
      }
    }
    int[] order =
        IntStream.range(0, ids.length)
            .boxed()
            .sorted(Comparator.comparingInt(i -> ids[i].length))
            .mapToInt(Integer::intValue)
            .toArray();
    List<EncoderInput> buckets = new ArrayList<>();
    int[] labelsInOrder = new int[order.length];
    long tokens = 0;
    long positions = 0;
    for (int from = 0; from < order.length; from += bucketSize) {
      int to = Math.min(order.length, from + bucketSize);
      int[][] bucket = new int[to - from][];
      for (int i = from; i < to; i++) {
        bucket[i - from] = ids[order[i]];
        labelsInOrder[i] = examples.get(order[i]).label();
        tokens += ids[order[i]].length;
      }
      EncoderInput input = EncoderInput.padded(bucket, padId);
      buckets.add(input);
      positions += input.positions();
    }
    return new Batch(List.copyOf(buckets), labelsInOrder, tokens, positions);
  }

  /**
   * Logits {@code [batch.size(), classes]} in bucket order, at the encoder's current weights: one
   * forward pass for the label texts and one per bucket.
   */
  double[] logits(Batch batch, Workers workers) {
    int dim = embedder.dimension();
    int k = classes();
    float[] labelEmbeddings = embedder.embed(labels, workers);
    double[] out = new double[batch.size() * k];
    int row = 0;
    for (EncoderInput bucket : batch.buckets()) {
      float[] e = embedder.embed(bucket, workers);
      for (int b = 0; b < bucket.batch(); b++, row++) {
        for (int c = 0; c < k; c++) {
          double dot = 0;
          for (int j = 0; j < dim; j++) {
            dot += (double) e[b * dim + j] * labelEmbeddings[c * dim + j];
          }
          out[row * k + c] = scale * dot;
        }
      }
    }
    return out;
  }

  /** Mean cross-entropy of the logits against the gold labels, and the argmax accuracy. */
  Evaluation evaluate(Batch batch, Workers workers) {
    double[] logits = logits(batch, workers);
    int k = classes();
    double lossSum = 0;
    int right = 0;
    for (int i = 0; i < batch.size(); i++) {
      int best = 0;
      double max = logits[i * k];
      for (int c = 1; c < k; c++) {
        if (logits[i * k + c] > max) {
          max = logits[i * k + c];
          best = c;
        }
      }
      double sumExp = 0;
      for (int c = 0; c < k; c++) {
        sumExp += Math.exp(logits[i * k + c] - max);
      }
      lossSum += max + Math.log(sumExp) - logits[i * k + batch.labels()[i]];
      right += best == batch.labels()[i] ? 1 : 0;
    }
    return new Evaluation(lossSum / batch.size(), (double) right / batch.size());
  }

  private int[][] ids(List<String> texts) {
    int[][] out = new int[texts.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = tokenizer.encode(texts.get(i)).ids();
    }
    return out;
  }
}
