package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.sweep.Grid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mezo4j sweep} end to end on the tiny random BERT and TSV files of {@link
 * FinetuneCommandsTest}: a 2x2 grid, its table and plot, a rerun that skips finished configurations
 * and resumes unfinished ones, a random draw, and the errors.
 */
class SweepCommandTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void gridRunsEveryConfigurationRanksThemAndResumes(@TempDir Path tmp) throws Exception {
    List<String> base = base(tmp, 4);
    Path out = tmp.resolve("sweep");
    String[] sweep = sweep(out, base, "--grid", "lr=1e-3,5e-2", "--grid", "seed=5,6");
    CommandRun.Run r = MainTest.run("", sweep);
    assertEquals(0, r.exitCode(), r.err());

    List<String> names =
        List.of("lr=1e-3_seed=5", "lr=1e-3_seed=6", "lr=5e-2_seed=5", "lr=5e-2_seed=6");
    Map<String, JsonNode> summaries = new HashMap<>();
    for (String name : names) {
      Path run = out.resolve("runs").resolve(name);
      JsonNode s = JSON.readTree(run.resolve("summary.json").toFile());
      assertEquals(4, s.get("steps").asInt(), name);
      JsonNode config = JSON.readTree(run.resolve("run.json").toFile()).get("config");
      assertEquals(name.contains("seed=6") ? 6 : 5, config.get("seed").asInt(), name);
      assertEquals(name.startsWith("lr=5e-2") ? 5e-2 : 1e-3, config.get("lr").asDouble(), name);
      summaries.put(name, s);
    }
    try (Stream<Path> runs = Files.list(out.resolve("runs"))) {
      assertEquals(4, runs.count());
    }

    // the table: one row per configuration, ranked by best dev metric, then forward passes
    List<Map<String, String>> rows = tsv(out.resolve("sweep.tsv"));
    assertEquals(4, rows.size());
    double previousMetric = Double.POSITIVE_INFINITY;
    double previousPasses = -1;
    for (int i = 0; i < rows.size(); i++) {
      Map<String, String> row = rows.get(i);
      String name = "lr=" + row.get("lr") + "_seed=" + row.get("seed");
      JsonNode s = summaries.get(name);
      assertEquals(Integer.toString(i + 1), row.get("rank"));
      assertEquals("done", row.get("status"));
      assertEquals("accuracy", row.get("metric"));
      assertEquals("runs/" + name, row.get("run"));
      double metric = Double.parseDouble(row.get("best_dev_metric"));
      assertEquals(s.get("best_dev_metric").asDouble(), metric, name);
      assertEquals(s.get("best_step").asLong(), Long.parseLong(row.get("best_step")), name);
      assertEquals(s.get("final_dev_metric").asDouble(), num(row, "final_dev_metric"), name);
      assertEquals(s.get("initial_dev_metric").asDouble(), num(row, "initial_dev_metric"), name);
      assertTrue(num(row, "best_dev_loss") > 0, name);
      double passes = num(row, "forward_passes_to_best");
      assertEquals(2.0 * s.get("best_step").asLong(), passes, name + ": two per MeZO step");
      assertTrue(metric <= previousMetric, "ranked by best dev metric: " + rows);
      if (metric == previousMetric) {
        assertTrue(passes >= previousPasses, "ties: fewer forward passes first: " + rows);
      }
      previousMetric = metric;
      previousPasses = passes;
    }
    String md = Files.readString(out.resolve("sweep.md"));
    assertEquals(4, md.lines().filter(l -> l.startsWith("| ") && l.contains("runs/")).count(), md);
    assertEquals(800, ImageIO.read(out.resolve("sweep.png").toFile()).getWidth());
    String best = "lr=" + rows.get(0).get("lr") + "_seed=" + rows.get(0).get("seed");
    assertTrue(r.out().contains("best: " + best + ": dev accuracy"), r.out());
    assertTrue(r.out().contains("mezo4j finetune --model "), r.out());
    assertTrue(r.out().contains("--out " + out.resolve("runs").resolve(best)), r.out());
    assertFalse(r.out().contains("{\""), "finetune's summary lines go to stderr: " + r.out());

