package io.github.mezo4j.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.trainer.FineTuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every JSON file a run writes carries a format version its reader checks, and the fields a reader
 * can check against the data beside them are checked.
 */
class RunFilesTest {
  @TempDir static Path tmp;
  private static RunFolder folder;
  private static Path last;

  @BeforeAll
  static void run() throws IOException {
    folder = new RunFolder(tmp.resolve("run"));
    FineTuner.Result r =
        FineTuner.run(
            TinyTask.run(TinyTask.config("linear", 4, 2, false), folder.dir(), false, 1, null));
    last = r.last();
  }

  @Test
  void everyFileCarriesItsFormatAndVersion() throws IOException {
    for (Path f :
        List.of(
            folder.run(),
            folder.state(),
            folder.summary(),
            last.resolve(Checkpoint.MANIFEST),
            folder.headInit().resolve(HeadFiles.HEAD_JSON))) {
      ObjectNode o = JsonFiles.read(f);
      assertTrue(o.get("format").asText().startsWith("mezo4j-"), f.toString());
      assertEquals(1, o.get("version").asInt(), f.toString());
    }
  }

  @Test
  void anUnknownVersionIsAnErrorNamingFileVersionAndTheVersionsRead() throws IOException {
    assertRefused(last.resolve(Checkpoint.MANIFEST), () -> Checkpoint.open(last));
    assertRefused(folder.state(), () -> RunState.read(folder.state()));
    assertRefused(folder.run(), folder::readRun);
    assertRefused(folder.summary(), folder::readSummary);
    Path head = folder.headInit();
    assertRefused(
        head.resolve(HeadFiles.HEAD_JSON), () -> HeadFiles.load(head, TinyTask.tokenizer(), 0));
    // a resumed run reads run.json first
    assertRefused(
        folder.run(),
        () ->
            FineTuner.run(
                TinyTask.run(TinyTask.config("linear", 6, 2, false), folder.dir(), true, 1, null)));
  }

  @Test
  void headJsonClassesMustMatchItsTensors() throws IOException {
    Path head = last.resolve(Checkpoint.HEAD);
    Path file = head.resolve(HeadFiles.HEAD_JSON);
    String saved = Files.readString(file);
    try {
      ObjectNode o = JsonFiles.read(file);
      o.put("classes", 1000);
      JsonFiles.write(file, o);
      IOException e =
          assertThrows(IOException.class, () -> HeadFiles.load(head, TinyTask.tokenizer(), 0));
      assertTrue(
          e.getMessage().contains(file.toString())
              && e.getMessage().contains("'classes' is 1000")
              && e.getMessage().contains("has 2"),
          e.getMessage());
      o.put("classes", 2);
      o.put("dimension", 17);
      JsonFiles.write(file, o);
      e = assertThrows(IOException.class, () -> HeadFiles.load(head, TinyTask.tokenizer(), 0));
      assertTrue(e.getMessage().contains("'dimension' is 17"), e.getMessage());
    } finally {
      Files.writeString(file, saved);
    }
    HeadFiles.load(head, TinyTask.tokenizer(), 0); // intact again
  }

  @Test
  void aManifestWhoseStepDisagreesWithItsStepLogIsRefused() throws IOException {
    Path file = last.resolve(Checkpoint.MANIFEST);
    String saved = Files.readString(file);
    try {
      ObjectNode o = JsonFiles.read(file);
      o.put("step", 3);
      JsonFiles.write(file, o);
      IOException e = assertThrows(IOException.class, () -> Checkpoint.open(last));
      assertTrue(e.getMessage().contains("holds 4 steps"), e.getMessage());
      assertTrue(e.getMessage().contains("says step 3"), e.getMessage());
    } finally {
      Files.writeString(file, saved);
    }
    assertEquals(4, Checkpoint.open(last).step());
  }

  /** Sets "version": 99 in {@code file}, checks that {@code read} fails so, and restores it. */
  private static void assertRefused(Path file, Executable read) throws IOException {
    String saved = Files.readString(file);
    try {
      ObjectNode o = JsonFiles.read(file);
      o.put("version", 99);
      JsonFiles.write(file, o);
      IOException e = assertThrows(IOException.class, read);
      String m = e.getMessage();
      assertTrue(
          m.contains(file.toString())
              && m.contains("version 99")
              && m.contains("this build reads version 1"),
          m);
    } finally {
      Files.writeString(file, saved);
    }
  }
}
