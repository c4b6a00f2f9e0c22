package io.github.mezo4j.examples;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses SST-2 label sentences for the prompt head on k-shot data only, as LM-BFF chooses label
 * words: every pair from a fixed pool (8 templates x 5 negative x 6 positive words) is scored
 * zero-shot on the train and dev splits of the five LM-BFF 16-shot seeds (64 sentences each), and
 * the pairs are printed best first (mean k-shot accuracy, ties: lower mean loss), with GLUE dev
 * accuracy beside them for reference only: it must not choose.
 *
 * <p>Usage: {@code examples/run LabelSentenceSearch [DATA]} (DATA: the shared data folder). The
 * chosen pair goes to {@code finetune --label-sentence NEG --label-sentence POS}.
 */
public final class LabelSentenceSearch {
  private LabelSentenceSearch() {}

  private static final List<String> TEMPLATES =
      List.of(
          "It was %s.",
          "This movie is %s.",
          "A %s movie.",
          "The film was %s.",
          "It is %s.",
          "Overall, it was %s.",
          "%s!",
          "What a %s film.");
  private static final List<String> NEGATIVE =
      List.of("terrible", "bad", "awful", "boring", "horrible");
  private static final List<String> POSITIVE =
      List.of("great", "good", "wonderful", "excellent", "amazing", "fantastic");
  private static final int[] SEEDS = {13, 21, 42, 87, 100};

  private record Scored(String negative, String positive, double kShot, double loss, double glue) {}

  /** Runs the search; the optional argument is the shared data folder. */
  public static void main(String[] args) throws IOException {
    Path data = args.length > 0 ? Path.of(args[0]) : SharedData.root(".");
    BertCheckpoint checkpoint = MiniLm.load();
    TokenizerJson json = checkpoint.tokenizer().orElseThrow();
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(json.text(), json.source());
    int pad = checkpoint.config().padTokenId();
    BertEncoder encoder = BertEncoder.of(checkpoint.config(), checkpoint.parameters());
    Task sst2 = Tasks.get("sst2");
    List<LabeledTexts> kShot = new ArrayList<>();
    for (int seed : SEEDS) {
      Dataset d = sst2.loadKShot(data, seed);
      List<Example> both = new ArrayList<>(d.train());
      both.addAll(d.dev());
      kShot.add(LabeledTexts.of(both, sst2.labels()));
    }
    LabeledTexts glue = LabeledTexts.of(sst2.load(data).dev(), sst2.labels());

    List<Scored> scored = new ArrayList<>();
    try (Workers workers = Workers.of(Runtime.getRuntime().availableProcessors())) {
      // the encoder is not trained here: embed every sentence once and score the embeddings with
      // each candidate's prompt head
      EncoderClassifier c =
          EncoderClassifier.meanPooled(
              encoder, tokenizer, PromptHead.of(List.of("-", "+"), 20, tokenizer, pad));
      List<Embedded> kShotEmbedded = new ArrayList<>();
      for (LabeledTexts set : kShot) {
        kShotEmbedded.add(Embedded.of(c, set, workers));
      }
      Embedded glueEmbedded = Embedded.of(c, glue, workers);
      for (String template : TEMPLATES) {
        for (String neg : NEGATIVE) {
          for (String pos : POSITIVE) {
            String n = sentence(template, neg);
            String p = sentence(template, pos);
            PromptHead head = PromptHead.of(List.of(n, p), 20, tokenizer, pad);
            ClassifierHead.Scorer scorer =
                head.scorer(c.embedder(), workers, VirtualPerturbation.none());
            double accuracy = 0;
            double loss = 0;
            for (Embedded set : kShotEmbedded) {
              Evaluation e = set.evaluate(scorer, head.classes());
              accuracy += e.accuracy() / SEEDS.length;
              loss += e.loss() / SEEDS.length;
            }
            double g = glueEmbedded.evaluate(scorer, head.classes()).accuracy();
            scored.add(new Scored(n, p, accuracy, loss, g));
          }
        }
      }
    }
    scored.sort(
        Comparator.comparingDouble((Scored s) -> -s.kShot()).thenComparingDouble(Scored::loss));
    System.out.println("k-shot accuracy\tk-shot loss\tGLUE dev accuracy\tnegative\tpositive");
    for (Scored s : scored) {
      System.out.printf(
          "%.4f\t%.4f\t%.4f\t%s\t%s%n", s.kShot(), s.loss(), s.glue(), s.negative(), s.positive());
    }
  }

  /** Sentence embeddings {@code [n, dim]} and their labels, in the same row order. */
  record Embedded(float[] rows, int[] labels) {
    static Embedded of(EncoderClassifier c, LabeledTexts set, Workers workers) {
      EncoderClassifier.Batch b = c.batch(c.tokenize(set));
      return new Embedded(c.features(b, workers), b.labels());
    }

    /** The evaluation of a head whose scorer is {@code scorer}, on these embeddings. */
    Evaluation evaluate(ClassifierHead.Scorer scorer, int classes) {
      double[] logits = new double[labels.length * classes];
      scorer.score(rows, labels.length, logits, 0);
      return Evaluation.of(logits, labels, classes);
    }
  }

  private static String sentence(String template, String word) {
    String s = template.formatted(word);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