    // a rerun skips every finished configuration: their summaries stay as they were
    Map<String, byte[]> bytes = new HashMap<>();
    Map<String, FileTime> times = new HashMap<>();
    for (String name : names) {
      Path s = out.resolve("runs").resolve(name).resolve("summary.json");
      bytes.put(name, Files.readAllBytes(s));
      times.put(name, Files.getLastModifiedTime(s));
    }
    CommandRun.Run again = MainTest.run("", sweep);
    assertEquals(0, again.exitCode(), again.err());
    assertEquals(4, again.err().lines().filter(l -> l.endsWith("skipped")).count(), again.err());
    for (String name : names) {
      Path s = out.resolve("runs").resolve(name).resolve("summary.json");
      assertArrayEquals(bytes.get(name), Files.readAllBytes(s), name);
      assertEquals(times.get(name), Files.getLastModifiedTime(s), name);
    }

    // two interrupted configurations: one stopped after its step-2 checkpoint (a run to step 2
    // without its summary), one killed after its last checkpoint (its summary deleted)
    String cut = names.get(1);
    Path cutRun = out.resolve("runs").resolve(cut);
    RunFolder.deleteTree(cutRun);
    List<String> partial = new ArrayList<>(base(tmp, 2));
    partial.addAll(List.of("--lr", "1e-3", "--seed", "6", "--out", cutRun.toString()));
    partial.add(0, "finetune");
    assertEquals(0, MainTest.run("", partial.toArray(String[]::new)).exitCode());
    Files.delete(cutRun.resolve("summary.json"));
    String killed = names.get(2);
    Files.delete(out.resolve("runs").resolve(killed).resolve("summary.json"));

    CommandRun.Run resumed = MainTest.run("", sweep);
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(resumed.err().contains(cut + ": resuming"), resumed.err());
    assertTrue(resumed.err().contains(killed + ": resuming"), resumed.err());
    assertEquals(2, resumed.err().lines().filter(l -> l.endsWith("skipped")).count());
    for (String name : List.of(cut, killed)) {
      JsonNode s =
          JSON.readTree(out.resolve("runs").resolve(name).resolve("summary.json").toFile());
      JsonNode before = summaries.get(name);
      assertEquals(4, s.get("steps").asInt(), name);
      for (String field : List.of("best_dev_metric", "best_step", "final_dev_metric")) {
        assertEquals(before.get(field), s.get(field), name + " " + field + ": resumed exactly");
      }
    }
    // (a run resumed at its last step evaluates nothing, and its summary has no final_dev_loss)
    assertEquals(
        summaries.get(cut).get("final_dev_loss"),
        JSON.readTree(out.resolve("runs").resolve(cut).resolve("summary.json").toFile())
            .get("final_dev_loss"));
    assertEquals(4, tsv(out.resolve("sweep.tsv")).size());

