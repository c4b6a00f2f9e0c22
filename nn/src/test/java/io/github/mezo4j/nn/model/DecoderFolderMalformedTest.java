package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed Hugging Face decoder folders are refused with the file named. */
class DecoderFolderMalformedTest {

  @Test
  void aConv1dWeightOfTheWrongRankNamesTheFile(@TempDir Path dir) throws IOException {
    TinyDecoders.Written gpt2 = TinyDecoders.gpt2(dir.resolve("gpt2"));
    Path weights = gpt2.folder().resolve("model.safetensors");
    String broken = "transformer.h.0.attn.c_attn.weight";
    List<Parameter> params = new ArrayList<>();
    try (SafetensorsReader r = SafetensorsReader.open(weights)) {
      for (String name : r.names()) {
        Parameter p = r.read(name, DType.F32);
        params.add(
            name.equals(broken) ? Parameter.f32(name, new int[] {p.size()}, p.toFloatArray()) : p);
      }
    }
    SafetensorsWriter.write(weights, params, Map.of("format", "pt"));
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> DecoderFolder.load(gpt2.folder()));
    assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(broken), e.getMessage());
  }
}
