package io.github.mezo4j.train;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.head.SimilarityHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LabeledTexts;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * A tiny random BERT (hidden 16, 2 layers) with a 24-word tokenizer and a synthetic sentiment task
 * that it can learn: fast enough for many full fine-tuning runs in unit tests.
 */
public final class TinyTask {
  private static final String[] POSITIVE = {"good", "great", "fine", "nice"};
  private static final String[] NEGATIVE = {"bad", "awful", "poor", "dull"};
  private static final String[] FILLER = {"the", "movie", "film", "was", "it", "very", "plot"};
  public static final List<String> LABELS = List.of("negative", "positive");

  private TinyTask() {}

  public static WordPieceTokenizer tokenizer() {
    StringBuilder vocab = new StringBuilder();
    String[] special = {"[PAD]", "[UNK]", "[CLS]", "[MASK]", "[SEP]", "."};
    int id = 0;
    for (String s : special) {
      vocab.append(id == 0 ? "" : ", ").append('"').append(s).append("\": ").append(id++);
    }
    for (String[] words : new String[][] {POSITIVE, NEGATIVE, FILLER}) {
      for (String w : words) {
        vocab.append(", \"").append(w).append("\": ").append(id++);
      }
    }
    String json =
        """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [
           {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
            "normalized": false, "special": true}],
         "normalizer": {"type": "BertNormalizer", "clean_text": true,
           "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 4], "cls": ["[CLS]", 2]},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
           "max_input_chars_per_word": 100, "vocab": {%s}}}
        """
            .formatted(vocab);
    return WordPieceTokenizer.fromJson(json, "tiny-tokenizer.json");
  }

  public static BertConfig config() {
    return new BertConfig("bert", List.of(), 32, 16, 2, 2, 32, "gelu", 32, 2, 1e-12, 0, Map.of());
  }

  /** Random encoder weights (HF names), the same for the same seed. */
  public static BertEncoder encoder(long seed) {
    BertConfig c = config();
    SplittableRandom r = new SplittableRandom(seed);
    int h = c.hiddenSize();
    List<Parameter> ps = new ArrayList<>();
    ps.add(random(r, "embeddings.word_embeddings.weight", 0.5f, c.vocabSize(), h));
    ps.add(random(r, "embeddings.position_embeddings.weight", 0.5f, c.maxPositionEmbeddings(), h));
    ps.add(random(r, "embeddings.token_type_embeddings.weight", 0.5f, c.typeVocabSize(), h));
    norm(r, ps, "embeddings.LayerNorm.", h);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String lp = "encoder.layer." + l + ".";
      linear(r, ps, lp + "attention.self.query.", h, h);
      linear(r, ps, lp + "attention.self.key.", h, h);
      linear(r, ps, lp + "attention.self.value.", h, h);
      linear(r, ps, lp + "attention.output.dense.", h, h);
      norm(r, ps, lp + "attention.output.LayerNorm.", h);
      linear(r, ps, lp + "intermediate.dense.", c.intermediateSize(), h);
      linear(r, ps, lp + "output.dense.", h, c.intermediateSize());
      norm(r, ps, lp + "output.LayerNorm.", h);
    }
    return BertEncoder.of(c, ParameterSet.of(ps));
  }

  /** {@code n} sentences, half positive, each with one sentiment word among fillers. */
  public static LabeledTexts data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> texts = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
      String[] sentiment = labels[i] == 1 ? POSITIVE : NEGATIVE;
      List<String> words = new ArrayList<>();
      int len = 2 + r.nextInt(5);
      for (int w = 0; w < len; w++) {
        words.add(FILLER[r.nextInt(FILLER.length)]);
      }
      words.add(r.nextInt(words.size() + 1), sentiment[r.nextInt(sentiment.length)]);
      texts.add(String.join(" ", words) + " .");
    }
    return LabeledTexts.of(texts, labels, LABELS);
  }

  public static EncoderClassifier classifier(long seed) {
    return EncoderClassifier.meanPooled(encoder(seed), tokenizer(), promptHead());
  }

  public static ClassifierHead promptHead() {
    return PromptHead.of(List.of("it was bad .", "it was good ."), 5, tokenizer(), 0);
  }

  public static FineTuneConfig config(String head, int steps, int evalEvery, boolean saveWeights) {
    return config(head, "all", steps, evalEvery, saveWeights);
  }

  public static FineTuneConfig config(
      String head, String params, int steps, int evalEvery, boolean saveWeights) {
    return config(head, params, steps, evalEvery, saveWeights, OptimizerSettings.DEFAULT);
  }

  /** The tiny task's config with other optimizer settings. */
  public static FineTuneConfig config(
      String head,
      String params,
      int steps,
      int evalEvery,
      boolean saveWeights,
      OptimizerSettings optim) {
    return new FineTuneConfig(
        new RunSettings(
            "tiny-sentiment",
            "tiny-random-bert",
            TrainParams.parse(params),
            DevMetric.ACCURACY,
            steps,
            2e-3,
            1e-3,
            8,
            7,
            evalEvery,
            saveWeights,
            Map.of("train", "synthetic:24:1", "dev", "synthetic:16:2"),
            RunSettings.DEFAULT_DTYPE,
            optim),
        head,
        ClassificationLoss.CROSS_ENTROPY);
  }

  /** A full run on the tiny task from freshly built base weights. */
  public static FineTuner.Run run(
      FineTuneConfig config, Path out, boolean resume, int threads, LongConsumer afterStep) {
    EncoderClassifier c = classifier(3);
    FineTuner.InitialHead init =
        switch (config.head()) {
          case "prompt" -> base -> promptHead();
          case "similarity" ->
              base -> SimilarityHead.zeros(promptHead().labels(), 5, base.tokenizer(), 0);
          default -> base -> linearProbe(base, data(24, 1));
        };
    return new FineTuner.Run(
        config,
        c,
        init,
        config(),
        null,
        data(24, 1),
        data(16, 2),
        new RunDriver.Context(out, resume, Workers.of(threads), null, false, afterStep));
  }

  static ClassifierHead linearProbe(EncoderClassifier base, LabeledTexts train) throws IOException {
    EncoderClassifier.Batch b = base.batch(base.tokenize(train));
    return LinearProbe.fit(
            base.features(b, Workers.serial()),
            b.labels(),
            base.embedder().dimension(),
            train.labelNames(),
            new LinearProbe.Options(1e-2, 100),
            Workers.serial())
        .head();
  }

  private static void linear(SplittableRandom r, List<Parameter> ps, String name, int out, int in) {
    ps.add(random(r, name + "weight", (float) (1.5 / Math.sqrt(in)), out, in));
    ps.add(random(r, name + "bias", 0.1f, out));
  }

  private static void norm(SplittableRandom r, List<Parameter> ps, String name, int h) {
    Parameter gamma = random(r, name + "weight", 0.1f, h);
    float[] g = gamma.f32Data();
    for (int i = 0; i < h; i++) {
      g[i] += 1;
    }
    ps.add(gamma);
    ps.add(random(r, name + "bias", 0.1f, h));
  }

  private static Parameter random(SplittableRandom r, String name, float scale, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return Parameter.f32(name, shape, data);
  }
}
