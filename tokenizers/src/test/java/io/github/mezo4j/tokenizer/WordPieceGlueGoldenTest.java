package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.data.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden cases on real sentences: 200 GLUE SST-2 dev sentences and 60 GLUE RTE dev pairs (with
 * truncation and padding). The golden file holds only row references and the reference's ids, never
 * the text, so these cases need the shared data folder and are skipped, saying which folder is
 * missing, without it.
 */
class WordPieceGlueGoldenTest {

  @TestFactory
  Stream<DynamicTest> glueSentencesMatchHuggingFaceTokenizers() throws IOException {
    Path data;
    try {
      data = SharedData.root("glue-sst2");
    } catch (NoSuchFileException e) {
      return skipped("SKIPPED: " + e.getReason() + "; looked at " + e.getFile());
    }
    Path rte = data.resolve("glue-rte");
    if (!Files.isDirectory(rte)) {
      return skipped(
          "SKIPPED: data folder "
              + rte
              + " is missing (set MEZO4J_DATA to the shared data folder)");
    }
    GoldenCases golden = new GoldenCases("minilm-golden-glue.jsonl");
    Map<String, List<String[]>> tables = new HashMap<>();
    return golden.cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("id").asText(),
                    () -> golden.check(c, resolve(c.get("refs"), data, tables))));
  }

  /** The texts a case refers to, checked against the SHA-256 recorded when it was generated. */
  private static List<String[]> resolve(
      JsonNode refs, Path data, Map<String, List<String[]>> tables)
      throws IOException, NoSuchAlgorithmException {
    List<String[]> texts = new ArrayList<>();
    for (JsonNode input : refs) {
      String[] t = new String[input.size()];
      for (int i = 0; i < t.length; i++) {
        JsonNode ref = input.get(i);
        String file = ref.get("file").asText();
        List<String[]> rows = tables.get(file);
        if (rows == null) {
          rows = readTsv(data.resolve(file));
          tables.put(file, rows);
        }
        String[] header = rows.get(0);
        int column = List.of(header).indexOf(ref.get("column").asText());
        String text = rows.get(ref.get("row").asInt() + 1)[column].strip();
        String sha =
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-256")
                        .digest(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(
            ref.get("sha256").asText(),
            sha,
            "text of " + file + " row " + ref.get("row") + " changed");
        t[i] = text;
      }
      texts.add(t);
    }
    return texts;
  }

  private static List<String[]> readTsv(Path file) throws IOException {
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isEmpty()) {
        rows.add(line.split("\t", -1));
      }
    }
    return rows;
  }

  /** One visible skipped test (an assumption failing in the factory itself is not counted). */
  private static Stream<DynamicTest> skipped(String why) {
    return Stream.of(DynamicTest.dynamicTest(why, () -> assumeTrue(false, why)));
  }
}
