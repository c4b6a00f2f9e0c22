package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.example.SharedData;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
  void greedyFromNothingTellsKarpathysPublishedStory() {
    MainTest.Run r = MainTest.run("", "generate", "--model", model(), "--max-tokens", "80");
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
    MainTest.Run a = MainTest.run("", concat(args, "7"));
    MainTest.Run b = MainTest.run("", concat(args, "7"));
    MainTest.Run c = MainTest.run("", concat(args, "8"));
    assertEquals(0, a.exitCode(), a.err());
    assertTrue(a.out().startsWith("Once upon a time, a dog"), a.out());
    assertEquals(a.out(), b.out());
    assertNotEquals(a.out(), c.out());
  }

  @Test
  void aConvertedHuggingFaceFolderGeneratesTheSameText(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("stories260k-hf");
    Llama2cCheckpoint.convertToHuggingFace(Path.of(model()), folder);
    MainTest.Run bin =
        MainTest.run("", "generate", "--model", model(), "--prompt", "Tom", "--max-tokens", "30");
    MainTest.Run hf =
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
  void aMissingModelIsAClearError(@TempDir Path dir) {
    MainTest.Run r = MainTest.run("", "generate", "--model", dir.resolve("nope.bin").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no such file or folder exists"), r.err());
    r = MainTest.run("", "generate", "--model", model(), "--temperature", "0");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--temperature must be a finite number > 0"), r.err());
  }

  private static String[] concat(String[] a, String last) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = last;
    return out;
  }
}
