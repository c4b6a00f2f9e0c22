package io.github.mezo4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.metrics.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every built-in task read from the real shared data. Expected counts come from the data's
 * PROVENANCE.md files (which match the official split sizes), not from this reader's output.
 */
class BuiltInTasksTest {

  private static int[] counts(List<Example> split, Task task) {
    return Dataset.labelCounts(split, task.labels().size());
  }

  @Test
  void sst2FullSplitsMatchGlue() throws IOException {
    Path root = SharedTestData.rootHolding("glue-sst2");
    Task task = Tasks.get("SST-2");
    Dataset d = task.load(root);
    assertEquals(67_349, d.train().size());
    assertEquals(872, d.dev().size());
    assertArrayEquals(new int[] {29_780, 37_569}, counts(d.train(), task));
    assertArrayEquals(new int[] {428, 444}, counts(d.dev(), task));
    // GLUE leaves a space before the tab: the text is trimmed
    assertEquals("it 's a charming and often affecting journey .", d.dev().get(0).text());
    assertEquals(1, d.dev().get(0).label());
    assertEquals("unflinchingly bleak and desperate", d.dev().get(1).text());
    assertEquals(0, d.dev().get(1).label());
    assertNull(d.dev().get(0).textPair());
    // the task's own folder works as the data dir too
    assertEquals(872, task.load(root.resolve("glue-sst2")).dev().size());
  }

  @ParameterizedTest
  @ValueSource(ints = {13, 21, 42, 87, 100})
  void sst2KShotSeedsAreBalanced16PerClass(int seed) throws IOException {
    Path root = SharedTestData.rootHolding("lmbff-kshot16");
    Task task = Tasks.get("sst2");
    Dataset fromShared = task.loadKShot(root, seed);
    Dataset fromKShotFolder = task.loadKShot(root.resolve("lmbff-kshot16"), seed);
    assertEquals(fromShared.train(), fromKShotFolder.train());
    assertArrayEquals(new int[] {16, 16}, counts(fromShared.train(), task));
    assertArrayEquals(new int[] {16, 16}, counts(fromShared.dev(), task));
  }

  @Test
  void sst2KShotFirstRowIsTheFilesFirstRow() throws IOException {
    Path root = SharedTestData.rootHolding("lmbff-kshot16");
    Example first = Tasks.get("sst2").loadKShot(root, 13).train().getFirst();
    assertEquals("nothing happens , and it happens to flat characters .", first.text());
    assertEquals(0, first.label());
  }

  @Test
  void sst5FullAndKShot() throws IOException {
    Path root = SharedTestData.rootHolding("sst5");
    Task task = Tasks.get("sst5");
    Dataset d = task.load(root);
    assertArrayEquals(new int[] {1092, 2218, 1624, 2322, 1288}, counts(d.train(), task));
    assertArrayEquals(new int[] {139, 289, 229, 279, 165}, counts(d.dev(), task));
    Path kshot = SharedTestData.rootHolding("lmbff-kshot16");
    Dataset k = task.loadKShot(kshot, 42);
    assertArrayEquals(new int[] {16, 16, 16, 16, 16}, counts(k.train(), task));
    assertArrayEquals(new int[] {16, 16, 16, 16, 16}, counts(k.dev(), task));
  }

  @Test
  void trecDevIsCarvedDeterministicallyAndDisjointFromTrain() throws IOException {
    Path root = SharedTestData.rootHolding("trec");
    Task task = Tasks.get("TREC");
    Dataset d = task.load(root);
    assertEquals(Tasks.TREC_DEV_SIZE, d.dev().size());
    assertEquals(5452 - Tasks.TREC_DEV_SIZE, d.train().size());
    int[] total = counts(d.train(), task);
    int[] dev = counts(d.dev(), task);
    for (int c = 0; c < total.length; c++) {
      total[c] += dev[c];
      assertTrue(dev[c] > 0, "every class reaches the carved dev split");
    }
    assertArrayEquals(new int[] {1162, 1250, 86, 1223, 835, 896}, total);
    assertEquals(d.dev(), task.load(root).dev(), "carving is deterministic");
    // train and dev partition the file's rows, each in file order: merging them back in file
    // order consumes every row (TREC has duplicate questions, so compare positions, not sets)
    List<Example> all = task.read(root.resolve("trec/train.csv"));
    assertEquals("How did serfdom develop in and then leave Russia ?", all.getFirst().text());
    // line 80: 4,"What country did the Nazis occupy for 1 , CD NNS IN NNP NNP NNP ."
    assertEquals(
        "What country did the Nazis occupy for 1 , CD NNS IN NNP NNP NNP .", all.get(79).text());
    assertEquals(task.labels().indexOf("LOC"), all.get(79).label());
    int t = 0;
    int v = 0;
    for (Example e : all) {
      if (t < d.train().size() && d.train().get(t).equals(e)) {
        t++;
      } else {
        assertEquals(e, d.dev().get(v++));
      }
    }
    assertEquals(d.train().size(), t);
    assertEquals(d.dev().size(), v);
    Dataset k = task.loadKShot(SharedTestData.rootHolding("lmbff-kshot16"), 87);
    assertArrayEquals(new int[] {16, 16, 16, 16, 16, 16}, counts(k.train(), task));
  }

