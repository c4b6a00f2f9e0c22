package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bf16 Hugging Face folder stays bf16 through {@code --dtype}: loading (bits as in the file),
 * forward, fine-tuning with stochastic rounding, resume, saved weights and replay.
 */
class Bf16LoadTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A tensor as the file holds it, read here from the raw bytes (not through our reader). */
  record RawTensor(String dtype, int[] shape, ByteBuffer data) {
    short bits(int i) {
      return data.getShort(2 * i);
    }

    float f32(int i) {
      return data.getFloat(4 * i);
    }
  }

  /** Parses a safetensors file per its spec: u64 LE header length, JSON header, data buffer. */
  static Map<String, RawTensor> raw(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) all.getLong(0);
    JsonNode header = JSON.readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
    Map<String, RawTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : header.properties()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonNode t = e.getValue();
      int[] shape = new int[t.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.get("shape").get(i).asInt();
      }
      int begin = 8 + n + t.get("data_offsets").get(0).asInt();
      int end = 8 + n + t.get("data_offsets").get(1).asInt();
      ByteBuffer data =
          ByteBuffer.wrap(Arrays.copyOfRange(bytes, begin, end)).order(ByteOrder.LITTLE_ENDIAN);
      out.put(e.getKey(), new RawTensor(t.get("dtype").asText(), shape, data));
    }
    return out;
  }

  /** The tiny test BERT with every weight rounded to bf16, saved as a bf16 folder. */
  static Path tinyBf16Model(Path dir) throws Exception {
    Path f32 = FinetuneCommandsTest.tinyModel(dir.resolveSibling(dir.getFileName() + "-f32"));
    BertCheckpoint c = HuggingFaceFolder.load(f32, DType.BF16);
    HuggingFaceFolder.save(
        dir,
        c.config(),
        c.parameters(),
        c.tokenizer().orElseThrow(),
        HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
    return dir;
  }

  @Test
  void aBf16FolderLoadsAsItsFileBitsUnderAutoAndWidensUnderF32(@TempDir Path tmp) throws Exception {
    Path folder = tinyBf16Model(tmp.resolve("bf16"));
    Map<String, RawTensor> file = raw(folder.resolve(HuggingFaceFolder.WEIGHTS));
    for (RawTensor t : file.values()) {
      assertEquals("BF16", t.dtype());
    }
    String spec = folder.toString();
    ParameterSet auto = Models.load(spec, LoadDType.AUTO).parameters();
    ParameterSet bf16 = Models.load(spec, LoadDType.BF16).parameters();
    ParameterSet f32 = Models.load(spec, LoadDType.F32).parameters();
    assertEquals(file.keySet(), new java.util.HashSet<>(auto.names()));
    for (Parameter p : auto) {
      RawTensor t = file.get(p.name());
      assertEquals(DType.BF16, p.dtype(), p.name());
      assertTrue(Arrays.equals(t.shape(), p.shape()), p.name());
      short[] bits = p.bf16Data();
      for (int i = 0; i < p.size(); i++) {
        assertEquals(t.bits(i), bits[i], p.name() + "[" + i + "]");
      }
      assertTrue(p.contentEquals(bf16.get(p.name())), p.name());
      Parameter wide = f32.get(p.name());
      assertEquals(DType.F32, wide.dtype());
      for (int i = 0; i < p.size(); i++) {
        assertEquals(BFloat16.toFloat(t.bits(i)), wide.get(i), p.name() + "[" + i + "]");
      }
    }
    assertEquals(f32.bytes(), 2 * auto.bytes());
  }

  @Test
  void anF32FolderRoundsToNearestUnderBf16AndStaysF32UnderAuto(@TempDir Path tmp) throws Exception {
    Path folder = FinetuneCommandsTest.tinyModel(tmp.resolve("f32"));
    Map<String, RawTensor> file = raw(folder.resolve(HuggingFaceFolder.WEIGHTS));
    ParameterSet auto = Models.load(folder.toString(), LoadDType.AUTO).parameters();
    ParameterSet bf16 = Models.load(folder.toString(), LoadDType.BF16).parameters();
    for (Parameter p : bf16) {
      RawTensor t = file.get(p.name());
      assertEquals("F32", t.dtype());
      assertEquals(DType.F32, auto.get(p.name()).dtype());
      assertEquals(DType.BF16, p.dtype());
      for (int i = 0; i < p.size(); i++) {
        assertEquals(BFloat16.fromFloat(t.f32(i)), p.bf16Data()[i], p.name() + "[" + i + "]");
        assertEquals(t.f32(i), auto.get(p.name()).get(i));
      }
    }
  }

  /**
   * The engine reads bf16 weights by widening them exactly, so a bf16 model's forward equals the
   * forward of the same bits widened to f32 storage up to f32 summation order (the packing and
   * kernels are the same; we allow 1e-5 of the largest output). Against the f32 model it was
   * rounded from, the outputs differ by the bf16 rounding of the weights (relative 2^-9 each): we
   * require a difference, and below 3% of the largest output for this 2-layer model.
   */
  @Test
  void forwardOfBf16MatchesItsF32WideningAndIsCloseToTheOriginal(@TempDir Path tmp)
      throws Exception {
    Path folder = tinyBf16Model(tmp.resolve("bf16"));
    Path original = tmp.resolve("bf16-f32");
    BertCheckpoint bf16 = Models.load(folder.toString(), LoadDType.AUTO);
    BertCheckpoint wide = Models.load(folder.toString(), LoadDType.F32);
    BertCheckpoint orig = Models.load(original.toString(), LoadDType.F32);
    EncoderInput in = EncoderInput.random(3, 4, 12, bf16.config().vocabSize(), 0);
    try (Workers w = Workers.of(2)) {
      float[] a = BertEncoder.of(bf16.config(), bf16.parameters()).forward(in, w);
      float[] b = BertEncoder.of(wide.config(), wide.parameters()).forward(in, w);
      float[] o = BertEncoder.of(orig.config(), orig.parameters()).forward(in, w);
      double max = maxAbs(b);
      assertTrue(max > 0.5, "outputs are layer-normed: " + max);
      assertTrue(maxAbsDiff(a, b) <= 1e-5 * max, "bf16 vs widened: " + maxAbsDiff(a, b));
      double vsOriginal = maxAbsDiff(a, o);
      assertTrue(vsOriginal > 0 && vsOriginal < 0.03 * max, "bf16 vs original f32: " + vsOriginal);
    }
  }

  private static List<String> finetune(Path model, Path data, Path out, int steps, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "finetune",
                "--model",
                model.toString(),
                "--task",
                "mine",
                "--data-dir",
                data.toString(),
                "--text-column",
                "review",
                "--label-column",
                "stars",
                "--labels",
                "neg,pos",
                "--steps",
                Integer.toString(steps),
                "--eval-every",
                "3",
                "--batch",
                "8",
                "--lr",
                "1e-3",
                "--seed",
                "5",
                "--head",
                "linear",
                "--threads",
                "2",
                "--out",
                out.toString(),
                "--save-weights"));
    args.addAll(List.of(more));
    return args;
  }

  private static Path lastCheckpoint(CommandRun.Run r) throws Exception {
    assertEquals(0, r.exitCode(), r.err());
    return Path.of(r.jsonLines().get(0).get("last_checkpoint").asText());
  }

  @Test
  void finetuneResumeSaveAndReplayKeepBf16BitExact(@TempDir Path tmp) throws Exception {
    Path model = tinyBf16Model(tmp.resolve("bf16"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(12, 2));

    // straight to step 6 (--dtype auto is the default: the folder is bf16, so training is)
    Path straight = tmp.resolve("straight");
    CommandRun.Run r = MainTest.run("", finetune(model, data, straight, 6).toArray(String[]::new));
    Path last = lastCheckpoint(r);
    assertTrue(r.err().contains("(bf16 weights, "), r.err());
    assertEquals(
        "stochastic",
        StepLog.read(straight.resolve("steps.mezolog")).header().values().get("bf16Rounding"));
    assertEquals(
        "auto",
        JSON.readTree(straight.resolve("run.json").toFile()).get("config").get("dtype").asText());
    Map<String, RawTensor> saved = raw(last.resolve("model").resolve(HuggingFaceFolder.WEIGHTS));
    for (Map.Entry<String, RawTensor> e : saved.entrySet()) {
      assertEquals("BF16", e.getValue().dtype(), e.getKey());
    }
    ParameterSet savedParams = HuggingFaceFolder.load(last.resolve("model")).parameters();
    ParameterSet base = HuggingFaceFolder.load(model).parameters();
    assertFalse(savedParams.contentEquals(base), "training moved the bf16 weights");

    // 3 steps, then resumed to 6: the same bits as the straight run
    Path split = tmp.resolve("split");
    lastCheckpoint(MainTest.run("", finetune(model, data, split, 3).toArray(String[]::new)));
    Path resumedLast =
        lastCheckpoint(
            MainTest.run("", finetune(model, data, split, 6, "--resume").toArray(String[]::new)));
    assertTrue(
        HuggingFaceFolder.load(resumedLast.resolve("model"))
            .parameters()
            .contentEquals(savedParams));

    // resuming with another dtype is refused by name (without --dtype, the run's own is used)
    CommandRun.Run other =
        MainTest.run(
            "",
            finetune(model, data, split, 9, "--resume", "--dtype", "f32").toArray(String[]::new));
    assertEquals(1, other.exitCode());
    assertTrue(other.err().contains("dtype"), other.err());

    // replay from base + step log: bit-identical bf16 weights
    Path replayed = tmp.resolve("replayed");
    CommandRun.Run rp =
        MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", replayed.toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    for (RawTensor t : raw(replayed.resolve(HuggingFaceFolder.WEIGHTS)).values()) {
      assertEquals("BF16", t.dtype());
    }
    assertTrue(HuggingFaceFolder.load(replayed).parameters().contentEquals(savedParams));

    // eval of the checkpoint: its saved bf16 weights and a replay give the same loss
    String[] eval = {
      "eval",
      "--checkpoint",
      last.toString(),
      "--data",
      data.resolve("dev.tsv").toString(),
      "--text-column",
      "review",
      "--label-column",
      "stars",
      "--labels",
      "neg,pos",
      "--threads",
      "1"
    };
    CommandRun.Run e1 = MainTest.run("", eval);
    assertEquals(0, e1.exitCode(), e1.err());
    List<String> replayEval = new ArrayList<>(List.of(eval));
    replayEval.add("--replay");
    CommandRun.Run e2 = MainTest.run("", replayEval.toArray(String[]::new));
    assertEquals(0, e2.exitCode(), e2.err());
    assertEquals(
        e1.jsonLines().get(0).get("loss").asDouble(), e2.jsonLines().get(0).get("loss").asDouble());

    // the same folder trained as f32 records no stochastic rounding and differs
    Path wide = tmp.resolve("wide");
    Path wideLast =
        lastCheckpoint(
            MainTest.run(
                "", finetune(model, data, wide, 6, "--dtype", "f32").toArray(String[]::new)));
    assertNotEquals(
        "stochastic",
        StepLog.read(wide.resolve("steps.mezolog")).header().values().get("bf16Rounding"));
    for (RawTensor t : raw(wideLast.resolve("model").resolve(HuggingFaceFolder.WEIGHTS)).values()) {
      assertEquals("F32", t.dtype());
    }
    // a run.json from before --dtype existed (no "dtype": f32) resumes with the same command
    Path runJson = wide.resolve("run.json");
    ObjectNode run = (ObjectNode) JSON.readTree(runJson.toFile());
    ((ObjectNode) run.get("config")).remove("dtype");
    Files.writeString(runJson, JSON.writeValueAsString(run));
    CommandRun.Run cont =
        MainTest.run("", finetune(model, data, wide, 9, "--resume").toArray(String[]::new));
    assertEquals(0, cont.exitCode(), cont.err());
    assertTrue(cont.err().contains("(f32 weights, "), cont.err());
  }

  @Test
  void aBadDTypeIsReportedByName(@TempDir Path tmp) throws Exception {
    CommandRun.Run f =
        MainTest.run("", "finetune", "--task", "sst2", "--dtype", "fp8", "--out", tmp.toString());
    assertEquals(1, f.exitCode());
    assertTrue(f.err().contains("--dtype 'fp8': expected auto"), f.err());
    CommandRun.Run e = MainTest.run("hello\n", "embed", "--dtype", "float16");
    assertEquals(1, e.exitCode());
    assertTrue(e.err().contains("--dtype 'float16'"), e.err());
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  private static double maxAbs(float[] a) {
    return maxAbsDiff(a, new float[a.length]);
  }
}
