package io.github.mezo4j.bench;

import com.sun.management.ThreadMXBean;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.LinearHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Heap bytes one two-sided loss evaluation of the fine-tuner's objective allocates ({@code
 * EncoderClassifier.objective(...).lossPair}, the forward work of a MeZO step of {@code mezo4j
 * finetune}): all-MiniLM-L6-v2 with a linear head, 16 random sentences of 10 to 49 words in buckets
 * of 8, cross-entropy. Prints one JSON line.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.ObjectiveAllocation [threads=1] [warmup=80] [iterations=6]
 * </pre>
 *
 * <p>Warm up generously: until C2 has compiled the Vector API code of every kernel on the path
 * (pooling runs only four times per evaluation), it allocates boxed vectors, which this would
 * count.
 */
public final class ObjectiveAllocation {
  private ObjectiveAllocation() {}

  /** Arguments as {@code key=value}: threads, warmup, iterations. */
  public static void main(String[] args) throws Exception {
    int threads = 1;
    int warmup = 80;
    int iterations = 6;
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      switch (kv[0]) {
        case "threads" -> threads = Integer.parseInt(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "iterations" -> iterations = Integer.parseInt(kv[1]);
        default ->
            throw new IllegalArgumentException(
                "expected threads=N, warmup=N or iterations=N, got '" + arg + "'");
      }
    }
    BertCheckpoint minilm = MiniLm.load();
    TokenizerJson json = minilm.tokenizer().orElseThrow();
    List<String> labels = List.of("negative", "positive");
    EncoderClassifier classifier =
        EncoderClassifier.meanPooled(
            BertEncoder.of(minilm.config(), minilm.parameters()),
            WordPieceTokenizer.fromJson(json.text(), json.source()),
            LinearHead.zeros(minilm.config().hiddenSize(), labels));
    EncoderClassifier.Batch batch = classifier.batch(classifier.tokenize(randomTexts(16, labels)));
    ParameterSet trainable = classifier.trainable();
    ThreadMXBean bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Workers workers = Workers.of(threads)) {
      PerturbedObjective<EncoderClassifier.Batch> objective =
          classifier.objective(ClassificationLoss.CROSS_ENTROPY, workers);
      double sink = 0;
      for (int i = 0; i < warmup; i++) {
        sink += objective.lossPair(batch, new VirtualPerturbation(trainable, i, 1e-3f))[0];
      }
      long before = bean.getTotalThreadAllocatedBytes();
      for (int i = 0; i < iterations; i++) {
        sink += objective.lossPair(batch, new VirtualPerturbation(trainable, -1 - i, 1e-3f))[0];
      }
      long bytes = (bean.getTotalThreadAllocatedBytes() - before) / iterations;
      if (!Double.isFinite(sink)) {
        throw new IllegalStateException("the loss is not finite: " + sink);
      }
      System.out.printf(
          "{\"threads\":%d,\"warmup\":%d,\"iters\":%d,\"examples\":%d,\"buckets\":%d,"
              + "\"tokens\":%d,\"loss_pair_alloc_bytes\":%d}%n",
          threads, warmup, iterations, batch.size(), batch.buckets().size(), batch.tokens(), bytes);
    }
  }

  private static LabeledTexts randomTexts(int n, List<String> labels) {
    String[] words = "the movie was very good bad plot acting fine awful it a film long".split(" ");
    SplittableRandom random = new SplittableRandom(1);
    List<String> texts = new ArrayList<>();
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0, len = 10 + random.nextInt(40); w < len; w++) {
        sb.append(words[random.nextInt(words.length)]).append(' ');
      }
      texts.add(sb.toString().strip());
      y[i] = i % 2;
    }
    return LabeledTexts.of(texts, y, labels);
  }
}
