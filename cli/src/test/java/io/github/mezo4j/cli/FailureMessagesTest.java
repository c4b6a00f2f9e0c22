package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.HeadFiles;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunLock;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs driven through the command line: each failure names the file and what was wrong, in
 * words. No message carries a Java class name ({@code java.}, {@code Exception}) or a raw control
 * character (text quoted from files is escaped).
 */
class FailureMessagesTest {
  private final List<CommandRun.Run> failures = new ArrayList<>();

  @Test
  void badInputsFailWithPlainMessages(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(16, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(8, 2));
    Path out = tmp.resolve("run");
    CommandRun.Run ok = MainTest.run("", finetune(model, data, out));
    assertEquals(0, ok.exitCode(), ok.err());
    Path last = Path.of(ok.jsonLines().get(0).get("last_checkpoint").asText());

    // a manifest of a newer format version: replay refuses it, naming file and versions
    Path manifest = last.resolve(Checkpoint.MANIFEST);
    String saved = Files.readString(manifest);
    edit(manifest, "version", 99);
    CommandRun.Run v = fails("replay", "--checkpoint", last.toString(), "--out", tmp + "/replayed");
    assertTrue(
        v.err().contains(manifest.toString())
            && v.err().contains("version 99")
            && v.err().contains("this build reads version 1"),
        v.err());
    Files.writeString(manifest, saved);

    // a head.json whose classes disagree with its tensors
    Path headJson = last.resolve(Checkpoint.HEAD).resolve(HeadFiles.HEAD_JSON);
    String head = Files.readString(headJson);
    edit(headJson, "classes", 1000);
    CommandRun.Run h = fails(eval(last, data.resolve("dev.tsv")));
    assertTrue(h.err().contains("'classes' is 1000"), h.err());
    Files.writeString(headJson, head);

    // data: invalid UTF-8 names line and byte offset; an unknown label quoting escape sequences
    Path latin1 = tmp.resolve("latin1.tsv");
    Files.write(latin1, "review\tstars\ngood film\t1\nbad caf\u00e9\t0\n".getBytes("ISO-8859-1"));
    CommandRun.Run u = fails(eval(last, latin1));
    assertTrue(u.err().contains("line 3") && u.err().contains("byte offset 32"), u.err());
    Path hostile = tmp.resolve("hostile.tsv");
    Files.writeString(hostile, "review\tstars\ngood film\t\u001b]0;pwned\u0007\u001b[2J\n");
    CommandRun.Run l = fails(eval(last, hostile));
    assertTrue(l.err().contains("\\u001b]0;pwned\\u0007"), l.err());

    // a blank row (only a tab) is skipped, counted and reported with its line
    Path blank = tmp.resolve("blank.tsv");
    Files.writeString(blank, "review\tstars\ngood film\t1\n\t\nbad film\t0\n");
    CommandRun.Run b = MainTest.run("", eval(last, blank));
    assertEquals(0, b.exitCode(), b.err());
    assertTrue(b.err().contains("skipped 1 blank row: " + blank + ":3"), b.err());
    assertEquals(2, b.jsonLines().get(0).get("examples").asInt());

    // files that are not there, a config that is not JSON
    fails(eval(tmp.resolve("no-such-run"), blank));
    Path broken = tmp.resolve("broken-model");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("config.json"), "{\"model_type\": ");
    fails(finetune(broken, data, tmp.resolve("run-broken")));
    fails(finetune(model, tmp.resolve("no-data"), tmp.resolve("run-no-data")));

    // a second writer into a folder a live process writes
    try (RunLock _ = RunLock.acquire(out, new PrintStream(PrintStream.nullOutputStream()))) {
      CommandRun.Run w = fails(resume(finetune(model, data, out)));
      assertTrue(w.err().contains("being written by this process"), w.err());
    }

    // resuming the finished run: a no-op that says so; its summary stays complete
    CommandRun.Run again = MainTest.run("", resume(finetune(model, data, out)));
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.err().contains("already finished"), again.err());
    JsonNode summary = again.jsonLines().get(0);
    assertTrue(summary.get("final_dev_loss").isNumber(), summary.toString());
    assertEquals(ok.jsonLines().get(0).get("final_dev_loss"), summary.get("final_dev_loss"));

    for (CommandRun.Run f : failures) {
      String err = f.err();
      assertTrue(!err.contains("java.") && !err.contains("Exception"), err);
      assertTrue(err.chars().noneMatch(c -> c < 0x20 && c != '\n'), err);
    }
  }

  private CommandRun.Run fails(String... args) {
    CommandRun.Run r = MainTest.run("", args);
    assertEquals(1, r.exitCode(), () -> String.join(" ", args) + ": " + r.err());
    assertTrue(!r.err().isBlank(), "no message");
    failures.add(r);
    return r;
  }

  private static void edit(Path file, String field, int value) throws Exception {
    ObjectNode o = JsonFiles.read(file);
    o.put(field, value);
    Files.writeString(file, JsonFiles.line(o), StandardCharsets.UTF_8);
  }

  private static String[] finetune(Path model, Path data, Path out) {
    return new String[] {
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
      "4",
      "--eval-every",
      "2",
      "--batch",
      "8",
      "--head",
      "linear",
      "--threads",
      "1",
      "--out",
      out.toString()
    };
  }

  private static String[] resume(String[] args) {
    List<String> l = new ArrayList<>(List.of(args));
    l.add("--resume");
    return l.toArray(String[]::new);
  }

  private static String[] eval(Path checkpoint, Path file) {
    return new String[] {
      "eval",
      "--checkpoint",
      checkpoint.toString(),
      "--data",
      file.toString(),
      "--text-column",
      "review",
      "--label-column",
      "stars",
      "--labels",
      "neg,pos",
      "--threads",
      "1"
    };
  }
}