  @Test
  void rteFromGlueTsvEqualsRteFromSuperGlueJsonl() throws IOException {
    Path root = SharedTestData.rootHolding("glue-rte");
    SharedTestData.rootHolding("superglue");
    Task task = Tasks.get("rte");
    assertSame(task, Tasks.get("RTE"));
    Dataset glue = task.load(root);
    assertArrayEquals(new int[] {1249, 1241}, counts(glue.train(), task));
    assertArrayEquals(new int[] {146, 131}, counts(glue.dev(), task));
    List<Example> jsonl = task.read(root.resolve("superglue/RTE/train.jsonl"));
    assertEquals(glue.train().size(), jsonl.size());
    // SuperGLUE's JSONL lost the double quotes of some texts (GLUE's TSV was once read with CSV
    // quoting); apart from those quotes the two files agree row by row.
    int quoteDiffs = 0;
    for (int i = 0; i < jsonl.size(); i++) {
      Example tsv = glue.train().get(i);
      Example json = jsonl.get(i);
      if (!tsv.text().equals(json.text())) {
        quoteDiffs++;
      }
      assertEquals(tsv.text().replace("\"", ""), json.text().replace("\"", ""), "premise " + i);
      assertEquals(
          tsv.textPair().replace("\"", ""), json.textPair().replace("\"", ""), "hypothesis " + i);
      assertEquals(tsv.label(), json.label(), "label of row " + i);
    }
    assertTrue(quoteDiffs < 100, quoteDiffs + " premises differ by quotes");
    assertTrue(glue.train().get(50).text().startsWith("\"Instead of action"), "TSV keeps quotes");
    Dataset k = task.loadKShot(SharedTestData.rootHolding("lmbff-kshot16"), 21);
    assertArrayEquals(new int[] {16, 16}, counts(k.train(), task));
    assertTrue(k.train().getFirst().hasPair());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnli", "snli"})
  void nliKShotSplitsAreBalanced(String name) throws IOException {
    Path root = SharedTestData.rootHolding("lmbff-kshot16");
    Task task = Tasks.get(name);
    for (int seed : new int[] {13, 21, 42, 87, 100}) {
      Dataset d = task.loadKShot(root, seed);
      assertArrayEquals(new int[] {16, 16, 16}, counts(d.train(), task), name + " seed " + seed);
      assertArrayEquals(new int[] {16, 16, 16}, counts(d.dev(), task), name + " seed " + seed);
      assertTrue(d.train().stream().allMatch(Example::hasPair));
    }
    assertThrows(IllegalArgumentException.class, () -> task.load(root));
  }

  @Test
  void snliRowsWithAnnotatorColumnsUseTheGoldLabel() throws IOException {
    Path root = SharedTestData.rootHolding("lmbff-kshot16");
    List<Example> train = Tasks.get("snli").loadKShot(root, 13).train();
    Example girl =
        train.stream().filter(e -> e.textPair().equals("a girl wears black")).findFirst().get();
    assertEquals(Tasks.get("snli").labels().indexOf("entailment"), girl.label());
    assertTrue(girl.text().startsWith("The girl sitting by a rock"));
  }

  @Test
  void superGlueTasksMatchOfficialCounts() throws IOException {
    Path root = SharedTestData.rootHolding("superglue");
    Task cb = Tasks.get("cb");
    assertEquals(Metric.MACRO_F1, cb.metric());
    Dataset d = cb.load(root);
    assertArrayEquals(new int[] {115, 119, 16}, counts(d.train(), cb));
    assertArrayEquals(new int[] {23, 28, 5}, counts(d.dev(), cb));
    assertEquals(d.dev().getFirst().text(), d.dev().getFirst().field("premise"));

    Task copa = Tasks.get("COPA");
    d = copa.load(root);
    assertArrayEquals(new int[] {195, 205}, counts(d.train(), copa));
    assertArrayEquals(new int[] {55, 45}, counts(d.dev(), copa));
    Example first = d.dev().getFirst();
    assertEquals("The man turned on the faucet.", first.field("premise"));
    assertEquals("Water flowed from the spout.", first.field("choice2"));
    assertEquals("effect", first.field("question"));
    assertEquals(1, first.label());

    Task wic = Tasks.get("WiC");
    d = wic.load(root);
    assertArrayEquals(new int[] {2714, 2714}, counts(d.train(), wic));
    assertArrayEquals(new int[] {319, 319}, counts(d.dev(), wic));
    assertEquals("class", d.dev().getFirst().field("word"));
    assertEquals(0, d.dev().getFirst().label(), "label false is class 0");

    Task boolq = Tasks.get("boolq");
    SharedTestData.rootHolding("fewglue-32dev");
    d = boolq.load(root);
    assertEquals(32, d.train().size());
    assertArrayEquals(new int[] {1237, 2033}, counts(d.dev(), boolq));
    assertTrue(d.dev().getFirst().field("question").startsWith("does ethanol"));
  }

  @Test
  void decoderOnlyTasksHaveNoKShotSplits() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Tasks.get("cb").loadKShot(Path.of("."), 13));
    assertTrue(e.getMessage().contains("sst2"), e.getMessage());
  }

  @Test
  void unknownTaskNamesTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tasks.get("imdb"));
    assertTrue(e.getMessage().contains("imdb") && e.getMessage().contains("wic"), e.getMessage());
    assertEquals(
        List.of(
            "sst2", "sst5", "trec", "rte", "mnli", "snli", "cb", "copa", "boolq", "wic", "demo"),
        Tasks.names());
  }

  @Test
  void aSplitFolderOfAnotherSeedIsNotTakenForTheSeedAskedFor(
      @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path seed13 = dir.resolve("16-13");
    java.nio.file.Files.createDirectories(seed13);
    String rows = "sentence\tlabel\na fine film .\t1\na dull film .\t0\n";
    java.nio.file.Files.writeString(seed13.resolve("train.tsv"), rows);
    java.nio.file.Files.writeString(seed13.resolve("dev.tsv"), rows);
    Task sst2 = Tasks.get("sst2");
    assertEquals(2, sst2.loadKShot(seed13, 13).train().size(), "the folder of the seed itself");
    // --data-dir .../16-13 with --k-shot-seed 42 would silently train on seed 13's examples
    assertThrows(java.nio.file.NoSuchFileException.class, () -> sst2.loadKShot(seed13, 42));
  }

  @Test
  void missingDataNamesThePlacesLookedAt(@org.junit.jupiter.api.io.TempDir Path empty) {
    var e =
        assertThrows(
            java.nio.file.NoSuchFileException.class, () -> Tasks.get("sst2").loadKShot(empty, 13));
    assertTrue(e.getMessage().contains("SST-2"), e.getMessage());
  }

  @Test
  void kShotEvaluationSetsShareNothingWithTheKShotSplits() throws IOException {
    Path root = SharedTestData.rootHolding("lmbff-kshot16");
    SharedTestData.rootHolding("trec");
    SharedTestData.rootHolding("glue-sst2");
    // GLUE's SST-2 dev set is disjoint from its train set, from which LM-BFF sampled
    assertEquals(872, Tasks.get("sst2").kShotEvaluationSet(root, 13).size());
    Task trec = Tasks.get("trec");
    for (int seed : new int[] {13, 21, 42, 87, 100}) {
      List<Example> eval = trec.kShotEvaluationSet(root, seed);
      Dataset k = trec.loadKShot(root, seed);
      List<String> used =
          java.util.stream.Stream.concat(k.train().stream(), k.dev().stream())
              .map(Example::text)
              .toList();
      assertTrue(eval.stream().noneMatch(e -> used.contains(e.text())), "seed " + seed);
      // LM-BFF drew the 192 k-shot questions from TREC's train file, so some land in the carved
      // dev split and must go; about 192 * 500 / 5452 = 18 are expected
      int removed = Tasks.TREC_DEV_SIZE - eval.size();
      assertTrue(removed > 0 && removed < 60, "seed " + seed + " removed " + removed);
    }
  }

  // A naive reference reader: split each line on tabs, look the columns up in the header.
  @ParameterizedTest
  @ValueSource(
      strings = {
        "SST-2:sst2:sentence:",
        "RTE:rte:sentence1:sentence2",
        "MNLI:mnli:sentence1:sentence2",
        "SNLI:snli:sentence1:sentence2"
      })
  void kShotTsvFilesMatchANaiveTabSplit(String spec) throws IOException {
    String[] p = spec.split(":", -1);
    Path root = SharedTestData.rootHolding("lmbff-kshot16").resolve("lmbff-kshot16").resolve(p[0]);
    Task task = Tasks.get(p[1]);
    try (var seeds = java.nio.file.Files.list(root)) {
      for (Path seedDir : seeds.sorted().toList()) {
        try (var files = java.nio.file.Files.list(seedDir)) {
          for (Path file : files.sorted().toList()) {
            List<String> lines = java.nio.file.Files.readAllLines(file);
            List<String> header = List.of(lines.getFirst().split("\t"));
            int text = header.indexOf(p[2]);
            int pair = p[3].isEmpty() ? -1 : header.indexOf(p[3]);
            List<Example> read = task.read(file);
            assertEquals(lines.size() - 1, read.size(), file.toString());
            for (int i = 1; i < lines.size(); i++) {
              String[] f = lines.get(i).split("\t", -1);
              Example e = read.get(i - 1);
              assertEquals(f[text].strip(), e.text(), file + " line " + (i + 1));
              if (pair >= 0) {
                assertEquals(f[pair].strip(), e.textPair(), file + " line " + (i + 1));
              }
              assertEquals(
                  f[f.length - 1].strip(),
                  p[1].equals("sst2") ? String.valueOf(e.label()) : task.labels().name(e.label()),
                  file + " line " + (i + 1));
            }
          }
        }
      }
    }
  }
}
