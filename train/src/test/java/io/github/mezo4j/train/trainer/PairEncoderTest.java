package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.data.Column;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.PairLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bi-encoder on the tiny random BERT: embeddings land in their sentences' rows, both signs of a
 * sample equal the single calls bit for bit whatever the thread count, and a short run writes pair
 * metrics and checkpoints whose step log replays onto the base encoder exactly.
 */
class PairEncoderTest {
  private static final PairTask SCORED =
      PairTask.custom(
          "tiny-sts", PairKind.SCORED, Column.at(0), Column.at(1), Column.at(2), 0, 5, false);
  private static final PairTask POSITIVE =
      PairTask.custom("tiny-qa", PairKind.POSITIVE, Column.at(0), Column.at(1), null, 0, 0, false);

  @TempDir Path dir;

  /** Pairs of tiny sentences, scored 4 when their sentiments agree and 1 when not. */
  static List<TextPair> pairs(int n, long seed) {
    LabeledTexts a = TinyTask.data(n, seed);
    LabeledTexts b = TinyTask.data(n + 1, seed + 1);
    List<TextPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean agree = a.labels()[i] == b.labels()[i + 1];
      out.add(new TextPair(a.texts().get(i), b.texts().get(i + 1), agree ? 4 : 1 + i % 2));
    }
    return out;
  }

  private static PairEncoder model(long seed) {
    return PairEncoder.meanPooled(TinyTask.encoder(seed), TinyTask.tokenizer());
  }

  @Test
  void embeddingsComeBackInTheBatchsOwnOrder() {
    PairEncoder m = model(3);
    List<TextPair> pairs = pairs(11, 5);
    PairEncoder.Tokenized set = m.tokenize(SCORED, pairs);
    PairEncoder.Batch batch = m.batch(set, new int[] {4, 0, 9});
    float[] e = m.embeddings(batch, Workers.of(1), VirtualPerturbation.none());
    int dim = m.embedder().dimension();
    int[][] expectedSentences = {
      set.first()[4],
      set.first()[0],
      set.first()[9],
      set.second()[4],
      set.second()[0],
      set.second()[9]
    };
    for (int s = 0; s < expectedSentences.length; s++) {
      float[] alone =
          m.embedder()
              .embed(EncoderInput.padded(new int[][] {expectedSentences[s]}, 0), Workers.of(1));
      float[] row = java.util.Arrays.copyOfRange(e, s * dim, (s + 1) * dim);
      assertArrayEquals(alone, row, 1e-5f, "sentence " + s);
    }
    assertArrayEquals(
        new double[] {set.targets()[4], set.targets()[0], set.targets()[9]}, batch.targets(), 0);
    assertEquals(pairs.get(4).score() / 5, set.targets()[4], 0);
  }

  @Test
  void lossPairEqualsTwoSingleCallsForEveryObjectiveAndThreadCount() {
    PairEncoder m = model(4);
    ParameterSet trainable = m.embedder().encoder().parameters();
    ParameterSet before = trainable.copy();
    VirtualPerturbation plus = new VirtualPerturbation(trainable, 77, 1e-2f);
    VirtualPerturbation minus = new VirtualPerturbation(trainable, 77, -1e-2f);
    for (PairLoss loss : PairLoss.values()) {
      PairTask task = loss.needsScores() ? SCORED : POSITIVE;
      List<TextPair> pairs = pairs(13, 8);
      if (!loss.needsScores()) {
        pairs = pairs.stream().map(p -> TextPair.positive(p.first(), p.second())).toList();
      }
      PairEncoder.Batch batch = m.batch(m.tokenize(task, pairs));
      double[] single = null;
      for (int threads : new int[] {1, 3}) {
        PerturbedObjective<PairEncoder.Batch> o = m.objective(loss, 20, Workers.of(threads));
        double[] pair = o.lossPair(batch, plus);
        double lp = o.loss(batch, plus);
        double lm = o.loss(batch, minus);
        assertEquals(
            Double.doubleToRawLongBits(lp), Double.doubleToRawLongBits(pair[0]), loss + "+");
        assertEquals(
            Double.doubleToRawLongBits(lm), Double.doubleToRawLongBits(pair[1]), loss + "-");
        assertNotEquals(lp, lm, loss + ": the perturbation changed nothing");
        if (single == null) {
          single = pair;
        } else {
          assertArrayEquals(single, pair, 0, loss + ": results depend on the thread count");
        }
      }
    }
    assertTrue(trainable.contentEquals(before), "the objective wrote the weights");
  }

  @Test
  void shortRunReportsPairMetricsAndReplaysExactly() throws IOException {
    PairEncoder m = model(6);
    PairFineTuneConfig c =
        new PairFineTuneConfig(
            new RunSettings(
                "tiny-sts",
                "tiny-random-bert",
                TrainParams.parse("bias-norm"),
                DevMetric.SPEARMAN,
                6,
                1e-2,
                1e-3,
                8,
                42,
                3,
                false,
                Map.of(),
                "f32",
                OptimizerSettings.DEFAULT),
            PairKind.SCORED,
            PairLoss.COSENT,
            20);
    Path out = dir.resolve("run");
    PairFineTuner.Result r =
        PairFineTuner.run(
            new PairFineTuner.Run(
                c,
                SCORED,
                m,
                TinyTask.config(),
                null,
                pairs(24, 1),
                pairs(16, 2),
                new RunDriver.Context(out, false, Workers.of(2), null, false, null)));
    ObjectNode s = r.summary();
    assertEquals(6, s.get("steps").asInt());
    assertTrue(Double.isFinite(r.initialDevMetric()) && Math.abs(r.initialDevMetric()) <= 1);
    assertTrue(s.has("final_dev_spearman") && s.has("final_dev_pearson"), s.toString());
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    long evals = lines.stream().filter(l -> l.contains("\"dev_spearman\"")).count();
    assertEquals(3, evals, "evaluations at steps 0, 3, 6");
    assertTrue(Files.isRegularFile(out.resolve("dev_metric.png")));

    Checkpoint last = Checkpoint.open(r.last());
    assertTrue(EmbeddingCheckpoints.isEmbedding(last));
    BertEncoder replayed = TinyTask.encoder(6);
    EmbeddingCheckpoints.replay(last, replayed, Workers.of(1));
    ParameterSet trained = r.model().embedder().encoder().parameters();
    boolean changed = false;
    for (Parameter p : replayed.parameters()) {
      assertTrue(p.contentEquals(trained.get(p.name())), p.name() + " differs after replay");
      changed |= !p.contentEquals(TinyTask.encoder(6).parameters().get(p.name()));
    }
    assertTrue(changed, "six steps changed no weight");
    assertEquals("embedding", JsonFiles.read(out.resolve("run.json")).get("kind").asText());
  }
}