    // the same folder with another grid or other finetune options is refused, naming it
    CommandRun.Run otherGrid =
        MainTest.run("", sweep(out, base, "--grid", "lr=1e-3,5e-2", "--grid", "seed=5"));
    assertEquals(1, otherGrid.exitCode());
    assertTrue(otherGrid.err().contains("another grid"), otherGrid.err());
    assertTrue(otherGrid.err().contains("seed=5,6"), otherGrid.err());
    CommandRun.Run otherBase =
        MainTest.run("", sweep(out, base(tmp, 6), "--grid", "lr=1e-3,5e-2", "--grid", "seed=5,6"));
    assertEquals(1, otherBase.exitCode());
    assertTrue(otherBase.err().contains("'4' vs '6'"), otherBase.err());
  }

  @Test
  void randomSearchRunsNDistinctConfigurationsOfTheSeed(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("sweep");
    List<String> grids = List.of("--grid", "lr=1e-3,1e-2,1e-1", "--grid", "eps=1e-3,1e-2");
    List<String> args = new ArrayList<>(grids);
    args.addAll(List.of("--random", "3", "--sweep-seed", "7"));
    CommandRun.Run r = MainTest.run("", sweep(out, base(tmp, 1), args.toArray(String[]::new)));
    assertEquals(0, r.exitCode(), r.err());

    List<String> expected =
        Grid.parse(List.of("lr=1e-3,1e-2,1e-1", "eps=1e-3,1e-2")).random(3, 7).stream()
            .map(Grid.Configuration::name)
            .toList();
    assertEquals(3, new HashSet<>(expected).size());
    List<String> recorded = new ArrayList<>();
    JSON.readTree(out.resolve("sweep.json").toFile())
        .get("configurations")
        .forEach(c -> recorded.add(c.get("name").asText()));
    assertEquals(expected, recorded);
    try (Stream<Path> runs = Files.list(out.resolve("runs"))) {
      assertEquals(
          new HashSet<>(expected),
          new HashSet<>(runs.map(p -> p.getFileName().toString()).toList()));
    }
    for (String name : expected) {
      assertTrue(Files.isRegularFile(out.resolve("runs").resolve(name).resolve("summary.json")));
    }
    assertEquals(3, tsv(out.resolve("sweep.tsv")).size());
  }

  @Test
  void aFailingConfigurationIsReportedAndTheOthersRun(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("sweep");
    // finetune checks --head when it runs (picocli takes any string): mlp fails, prompt runs
    CommandRun.Run r = MainTest.run("", sweep(out, base(tmp, 1), "--grid", "head=mlp,prompt"));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("mezo4j finetune: --head 'mlp'"), r.err());
    assertTrue(r.err().contains("1 of 2 configurations failed (head=mlp)"), r.err());
    assertTrue(r.out().contains("best: head=prompt"), r.out());
    List<Map<String, String>> rows = tsv(out.resolve("sweep.tsv"));
    assertEquals(List.of("done", "failed"), rows.stream().map(m -> m.get("status")).toList());
    assertEquals("", rows.get(1).get("rank"));
  }

  @Test
  void badSweepsAreRefusedBeforeAnythingRuns(@TempDir Path tmp) throws Exception {
    List<String> base = base(tmp, 1);
    Path out = tmp.resolve("sweep");
    assertRefused(sweep(out, base, "--grid", "learning-rate=1e-4,1e-3"), "--learning-rate");
    assertRefused(sweep(out, base, "--grid", "lr=1e-4,,1e-3"), "empty value");
    assertRefused(
        sweep(out, base, "--grid", "lr=1e-4", "--grid", "lr=1e-3"), "'lr' is given twice");
    assertRefused(sweep(out, base, "--grid", "steps=1,2"), "--steps is also given");
    assertRefused(sweep(out, base, "--grid", "out=a,b"), "--out");
    assertRefused(sweep(out, base, "--grid", "lr=1e-4,fast"), "'fast'");
    assertRefused(sweep(out, base, "--grid", "save-weights=yes"), "true and false");
    List<String> withOut = new ArrayList<>(base);
    withOut.addAll(List.of("--out", "elsewhere"));
    assertRefused(sweep(out, withOut, "--grid", "lr=1e-4"), "leave --out out");
    assertFalse(Files.exists(out), "nothing was created");

    Path file = tmp.resolve("file");
    Files.writeString(file, "x");
    assertRefused(sweep(file, base, "--grid", "lr=1e-4"), "is a file");
    Path busy = tmp.resolve("busy");
    Files.createDirectories(busy);
    Files.writeString(busy.resolve("notes.txt"), "x");
    assertRefused(sweep(busy, base, "--grid", "lr=1e-4"), "holds no sweep.json");
  }

  private static void assertRefused(String[] args, String part) {
    CommandRun.Run r = MainTest.run("", args);
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().startsWith("mezo4j sweep: "), r.err());
    assertTrue(r.err().contains(part), part + " in: " + r.err());
  }

  /** The finetune options of a tiny run: random 2-layer BERT, 24 training and 12 dev rows. */
  private static List<String> base(Path tmp, int steps) throws Exception {
    Path model = tmp.resolve("model");
    Path data = tmp.resolve("data");
    if (!Files.exists(model)) {
      FinetuneCommandsTest.tinyModel(model);
      Files.createDirectories(data);
      Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(24, 1));
      Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(12, 2));
    }
    return List.of(
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
        "2",
        "--batch",
        "8",
        "--threads",
        "2");
  }

  private static String[] sweep(Path out, List<String> base, String... options) {
    List<String> args = new ArrayList<>(List.of("sweep", "--out", out.toString()));
    args.addAll(List.of(options));
    args.add("--");
    args.addAll(base);
    return args.toArray(String[]::new);
  }

  private static List<Map<String, String>> tsv(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    String[] header = lines.get(0).split("\t", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split("\t", -1);
      assertEquals(header.length, cells.length, line);
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }

  private static double num(Map<String, String> row, String column) {
    return Double.parseDouble(row.get(column));
  }
}
