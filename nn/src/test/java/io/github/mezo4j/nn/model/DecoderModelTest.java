package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiny random Qwen2 (Llama family), OPT (125m and 350m layouts) and GPT-2 models written in the
 * Hugging Face layout: loaded through {@link DecoderFolder}, checked against {@link
 * ReferenceDecoder}, and checked for the cache and batching invariants.
 */
class DecoderModelTest {
  private static final Workers WORKERS = Workers.of(2);
  private static final int[] TOKENS = {1, 17, 4, 33, 8, 49, 0, 25, 12, 3, 40, 22, 9};
  private static final int V = TinyDecoders.VOCAB;

  @TempDir Path dir;

  /** A written model, the engine over it, and the reference logits for TOKENS. */
  private record Case(
      String name, TinyDecoders.Written written, DecoderModel model, double[][] ref) {}

  private List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    TinyDecoders.Written qwen = TinyDecoders.qwen2(dir.resolve("qwen2"));
    cases.add(
        new Case(
            "qwen2",
            qwen,
            DecoderFolder.load(qwen.folder()).model(),
            ReferenceDecoder.llama(qwen.tensors(), TOKENS, 16, 4, 2, 24, V, 2, 1e-6, 1e6, true)));
    for (boolean projected : new boolean[] {false, true}) {
      TinyDecoders.Written opt = TinyDecoders.opt(dir.resolve("opt" + projected), projected);
      cases.add(
          new Case(
              projected ? "opt-350m layout" : "opt-125m layout",
              opt,
              DecoderFolder.load(opt.folder()).model(),
              ReferenceDecoder.opt(
                  opt.tensors(), TOKENS, 16, projected ? 8 : 16, 4, 32, V, 2, !projected)));
    }
    TinyDecoders.Written gpt2 = TinyDecoders.gpt2(dir.resolve("gpt2"));
    cases.add(
        new Case(
            "gpt2",
            gpt2,
            DecoderFolder.load(gpt2.folder()).model(),
            ReferenceDecoder.gpt2(gpt2.tensors(), TOKENS, 16, 4, V, 2)));
    return cases;
  }

  @Test
  void everyFamilyMatchesTheReferenceForwardPass() throws IOException {
    for (Case c : cases()) {
      float[] logits = c.model().forward(WORKERS, TokenBatch.of(TOKENS));
      for (int t = 0; t < TOKENS.length; t++) {
        for (int j = 0; j < V; j++) {
          assertEquals(c.ref()[t][j], logits[t * V + j], 1e-4, c.name() + " position " + t);
        }
      }
    }
  }

  @Test
  void aPassAfterALargerOneOnTheSameThreadGivesTheBitsOfAFreshThread() throws Exception {
    for (Case c : cases()) {
      DecoderModel m = c.model();
      TokenBatch small = TokenBatch.of(Arrays.copyOf(TOKENS, 4));
      float[][] fresh = new float[1][];
      Thread t = new Thread(() -> fresh[0] = m.forward(WORKERS, small)); // buffers of its own
      t.start();
      t.join();
      // this thread's buffers first hold a longer pass (and both halves of a pair)
      m.forward(WORKERS, TokenBatch.rightPadded(List.of(TOKENS, TOKENS, TOKENS)));
      m.hiddenStatesPair(
          WORKERS, TokenBatch.of(TOKENS), m.newCache(1, TOKENS.length), m.newCache(1, 13));
      assertArrayEquals(fresh[0], m.forward(WORKERS, small), c.name());

      // scoring reuses this thread's caches: after a longer batch, a shorter one scores as fresh
      SequenceScorer scorer = new SequenceScorer(m);
      List<int[]> shortOnes = List.of(Arrays.copyOf(TOKENS, 5), Arrays.copyOf(TOKENS, 3));
      float[][][] freshScores = new float[1][][];
      Thread u = new Thread(() -> freshScores[0] = scorer.tokenLogProbs(WORKERS, shortOnes));
      u.start();
      u.join();
      scorer.tokenLogProbsPair(WORKERS, List.of(TOKENS, TOKENS));
      float[][] again = scorer.tokenLogProbs(WORKERS, shortOnes);
      for (int i = 0; i < again.length; i++) {
        assertArrayEquals(freshScores[0][i], again[i], c.name() + " sequence " + i);
      }
    }
  }

  @Test
  void incrementalDecodingWithTheCacheEqualsTheFullForwardPass() throws IOException {
    for (Case c : cases()) {
      DecoderModel m = c.model();
      float[] full = m.forward(WORKERS, TokenBatch.of(TOKENS));
      KvCache cache = m.newCache(1, TOKENS.length);
      float[] first = m.forward(WORKERS, TokenBatch.of(Arrays.copyOf(TOKENS, 5)), cache);
      Stories260kTest.assertClose(Arrays.copyOf(full, 5 * V), first, 1e-5f, c.name());
      for (int t = 5; t < TOKENS.length; t++) {
        float[] step = m.nextTokenLogits(WORKERS, TokenBatch.of(TOKENS[t]), cache);
        Stories260kTest.assertClose(
            Arrays.copyOfRange(full, t * V, (t + 1) * V), step, 1e-5f, c.name() + " step " + t);
      }
      assertEquals(TOKENS.length, cache.length());
      assertThrows(
          IllegalArgumentException.class,
          () -> m.nextTokenLogits(WORKERS, TokenBatch.of(1), cache),
          "a full cache refuses more tokens");
    }
  }

  @Test
  void batchedPaddedScoringEqualsScoringEachSequenceAlone() throws IOException {
    List<int[]> sequences =
        List.of(
            TOKENS, Arrays.copyOf(TOKENS, 4), new int[] {7, 7}, Arrays.copyOfRange(TOKENS, 3, 12));
    for (Case c : cases()) {
      SequenceScorer scorer = new SequenceScorer(c.model());
      float[][] batched = scorer.tokenLogProbs(WORKERS, sequences);
      for (int i = 0; i < sequences.size(); i++) {
        float[] alone = scorer.tokenLogProbs(WORKERS, List.of(sequences.get(i)))[0];
        assertEquals(sequences.get(i).length - 1, batched[i].length);
        Stories260kTest.assertClose(alone, batched[i], 1e-5f, c.name() + " sequence " + i);
      }
      // and the log-probabilities are those of the reference logits
      for (int t = 0; t + 1 < TOKENS.length; t++) {
        double[] row = c.ref()[t];
        double max = Arrays.stream(row).max().orElseThrow();
        double lse = max + Math.log(Arrays.stream(row).map(x -> Math.exp(x - max)).sum());
        assertEquals(row[TOKENS[t + 1]] - lse, batched[0][t], 1e-4, c.name() + " lp " + t);
      }
      // left padding (generation's layout) gives each row its own last logits too
      List<int[]> prompts = List.of(TOKENS, Arrays.copyOf(TOKENS, 3));
      float[] last =
          c.model()
              .nextTokenLogits(
                  WORKERS, TokenBatch.leftPadded(prompts), c.model().newCache(2, TOKENS.length));
      for (int b = 0; b < 2; b++) {
        float[] alone = c.model().forward(WORKERS, TokenBatch.of(prompts.get(b)));
        int n = prompts.get(b).length;
        Stories260kTest.assertClose(
            Arrays.copyOfRange(alone, (n - 1) * V, n * V),
            Arrays.copyOfRange(last, b * V, (b + 1) * V),
            1e-5f,
            c.name() + " left-padded row " + b);
      }
    }
  }

  @Test
  void continuationScoresSumOrAverageTheAnswerTokens() throws IOException {
    DecoderModel m = cases().get(1).model();
    SequenceScorer scorer = new SequenceScorer(m);
    int[] prompt = {1, 17, 4, 33};
    List<int[]> answers = List.of(new int[] {8, 49}, new int[] {25}, new int[] {12, 3, 40});
    double[] sums =
        scorer.scoreContinuations(WORKERS, prompt, answers, SequenceScorer.Reduction.SUM);
    double[] means =
        scorer.scoreContinuations(WORKERS, prompt, answers, SequenceScorer.Reduction.MEAN);
    for (int i = 0; i < answers.size(); i++) {
      int[] s = Arrays.copyOf(prompt, prompt.length + answers.get(i).length);
      System.arraycopy(answers.get(i), 0, s, prompt.length, answers.get(i).length);
      float[] lp = scorer.tokenLogProbs(WORKERS, List.of(s))[0];
      double expected = 0;
      for (int t = prompt.length - 1; t < lp.length; t++) {
        expected += lp[t];
      }
      assertEquals(expected, sums[i], 1e-5);
      assertEquals(expected / answers.get(i).length, means[i], 1e-5);
      assertTrue(sums[i] < 0);
    }
    // several prompts in one batch: the same scores as one prompt at a time
    int[] other = {3, 9};
    double[] mixed =
        scorer.scoreContinuations(
            WORKERS,
            List.of(prompt, other, prompt),
            List.of(answers.get(0), answers.get(1), answers.get(2)),
            SequenceScorer.Reduction.SUM);
    assertEquals(sums[0], mixed[0], 1e-5);
    assertEquals(sums[2], mixed[2], 1e-5);
    double alone =
        scorer
            .scoreContinuations(
                WORKERS, other, List.of(answers.get(1)), SequenceScorer.Reduction.SUM)[0];
    assertEquals(alone, mixed[1], 1e-5);
  }

  @Test
  void savingAndLoadingBackKeepsTheWeightsAndTheHuggingFaceLayout() throws IOException {
    for (Case c : cases()) {
      DecoderCheckpoint loaded = DecoderFolder.load(c.written().folder());
      Path copy = dir.resolve("saved-" + c.name().replace(' ', '-'));
      DecoderFolder.save(copy, loaded.config(), loaded.parameters());
      DecoderCheckpoint again = DecoderFolder.load(copy);
      assertEquals(loaded.config(), again.config(), c.name());
      assertTrue(loaded.parameters().contentEquals(again.parameters()), c.name());
      try (SafetensorsReader r = SafetensorsReader.open(copy.resolve("model.safetensors"))) {
        for (Map.Entry<String, float[]> e : c.written().tensors().entrySet()) {
          assertArrayEquals(e.getValue(), r.read(e.getKey()).toFloatArray(), e.getKey());
        }
      }
    }
  }

  @Test
  void bf16CheckpointsAreWidenedToF32AtLoad() throws IOException {
    TinyDecoders.Written qwen = TinyDecoders.qwen2(dir.resolve("bf16"));
    List<Parameter> bf16 = new ArrayList<>();
    for (Map.Entry<String, float[]> e : qwen.tensors().entrySet()) {
      int[] shape = DecoderFolder.load(qwen.folder()).parameters().get(e.getKey()).shape();
      bf16.add(Parameter.of(e.getKey(), DType.BF16, shape, e.getValue()));
    }
    SafetensorsWriter.write(qwen.folder().resolve("model.safetensors"), bf16, null);
    DecoderCheckpoint loaded = DecoderFolder.load(qwen.folder());
    for (Parameter p : bf16) {
      Parameter widened = loaded.parameters().get(p.name());
      assertEquals(DType.F32, widened.dtype());
      assertArrayEquals(p.toFloatArray(), widened.toFloatArray(), p.name());
    }
    assertEquals(TOKENS.length * V, loaded.model().forward(WORKERS, TokenBatch.of(TOKENS)).length);
  }

  @Test
  void gpt2Conv1dWeightsAreHeldInLinearLayout() throws IOException {
    DecoderCheckpoint gpt2 = DecoderFolder.load(TinyDecoders.gpt2(dir.resolve("g")).folder());
    Parameter cAttn = gpt2.parameters().get("transformer.h.0.attn.c_attn.weight");
    assertArrayEquals(new int[] {48, 16}, cAttn.shape());
  }

  @Test
  void shardedFoldersLoadLikeSingleFiles() throws IOException {
    TinyDecoders.Written qwen = TinyDecoders.qwen2(dir.resolve("single"));
    Path sharded = dir.resolve("sharded");
    Files.createDirectories(sharded);
    Files.writeString(sharded.resolve("config.json"), qwen.configJson());
    List<Parameter> a = new ArrayList<>();
    List<Parameter> b = new ArrayList<>();
    StringBuilder map = new StringBuilder();
    for (Map.Entry<String, float[]> e : qwen.tensors().entrySet()) {
      boolean first = a.size() + b.size() < qwen.tensors().size() / 2;
      Parameter p = DecoderFolder.load(qwen.folder()).parameters().get(e.getKey()).copy();
      (first ? a : b).add(p);
      String shard =
          first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
      map.append(map.isEmpty() ? "" : ",").append("\"%s\": \"%s\"".formatted(e.getKey(), shard));
    }
    SafetensorsWriter.write(
        sharded.resolve("model-00001-of-00002.safetensors"), a, SafetensorsWriter.PT_METADATA);
    SafetensorsWriter.write(
        sharded.resolve("model-00002-of-00002.safetensors"), b, SafetensorsWriter.PT_METADATA);
    Files.writeString(
        sharded.resolve("model.safetensors.index.json"),
        "{\"metadata\": {}, \"weight_map\": {" + map + "}}");
    float[] expected =
        DecoderFolder.load(qwen.folder()).model().forward(WORKERS, TokenBatch.of(TOKENS));
    float[] actual = DecoderFolder.load(sharded).model().forward(WORKERS, TokenBatch.of(TOKENS));
    assertArrayEquals(expected, actual);
  }

  @Test
  void badFoldersFailNamingTheFileAndTheTensorOrField() throws IOException {
    TinyDecoders.Written qwen = TinyDecoders.qwen2(dir.resolve("q"));
    List<Parameter> missing =
        new ArrayList<>(DecoderFolder.load(qwen.folder()).parameters().list());
    missing.removeIf(p -> p.name().equals("model.layers.1.mlp.up_proj.weight"));
    SafetensorsWriter.write(qwen.folder().resolve("model.safetensors"), missing, null);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> DecoderFolder.load(qwen.folder()));
    assertTrue(e.getMessage().contains(qwen.folder().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());

    Files.writeString(
        qwen.folder().resolve("config.json"), qwen.configJson().replace("qwen2", "bloom"));
    e = assertThrows(ModelFormatException.class, () -> DecoderFolder.load(qwen.folder()));
    assertTrue(e.getMessage().contains("model_type 'bloom' is not supported"), e.getMessage());

    Files.writeString(
        qwen.folder().resolve("config.json"),
        qwen.configJson().replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""));
    e = assertThrows(ModelFormatException.class, () -> DecoderFolder.load(qwen.folder()));
    assertTrue(e.getMessage().contains("field 'hidden_act'"), e.getMessage());
  }

  @Test
  void tooLongSequencesAndBadIdsAreRejectedBeforeTheCacheChanges() throws IOException {
    DecoderModel gpt2 = DecoderFolder.load(TinyDecoders.gpt2(dir.resolve("g")).folder()).model();
    KvCache cache = gpt2.newCache(1, 64);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> gpt2.forward(WORKERS, TokenBatch.of(new int[41]), cache));
    assertTrue(e.getMessage().contains("more than 40 tokens"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> gpt2.forward(WORKERS, TokenBatch.of(3, 50), cache));
    assertTrue(e.getMessage().contains("token id 50"), e.getMessage());
    assertEquals(0, cache.length());
  }

  @Test
  void forwardReadsTheLiveWeights() throws IOException {
    DecoderModel m = cases().get(0).model();
    float[] before = m.forward(WORKERS, TokenBatch.of(TOKENS));
    Parameter p = m.parameters().get("model.layers.0.mlp.down_proj.weight");
    p.set(0, p.get(0) + 1f); // what MeZO's in-place perturbation does
    assertNotEquals(before[V * 3], m.forward(WORKERS, TokenBatch.of(TOKENS))[V * 3]);
    assertTrue(m.parameters().contains("lm_head.weight"));
  }

  @Test
  void aPerturbedViewComputesWhatInPlacePerturbationDoesAndWritesNothing() throws IOException {
    for (Case c : cases()) {
      DecoderModel m = c.model();
      float[] base = m.forward(WORKERS, TokenBatch.of(TOKENS));
      VirtualPerturbation vp = new VirtualPerturbation(m.parameters(), 7, 1e-2f);
      float[] viewed = m.perturbed(vp).forward(WORKERS, TokenBatch.of(TOKENS));
      assertArrayEquals(base, m.forward(WORKERS, TokenBatch.of(TOKENS)), c.name() + ": unchanged");
      assertNotEquals(base[V * 3], viewed[V * 3], c.name());
      // the same bits as the weights perturbed in place (f32 storage)
      Perturbation.addScaledNoise(m.parameters(), 7, 1e-2f, WORKERS);
      assertArrayEquals(m.forward(WORKERS, TokenBatch.of(TOKENS)), viewed, c.name());
      assertSame(m, m.perturbed(VirtualPerturbation.none()));
    }
  }

  @Test
  void bf16WeightsAreReadAsStoredAndComputeLikeTheirF32Widening() throws IOException {
    for (Case c : cases()) {
      DecoderModel m = c.model();
      List<Parameter> bf16 = new ArrayList<>();
      List<Parameter> widened = new ArrayList<>();
      for (Parameter p : m.parameters()) {
        Parameter b = Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray());
        bf16.add(b);
        widened.add(Parameter.of(p.name(), DType.F32, p.shape(), b.toFloatArray()));
      }
      DecoderModel half = DecoderModel.of(m.config(), ParameterSet.of(bf16));
      DecoderModel wide = DecoderModel.of(m.config(), ParameterSet.of(widened));
      assertEquals(DType.BF16, half.parameters().list().get(0).dtype());
      assertArrayEquals(
          wide.forward(WORKERS, TokenBatch.of(TOKENS)),
          half.forward(WORKERS, TokenBatch.of(TOKENS)),
          c.name());
      VirtualPerturbation vp = new VirtualPerturbation(half.parameters(), 3, 1e-2f);
      VirtualPerturbation vpWide = new VirtualPerturbation(wide.parameters(), 3, 1e-2f);
      assertArrayEquals(
          wide.perturbed(vpWide).forward(WORKERS, TokenBatch.of(TOKENS)),
          half.perturbed(vp).forward(WORKERS, TokenBatch.of(TOKENS)),
          c.name() + " perturbed");
    }
  }

  @Test
  void aPairPassEqualsItsTwoHalvesBitForBit() throws IOException {
    for (Case c : cases()) {
      DecoderModel m = c.model();
      VirtualPerturbation vp = new VirtualPerturbation(m.parameters(), 11, 1e-2f);
      DecoderModel plus = m.perturbed(vp);
      DecoderModel minus = m.perturbed(vp.negated());
      TokenBatch in = TokenBatch.rightPadded(List.of(TOKENS, Arrays.copyOf(TOKENS, 6)));
      float[][] pair =
          plus.hiddenStatesPair(
              WORKERS, in, m.newCache(2, TOKENS.length), m.newCache(2, TOKENS.length));
      float[] p1 = plus.hiddenStates(WORKERS, in, m.newCache(2, TOKENS.length));
      float[] m1 = minus.hiddenStates(WORKERS, in, m.newCache(2, TOKENS.length));
      assertArrayEquals(p1, pair[0], c.name() + " plus");
      assertArrayEquals(m1, pair[1], c.name() + " minus");
      assertNotEquals(p1[7], m1[7], c.name());
      int rows = 3;
      int width = m.hiddenWidth();
      float[] lp = new float[rows * V];
      float[] lm = new float[rows * V];
      plus.logitsPair(
          WORKERS,
          Arrays.copyOf(pair[0], rows * width),
          Arrays.copyOf(pair[1], rows * width),
          rows,
          lp,
          lm);
      float[] sp = new float[rows * V];
      float[] sm = new float[rows * V];
      plus.logits(WORKERS, p1, 0, rows, sp);
      minus.logits(WORKERS, m1, 0, rows, sm);
      assertArrayEquals(sp, lp, c.name() + " logits plus");
      assertArrayEquals(sm, lm, c.name() + " logits minus");
    }
  }
}
