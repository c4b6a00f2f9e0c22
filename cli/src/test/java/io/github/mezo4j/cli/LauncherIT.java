package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bin/mezo4j} from the packaged jar as a user's shell does: without {@code JAVA_HOME}
 * (the launcher finds a JDK 25 itself) and with stderr going to a file, where progress must arrive
 * while the process runs and an error must be complete when it exits.
 */
class LauncherIT {
  private static final Path ROOT = Path.of(System.getProperty("mezo4j.root", ".")).toAbsolutePath();

  private static ProcessBuilder launcher(Path stderr, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = ROOT.resolve("bin/mezo4j").toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("JAVA_HOME");
    pb.redirectError(stderr.toFile());
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return pb;
  }

  @Test
  void errorIsInTheFileWhenTheProcessExits(@TempDir Path dir) throws Exception {
    Path err = dir.resolve("stderr.txt");
    Process p =
        launcher(
                err,
                "finetune",
                "--task",
                "sst2",
                "--batch",
                "0",
                "--out",
                dir.resolve("run").toString())
            .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not exit");
    String text = Files.readString(err, StandardCharsets.UTF_8);
    assertEquals(1, p.exitValue(), text);
    assertTrue(text.contains("--batch must be >= 1, got 0"), "stderr at exit: " + text);
  }

  @Test
  void progressReachesTheFileWhileRunning(@TempDir Path dir) throws Exception {
    Path err = dir.resolve("stderr.txt");
    Process p = launcher(err, "demo", "--out", dir.resolve("demo").toString()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      boolean seen = false;
      while (!seen && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(200);
        seen = Files.readString(err, StandardCharsets.UTF_8).contains("mezo4j finetune: minilm");
      }
      assertTrue(
          seen && p.isAlive(),
          "the run's first progress line did not reach the file while it ran: "
              + Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void aModelOverAGigabyteGetsALargerHeapUnlessTheUserSetsOne(@TempDir Path dir) throws Exception {
    Path big = Files.createDirectory(dir.resolve("big"));
    try (RandomAccessFile f =
        new RandomAccessFile(big.resolve("model.safetensors").toFile(), "rw")) {
      f.setLength(3_000_000_000L); // sparse: the launcher reads sizes only; over 2^31 bytes
    }
    double large = maxHeap(dir, "", "--model", big.toString());
    double small = maxHeap(dir, "", "--model", "minilm");
    assertTrue(large > small * 2, large + " vs " + small);
    assertEquals(2.0, maxHeap(dir, "-Xmx2g", "--model=" + big), 1e-9, "MEZO4J_JAVA_OPTS wins");
  }

  /** The JVM's maximum heap in GB when the launcher runs {@code finetune ARGS --help}. */
  private static double maxHeap(Path dir, String opts, String... args) throws Exception {
    Path err = dir.resolve("heap.txt");
    String[] command = new String[args.length + 2];
    command[0] = "finetune";
    System.arraycopy(args, 0, command, 1, args.length);
    command[args.length + 1] = "--help";
    ProcessBuilder pb = launcher(err, command);
    pb.environment().put("MEZO4J_JAVA_OPTS", "-XshowSettings:vm " + opts);
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not exit");
    String text = Files.readString(err, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("Max\\. Heap Size[^:]*: ([\\d.]+)([GM])").matcher(text);
    assertTrue(m.find(), text);
    double v = Double.parseDouble(m.group(1));
    return m.group(2).equals("G") ? v : v / 1024;
  }
}
