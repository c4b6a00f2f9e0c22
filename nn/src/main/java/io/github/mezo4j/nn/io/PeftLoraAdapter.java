package io.github.mezo4j.nn.io;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.nn.model.LoraTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an encoder's LoRA adapters in the layout of Hugging Face PEFT, so that {@code
 * PeftModel.from_pretrained(AutoModel.from_pretrained(base), folder)} applies them:
 *
 * <pre>
 * adapter_config.json          peft_type LORA, r, lora_alpha, target_modules, base_model_name_or_path, ...
 * adapter_model.safetensors    base_model.model.&lt;module&gt;.lora_A.weight [r, in], .lora_B.weight [out, r] (f32)
 * </pre>
 *
 * <p>{@code target_modules} lists PEFT's suffix names ({@code query}, {@code key}, {@code value},
 * {@code attention.output.dense}, {@code intermediate.dense}); the feed-forward output projection
 * is listed per layer ({@code encoder.layer.3.output.dense}), because the suffix {@code
 * output.dense} would also match {@code attention.output.dense}.
 */
public final class PeftLoraAdapter {
  /** The adapter's configuration file. */
  public static final String CONFIG = "adapter_config.json";

  /** The adapter's weights file. */
  public static final String WEIGHTS = "adapter_model.safetensors";

  /** What PEFT puts before a module's name in the weights file. */
  public static final String NAME_PREFIX = "base_model.model.";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private PeftLoraAdapter() {}

  /**
   * Writes {@code encoder}'s adapters into {@code folder} (created if needed; each file replaced
   * atomically).
   *
   * @param baseModelNameOrPath the base model as PEFT should load it (a hub id or a path)
   * @throws IllegalArgumentException if the encoder has no adapters
   */
  public static void save(Path folder, BertEncoder encoder, String baseModelNameOrPath)
      throws IOException {
    LoraConfig lora = encoder.lora();
    if (lora == null) {
      throw new IllegalArgumentException("the encoder has no LoRA adapters to save: " + encoder);
    }
    List<Parameter> tensors = new ArrayList<>();
    for (Parameter p : encoder.adapterParameters()) {
      tensors.add(Parameter.f32(NAME_PREFIX + p.name(), p.shape(), p.toFloatArray()));
    }
    SafetensorsWriter.write(folder.resolve(WEIGHTS), tensors, SafetensorsWriter.PT_METADATA);
    AtomicFiles.write(
        folder.resolve(CONFIG),
        (JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(config(lora, encoder, baseModelNameOrPath))
                + "\n")
            .getBytes(StandardCharsets.UTF_8));
  }

  /** adapter_config.json's contents. */
  static ObjectNode config(LoraConfig lora, BertEncoder encoder, String baseModelNameOrPath) {
    ObjectNode o = JSON.createObjectNode();
    o.put("peft_type", "LORA");
    o.putNull("task_type");
    o.put("base_model_name_or_path", baseModelNameOrPath);
    o.put("r", lora.rank());
    if (lora.alpha() == Math.rint(lora.alpha())) {
      o.put("lora_alpha", (long) lora.alpha());
    } else {
      o.put("lora_alpha", lora.alpha());
    }
    ArrayNode targets = o.putArray("target_modules");
    targetModules(lora, encoder.layerCount(), encoder.prefix()).forEach(targets::add);
    o.put("lora_dropout", 0.0);
    o.put("fan_in_fan_out", false);
    o.put("bias", "none");
    o.put("use_rslora", false);
    o.put("use_dora", false);
    o.put("init_lora_weights", true);
    o.put("inference_mode", true);
    o.putNull("modules_to_save");
    o.putNull("layers_to_transform");
    o.putNull("layers_pattern");
    o.putNull("revision");
    return o;
  }

  /** PEFT's {@code target_modules} for {@code lora} on an encoder of {@code layers} layers. */
  static List<String> targetModules(LoraConfig lora, int layers, String prefix) {
    List<String> names = new ArrayList<>();
    for (LoraTarget t : lora.targets()) {
      switch (t) {
        case QUERY, KEY, VALUE -> names.add(t.module().substring("attention.self.".length()));
        case OUTPUT -> {
          for (int i = 0; i < layers; i++) {
            names.add(prefix + "encoder.layer." + i + "." + t.module());
          }
        }
        default -> names.add(t.module());
      }
    }
    return names;
  }
}
