package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MiniLm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the command in-process, as a user would from the shell, with stdin and stdout captured. */
class MainTest {
  static CommandRun.Run run(String stdin, String... args) {
    return runBytes(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  static CommandRun.Run runBytes(byte[] stdin, String... args) {
    return CommandRun.run(Main::run, stdin, args);
  }

  @Test
  void tokenizeWritesOneEncodingPerLine() throws Exception {
    CommandRun.Run r = run("Hello world!\nA man eats.\tSomeone is eating.\n", "tokenize");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> lines = r.jsonLines();
    assertEquals(2, lines.size());
    // bert-base-uncased / MiniLM vocabulary: [CLS] hello world ! [SEP]
    assertEquals("[101,7592,2088,999,102]", lines.get(0).get("ids").toString());
    assertEquals("[1,1,1,1,1]", lines.get(0).get("attention_mask").toString());
    assertEquals("[0,0,0,0,0]", lines.get(0).get("token_type_ids").toString());
  }

  @Test
  void tokenizePairsTruncatesAndPads() throws Exception {
    CommandRun.Run r =
        run(
            "A man eats.\tSomeone is eating.\n",
            "tokenize",
            "--pair",
            "--max-length",
            "8",
            "--pad");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode e = r.jsonLines().get(0);
    assertEquals(8, e.get("ids").size());
    assertEquals(101, e.get("ids").get(0).intValue());
    assertEquals(102, e.get("ids").get(7).intValue());
    assertEquals("[0,0,0,0,1,1,1,1]", e.get("token_type_ids").toString());

    CommandRun.Run padded = run("hi\n", "tokenize", "--max-length", "6", "--pad");
    assertEquals("[1,1,1,0,0,0]", padded.jsonLines().get(0).get("attention_mask").toString());
  }

  @Test
  void embedGivesUnitVectorsThatDoNotDependOnBatching() throws Exception {
    String text = "The movie was great.\nA terrible, boring film.\nok\n";
    CommandRun.Run batched = run(text, "embed", "--normalize", "--threads", "1");
    CommandRun.Run single = run(text, "embed", "--normalize", "--batch", "1", "--threads", "2");
    assertEquals(0, batched.exitCode(), batched.err());
    List<JsonNode> a = batched.jsonLines();
    List<JsonNode> b = single.jsonLines();
    assertEquals(3, a.size());
    for (int i = 0; i < 3; i++) {
      JsonNode va = a.get(i).get("embedding");
      JsonNode vb = b.get(i).get("embedding");
      assertEquals(384, va.size());
      double norm = 0;
      for (int j = 0; j < va.size(); j++) {
        norm += va.get(j).doubleValue() * va.get(j).doubleValue();
        // padding in a batch must not change a sentence's embedding (beyond float rounding)
        assertEquals(va.get(j).doubleValue(), vb.get(j).doubleValue(), 2e-6);
      }
      assertEquals(1.0, norm, 1e-5);
    }
  }

  @Test
  void embedLoadsHuggingFaceFoldersAndOnnxFilesLikeTheBuiltInModel(@TempDir Path dir)
      throws Exception {
    Path folder = dir.resolve("minilm-hf");
    HuggingFaceFolder.save(folder, MiniLm.load());
    Path onnx = Files.createDirectory(dir.resolve("onnx")).resolve("model.onnx");
    Files.write(onnx, MiniLm.onnxBytes());
    Files.write(onnx.resolveSibling("tokenizer.json"), MiniLm.tokenizerJson().bytes());

    Path bf16 = dir.resolve("minilm-bf16");
    BertCheckpoint minilm = MiniLm.load();
    HuggingFaceFolder.save(
        bf16,
        minilm.config(),
        toBf16(minilm.parameters()),
        minilm.tokenizer().orElseThrow(),
        HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);

    String text = "A gripping, funny film.\nNot worth the ticket.\n";
    String builtIn = run(text, "embed", "--threads", "1").out();
    CommandRun.Run fromFolder = run(text, "embed", "--threads", "1", "--model", folder.toString());
    CommandRun.Run fromOnnx = run(text, "embed", "--threads", "1", "--model", onnx.toString());
    assertEquals(0, fromFolder.exitCode(), fromFolder.err());
    assertEquals(0, fromOnnx.exitCode(), fromOnnx.err());
    // same weights, same engine, same thread count: the same bits, printed the same way
    assertEquals(builtIn, fromFolder.out());
    assertEquals(builtIn, fromOnnx.out());

    // bf16 weights are widened to f32 on load: close to, not equal to, the f32 model
    CommandRun.Run fromBf16 = run(text, "embed", "--threads", "1", "--model", bf16.toString());
    assertEquals(0, fromBf16.exitCode(), fromBf16.err());
    List<JsonNode> a = run(text, "embed", "--threads", "1", "--normalize").jsonLines();
    List<JsonNode> b =
        run(text, "embed", "--threads", "1", "--normalize", "--model", bf16.toString()).jsonLines();
    for (int i = 0; i < a.size(); i++) {
      double dot = 0;
      for (int j = 0; j < 384; j++) {
        dot +=
            a.get(i).get("embedding").get(j).doubleValue()
                * b.get(i).get("embedding").get(j).doubleValue();
      }
      assertTrue(dot > 0.99 && dot < 1 - 1e-9, "cosine f32 vs bf16 weights: " + dot);
    }
  }

  private static ParameterSet toBf16(ParameterSet params) {
    List<Parameter> out = new java.util.ArrayList<>();
    for (Parameter p : params) {
      out.add(Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray()));
    }
    return ParameterSet.of(out);
  }

  @Test
  void badInputGivesAnActionableErrorAndNonZeroExit(@TempDir Path dir) throws Exception {
    CommandRun.Run missing = run("x\n", "embed", "--model", dir.resolve("nope").toString());
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().contains("no such file or folder"), missing.err());

    Path broken = Files.createDirectory(dir.resolve("model"));
    Files.writeString(broken.resolve("config.json"), "{\"model_type\": \"bert\"");
    CommandRun.Run bad = run("x\n", "embed", "--model", broken.toString());
    assertEquals(1, bad.exitCode());
    assertTrue(bad.err().contains("config.json"), bad.err());

    CommandRun.Run pooling = run("x\n", "embed", "--pooling", "max");
    assertEquals(1, pooling.exitCode());
    assertTrue(pooling.err().contains("--pooling 'max'"), pooling.err());

    CommandRun.Run twoTabs = run("a\tb\tc\n", "tokenize", "--pair");
    assertEquals(1, twoTabs.exitCode());
    assertTrue(
        twoTabs
            .err()
            .contains("line 1: --pair expects two texts separated by exactly one tab, found 2"),
        twoTabs.err());

    CommandRun.Run notUtf8 =
        runBytes(new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9, '\n'}, "tokenize");
    assertEquals(1, notUtf8.exitCode());
    assertTrue(notUtf8.err().contains("stdin line 2: not valid UTF-8"), notUtf8.err());

    CommandRun.Run noCommand = run("");
    assertEquals(2, noCommand.exitCode());
    assertTrue(noCommand.err().contains("missing a command"), noCommand.err());

    CommandRun.Run lr = run("", "demo", "--lr", "NaN");
    assertEquals(1, lr.exitCode());
    assertTrue(lr.err().contains("--lr must be a finite number > 0, got NaN"), lr.err());
    assertTrue(lr.out().isEmpty(), "nothing loaded or printed before the check: " + lr.out());
    CommandRun.Run eps = run("", "demo", "--eps", "0");
    assertTrue(eps.err().contains("--eps must be a finite number > 0, got 0.0"), eps.err());

    CommandRun.Run unknown = run("", "tokenize", "--frobnicate");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.err().contains("--frobnicate"), unknown.err());
  }

  @Test
  void everySubcommandHasHelp() {
    for (List<String> cmd : List.of(List.of("demo"), List.of("tokenize"), List.of("embed"))) {
      List<String> args = new java.util.ArrayList<>(cmd);
      args.add("--help");
      CommandRun.Run r = run("", args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), String.join(" ", cmd));
      assertTrue(r.out().contains("Usage: mezo4j " + String.join(" ", cmd)), r.out());
    }
  }
}
