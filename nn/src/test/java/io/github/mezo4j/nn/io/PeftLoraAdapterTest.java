package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.nn.model.LoraTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PeftLoraAdapter}: PEFT's file names, tensor names and shapes, and its config keys. */
class PeftLoraAdapterTest {
  @TempDir Path dir;

  private static BertConfig config() {
    return new BertConfig("bert", List.of(), 30, 8, 2, 2, 20, "gelu", 16, 2, 1e-12, 0, Map.of());
  }

  private static ParameterSet weights(BertConfig c) {
    SplittableRandom r = new SplittableRandom(1);
    List<Parameter> ps = new ArrayList<>();
    for (Map.Entry<String, int[]> e : BertNames.encoderShapes(c).entrySet()) {
      int n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) r.nextGaussian() * 0.1f;
      }
      ps.add(Parameter.f32(e.getKey(), e.getValue(), v));
    }
    return ParameterSet.of(ps);
  }

  @Test
  void writesPeftNamesShapesValuesAndConfig() throws Exception {
    BertConfig c = config();
    LoraConfig lora =
        new LoraConfig(4, 8, List.of(LoraTarget.QUERY, LoraTarget.VALUE, LoraTarget.OUTPUT));
    BertEncoder encoder = BertEncoder.of(c, weights(c)).withLora(lora, 5);
    for (Parameter p : encoder.adapterParameters()) {
      p.set(0, 0.25f); // B too, so that values are checked, not zeros
    }
    Path out = dir.resolve("adapter");
    PeftLoraAdapter.save(out, encoder, "sentence-transformers/all-MiniLM-L6-v2");

    try (SafetensorsReader r = SafetensorsReader.open(out.resolve(PeftLoraAdapter.WEIGHTS))) {
      assertEquals(12, r.names().size()); // 2 layers x 3 targets x (A, B)
      for (Parameter p : encoder.adapterParameters()) {
        String peft = "base_model.model." + p.name();
        assertTrue(r.contains(peft), peft);
        Parameter read = r.read(peft);
        assertArrayEquals(p.shape(), read.shape(), peft);
        assertArrayEquals(p.toFloatArray(), read.toFloatArray(), peft);
      }
      assertArrayEquals(
          new int[] {4, 8},
          r.info("base_model.model.encoder.layer.1.attention.self.query.lora_A.weight").shape());
      assertArrayEquals(
          new int[] {8, 4},
          r.info("base_model.model.encoder.layer.1.attention.self.query.lora_B.weight").shape());
      assertArrayEquals(
          new int[] {4, 20},
          r.info("base_model.model.encoder.layer.0.output.dense.lora_A.weight").shape());
      assertEquals("pt", r.metadata().get("format"));
    }

    JsonNode cfg =
        JsonMapper.builder().build().readTree(out.resolve(PeftLoraAdapter.CONFIG).toFile());
    assertEquals("LORA", cfg.get("peft_type").asText());
    assertEquals(4, cfg.get("r").asInt());
    assertEquals(8, cfg.get("lora_alpha").asInt());
    assertTrue(cfg.get("lora_alpha").isIntegralNumber());
    assertEquals(
        "sentence-transformers/all-MiniLM-L6-v2", cfg.get("base_model_name_or_path").asText());
    assertEquals(false, cfg.get("fan_in_fan_out").asBoolean());
    assertEquals("none", cfg.get("bias").asText());
    List<String> targets = new ArrayList<>();
    cfg.get("target_modules").forEach(t -> targets.add(t.asText()));
    assertEquals(
        List.of("query", "value", "encoder.layer.0.output.dense", "encoder.layer.1.output.dense"),
        targets);
    assertTrue(Files.isRegularFile(out.resolve(PeftLoraAdapter.CONFIG)));
  }

  /** PEFT's rule for a list: the module's name equals an entry or ends with "." + entry. */
  @Test
  void targetModulesMatchExactlyTheAdaptedModulesUnderPeftsSuffixRule() {
    BertConfig c = config();
    List<String> modules = new ArrayList<>();
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      for (LoraTarget t : LoraTarget.values()) {
        modules.add("encoder.layer." + i + "." + t.module());
      }
    }
    for (List<LoraTarget> chosen :
        List.of(
            List.of(LoraTarget.OUTPUT),
            List.of(LoraTarget.ATTENTION_OUTPUT),
            List.of(LoraTarget.KEY, LoraTarget.INTERMEDIATE),
            List.of(LoraTarget.values()))) {
      LoraConfig lora = new LoraConfig(2, 4, chosen);
      List<String> entries = PeftLoraAdapter.targetModules(lora, c.numHiddenLayers(), "");
      for (String m : modules) {
        boolean matched = entries.stream().anyMatch(e -> m.equals(e) || m.endsWith("." + e));
        boolean adapted =
            chosen.stream()
                .anyMatch(
                    t ->
                        m.endsWith("." + t.module())
                            && !(t == LoraTarget.OUTPUT && m.contains("attention")));
        assertEquals(adapted, matched, m + " under " + entries);
      }
    }
  }

  @Test
  void refusesAnEncoderWithoutAdapters() {
    BertConfig c = config();
    assertThrows(
        IllegalArgumentException.class,
        () -> PeftLoraAdapter.save(dir.resolve("x"), BertEncoder.of(c, weights(c)), "base"));
  }
}
