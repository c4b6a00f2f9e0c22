package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.Generator;
import io.github.mezo4j.nn.model.TokenSampler;
import io.github.mezo4j.tokenizer.Tokenizer;
import io.github.mezo4j.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mezo4j generate} on the real stories260K model (shared/data/stories260k). */
class GenerateCommandTest {

  private static Path stories() {
    try {
      return SharedData.root("stories260k").resolve("stories260k");
    } catch (NoSuchFileException e) {
      assumeTrue(
          false,
          "SKIPPED: stories260k data missing: " + e.getReason() + "; looked at " + e.getFile());
      throw new AssertionError("unreachable");
    }
  }

  private static String model() {
    return stories().resolve("stories260K.bin").toString();
  }

  @Test
  void aModelLargerThanTheMachineIsRefusedByItsMemoryPlanBeforeAnyWeightIsRead(@TempDir Path dir)
      throws Exception {
    // a llama2.c header for dim 8192, 80 layers: a 270 GB file, sparse on disk (never written)
    int dim = 8192;
    int hidden = 28672;
    int vocab = 32000;
    int seq = 4096;
    long floats =
        (long) vocab * dim
            + 80L * (2L * dim + 4L * dim * dim + 3L * hidden * dim)
            + dim
            + (long) seq * (dim / 64);
    Path file = dir.resolve("huge.bin");
    try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      java.nio.ByteBuffer h =
          java.nio.ByteBuffer.allocate(28).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      h.putInt(dim).putInt(hidden).putInt(80).putInt(64).putInt(64).putInt(vocab).putInt(seq);
      f.write(h.array());
      f.setLength(28 + 4 * floats);
    }
    CommandRun.Run r =
        MainTest.run("", "generate", "--model", file.toString(), "--max-tokens", "4");
    assertNotEquals(0, r.exitCode());
    assertTrue(r.err().contains("memory plan for " + file), r.err());
    assertTrue(r.err().contains("needs about"), r.err());
    assertTrue(r.err().contains("available") || r.err().contains("-Xmx"), r.err());
    assertTrue(r.out().isEmpty(), r.out());
  }

  @Test
  void greedyFromNothingTellsKarpathysPublishedStory() {
    CommandRun.Run r = MainTest.run("", "generate", "--model", model(), "--max-tokens", "80");
    assertEquals(0, r.exitCode(), r.err());
    // greedy_reference.json's text: the tokenizer found beside the model turns <0x0A> into \n
    assertTrue(
        r.out()
            .startsWith(
                "Once upon a time, there was a little girl named Lily. She loved to play outside in"
                    + " the park. One day, she saw a big, red ball. She wanted to play with it, but"
                    + " it was too high.\nLily's mom said,"),
        r.out());
    assertTrue(r.err().contains("tokens/s"), r.err());
  }

  @Test
  void bf16WeightsGenerateAStory() {
    CommandRun.Run r =
        MainTest.run("", "generate", "--model", model(), "--max-tokens", "40", "--dtype", "bf16");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("Once upon a time"), r.out());
    CommandRun.Run bad = MainTest.run("", "generate", "--model", model(), "--dtype", "f16");
    assertEquals(1, bad.exitCode());
    assertTrue(bad.err().contains("--dtype 'f16'"), bad.err());
  }

  @Test
  void aPromptLongerThanTheModelIsRefusedBeforeAnythingIsPrinted() {
    String prompt = "Once upon a time ".repeat(200); // ~800 tokens; stories260K has 512 positions
    CommandRun.Run r =
        MainTest.run("", "generate", "--model", model(), "--prompt", prompt, "--max-tokens", "3");
    assertNotEquals(0, r.exitCode());
    assertTrue(r.err().contains("the model supports at most 512"), r.err());
    assertEquals("", r.out(), "nothing on stdout when the prompt is refused");
  }

  @Test
  void tokenizerOptionTakesAnyTokenizerForALlama2cModel(@TempDir Path dir) throws Exception {
    java.nio.file.Files.copy(
        stories().resolve("tok512.bin"), dir.resolve("tokenizer.bin")); // a folder holding one
    CommandRun.Run viaFolder =
        MainTest.run(
            "",
            "generate",
            "--model",
            model(),
            "--tokenizer",
            dir.toString(),
            "--max-tokens",
            "20");
    assertEquals(0, viaFolder.exitCode(), viaFolder.err());
    CommandRun.Run beside = MainTest.run("", "generate", "--model", model(), "--max-tokens", "20");
    assertEquals(beside.out(), viaFolder.out());
    // a folder without a tokenizer is named, not reported as "Is a directory"
    CommandRun.Run none =
        MainTest.run(
            "",
            "generate",
            "--model",
            model(),
            "--tokenizer",
            stories().toString(),
            "--max-tokens",
            "2");
    assertNotEquals(0, none.exitCode());
    assertTrue(none.err().contains(stories().toString()), none.err());
  }

  @Test
  void samplingIsReproducibleFromTheSeed() {
    String[] args = {
      "generate",
      "--model",
      model(),
      "--prompt",
      "Once upon a time, a dog",
      "--max-tokens",
      "40",
      "--temperature",
      "1.0",
      "--seed"
    };
    CommandRun.Run a = MainTest.run("", concat(args, "7"));
    CommandRun.Run b = MainTest.run("", concat(args, "7"));
    CommandRun.Run c = MainTest.run("", concat(args, "8"));
    assertEquals(0, a.exitCode(), a.err());
    assertTrue(a.out().startsWith("Once upon a time, a dog"), a.out());
    assertEquals(a.out(), b.out());
    assertNotEquals(a.out(), c.out());
  }

  @Test
  void aConvertedHuggingFaceFolderGeneratesTheSameText(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("stories260k-hf");
    Llama2cCheckpoint.convertToHuggingFace(Path.of(model()), folder);
    CommandRun.Run bin =
        MainTest.run("", "generate", "--model", model(), "--prompt", "Tom", "--max-tokens", "30");
    CommandRun.Run hf =
        MainTest.run(
            "",
            "generate",
            "--model",
            folder.toString(),
            "--tokenizer",
            stories().resolve("tok512.bin").toString(),
            "--prompt",
            "Tom",
            "--max-tokens",
            "30");
    assertEquals(0, hf.exitCode(), hf.err());
    assertEquals(bin.out(), hf.out());
  }

  @Test
  void everyListedEosIdStopsGeneration(@TempDir Path dir) throws Exception {
    // Llama 3.1 Instruct's layout: a list in config.json, another in generation_config.json
    Files.writeString(
        dir.resolve("config.json"), "{\"eos_token_id\": [128001, 128008], \"bos_token_id\": 1}");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 128009}");
    assertEquals(List.of(128001, 128008, 128009), GenerateCommand.listedEosIds(dir));
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": ");
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> GenerateCommand.listedEosIds(dir));
    assertTrue(bad.getMessage().contains("generation_config.json"), bad.getMessage());
    assertEquals(List.of(), GenerateCommand.listedEosIds(dir.resolve("absent")));
  }

  @Test
  void aMissingModelIsAClearError(@TempDir Path dir) {
    CommandRun.Run r = MainTest.run("", "generate", "--model", dir.resolve("nope.bin").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no such file or folder exists"), r.err());
    r = MainTest.run("", "generate", "--model", model(), "--temperature", "0");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--temperature must be a finite number > 0"), r.err());
  }

  @Test
  void aGpt2FolderWithTheRealTokenizerStreamsWhatTheApiGenerates(@TempDir Path dir)
      throws Exception {
    Path gpt2Bpe;
    try {
      gpt2Bpe = SharedData.root("gpt2-bpe").resolve("gpt2-bpe");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: gpt2-bpe data missing: " + e.getReason());
      return;
    }
    // a tiny random GPT-2 over the real 50,257-token vocabulary
    DecoderConfig config =
        DecoderConfig.fromJson(
            """
            {"model_type": "gpt2", "vocab_size": 50257, "n_embd": 8, "n_layer": 1, "n_head": 2,
             "n_positions": 64, "bos_token_id": 50256, "eos_token_id": 50256}
            """,
            "test");
    java.util.SplittableRandom random = new java.util.SplittableRandom(9);
    List<Parameter> params = new ArrayList<>();
    Object[][] shapes = {
      {"transformer.wte.weight", 50257, 8}, {"transformer.wpe.weight", 64, 8},
      {"transformer.h.0.ln_1.weight", 8}, {"transformer.h.0.ln_1.bias", 8},
      {"transformer.h.0.attn.c_attn.weight", 24, 8}, {"transformer.h.0.attn.c_attn.bias", 24},
      {"transformer.h.0.attn.c_proj.weight", 8, 8}, {"transformer.h.0.attn.c_proj.bias", 8},
      {"transformer.h.0.ln_2.weight", 8}, {"transformer.h.0.ln_2.bias", 8},
      {"transformer.h.0.mlp.c_fc.weight", 32, 8}, {"transformer.h.0.mlp.c_fc.bias", 32},
      {"transformer.h.0.mlp.c_proj.weight", 8, 32}, {"transformer.h.0.mlp.c_proj.bias", 8},
      {"transformer.ln_f.weight", 8}, {"transformer.ln_f.bias", 8}
    };
    for (Object[] s : shapes) {
      int[] shape = new int[s.length - 1];
      int n = 1;
      for (int i = 1; i < s.length; i++) {
        shape[i - 1] = (Integer) s[i];
        n *= shape[i - 1];
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) (2 * random.nextDouble() - 1);
      }
      params.add(Parameter.f32((String) s[0], shape, v));
    }
    Path folder = dir.resolve("tiny-gpt2");
    DecoderFolder.save(folder, config, ParameterSet.of(params));
    Path tokenizerJson = gpt2Bpe.resolve("tokenizer.json");
    CommandRun.Run r =
        MainTest.run(
            "",
            "generate",
            "--model",
            folder.toString(),
            "--tokenizer",
            tokenizerJson.toString(),
            "--prompt",
            "Hello, world",
            "--max-tokens",
            "12",
            "--temperature",
            "1.5",
            "--seed",
            "3");
    assertEquals(0, r.exitCode(), r.err());

    Tokenizer tokenizer = Tokenizers.load(tokenizerJson);
    int[] prompt = tokenizer.encode("Hello, world").ids();
    int[] generated =
        new Generator(DecoderFolder.load(folder).model(), TokenSampler.temperature(1.5, 3), 50256)
            .generate(Workers.serial(), prompt, 12, id -> {});
    int[] all = java.util.Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, all, prompt.length, generated.length);
    assertEquals(tokenizer.decode(all, true) + "\n", r.out());
  }

  private static String[] concat(String[] a, String last) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = last;
    return out;
  }
}
