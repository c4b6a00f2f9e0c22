package io.github.mezo4j.train.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import io.github.mezo4j.train.metrics.Metric;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Fuzz target for the data readers: any bytes either read as examples or fail with {@link
 * DataFormatException} naming the file (and line). The first input byte picks the reader: 0 a GLUE
 * TSV with a header (RTE), 1 a headerless CSV with columns by position, 2 JSON Lines (SuperGLUE
 * RTE), 3 a scored pair TSV (STS-B).
 */
class DataRowsFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("data");
  private static final Task CSV =
      Tasks.custom(
          "fuzz-csv",
          LabelSet.of("negative", "positive"),
          Metric.ACCURACY,
          ColumnMapping.parse("1", "0", null),
          false);

  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
    Path file;
    Callable<?> read;
    switch ((input[0] & 0xff) % 4) {
      case 0 -> {
        file = ParserContract.write(DIR, "rte.tsv", bytes);
        read = () -> Tasks.get("rte").read(file);
      }
      case 1 -> {
        file = ParserContract.write(DIR, "sentiment.csv", bytes);
        read = () -> CSV.read(file);
      }
      case 2 -> {
        file = ParserContract.write(DIR, "rte.jsonl", bytes);
        read = () -> Tasks.get("rte").read(file);
      }
      default -> {
        file = ParserContract.write(DIR, "stsb.tsv", bytes);
        read = () -> Tasks.pair("stsb").orElseThrow().read(file);
      }
    }
    PrintStream notes = TextFiles.notes;
    TextFiles.notes = NOWHERE; // the blank-row reports, back as they were after
    try {
      ParserContract.parseOrReject(file.toString(), read, DataFormatException.class);
    } finally {
      TextFiles.notes = notes;
    }
  }
}
