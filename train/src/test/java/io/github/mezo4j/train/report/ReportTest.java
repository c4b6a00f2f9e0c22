package io.github.mezo4j.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @Test
  void plotsDecodeWithTheirSizeAxesAndSeriesColours(@TempDir Path dir) throws IOException {
    List<ObjectNode> events = new ArrayList<>();
    for (int step = 0; step <= 50; step++) {
      if (step > 0) {
        ObjectNode t = JsonFiles.object().put("event", "train").put("step", step);
        events.add(t.put("loss", 1.0 / step));
      }
      if (step % 10 == 0) {
        events.add(
            JsonFiles.object()
                .put("event", "eval")
                .put("step", step)
                .put("dev_loss", 0.7 - step / 200.0)
                .put("dev_metric", 0.5 + step / 200.0));
      }
    }
    RunPlots.write(dir, events, "sst2", "minilm", "accuracy");
    for (String name : List.of(RunPlots.LOSS_PLOT, RunPlots.METRIC_PLOT)) {
      BufferedImage img = ImageIO.read(dir.resolve(name).toFile());
      assertEquals(RunPlots.WIDTH, img.getWidth(), name);
      assertEquals(RunPlots.HEIGHT, img.getHeight(), name);
      int white = 0;
      int dark = 0;
      int orange = 0;
      int blue = 0;
      for (int y = 0; y < img.getHeight(); y++) {
        for (int x = 0; x < img.getWidth(); x++) {
          int rgb = img.getRGB(x, y) & 0xFFFFFF;
          white += rgb == 0xFFFFFF ? 1 : 0;
          dark += rgb == 0 ? 1 : 0; // axes and text
          orange += rgb == (LinePlot.ORANGE.getRGB() & 0xFFFFFF) ? 1 : 0;
          blue += rgb == (LinePlot.BLUE.getRGB() & 0xFFFFFF) ? 1 : 0;
        }
      }
      assertTrue(white > img.getWidth() * img.getHeight() / 2, name + ": mostly background");
      assertTrue(dark > 500, name + ": axes drawn, black pixels " + dark);
      assertTrue(orange > 100, name + ": the dev series is drawn, " + orange);
      if (name.equals(RunPlots.LOSS_PLOT)) {
        assertTrue(blue > 300, name + ": the training loss is drawn, " + blue);
      } else {
        assertEquals(0, blue, name + ": no training series");
      }
    }
  }

  @Test
  void ticksAreRoundNumbersCoveringTheRange() {
    assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, LinePlot.ticks(0, 97));
    double[] t = LinePlot.ticks(0.43, 0.61);
    assertTrue(t[0] <= 0.43 && t[t.length - 1] >= 0.61);
    assertEquals("0.45", LinePlot.label(0.45, new double[] {0.4, 0.45}));
    assertEquals("0", LinePlot.label(-1e-17, new double[] {0, 1}));
  }

  @Test
  void metricsLogResumesAtACheckpointDroppingLaterAndCutLines(@TempDir Path dir)
      throws IOException {
    Path f = dir.resolve("metrics.jsonl");
    try (MetricsLog log = MetricsLog.open(f, -1)) {
      for (int step = 1; step <= 5; step++) {
        log.append(JsonFiles.object().put("event", "train").put("step", step));
      }
    }
    Files.writeString(
        f,
        "{\"event\":\"train\",\"st",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    try (MetricsLog log = MetricsLog.open(f, 3)) {
      assertEquals(3, log.events().size());
      log.append(JsonFiles.object().put("event", "eval").put("step", 4));
    }
    List<String> lines = Files.readAllLines(f);
    assertEquals(4, lines.size());
    assertEquals("{\"event\":\"eval\",\"step\":4}", lines.get(3));
    Files.writeString(f, "not json\n{\"step\":1}\n");
    IOException e = assertThrows(IOException.class, () -> MetricsLog.open(f, 3));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
  }

  @Test
  void progressLinesShowLossMetricSpeedAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressBar bar =
        new ProgressBar(
            new PrintStream(bytes, true, StandardCharsets.UTF_8),
            false,
            100,
            0,
            "accuracy",
            () -> now[0]);
    now[0] = 5_000_000_000L;
    bar.step(10, 0.5);
    now[0] = 10_000_000_000L;
    bar.eval(20, 0.25, 0.75, 0.8);
    bar.step(21, 0.2); // not a tenth of the run: no line
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(2, lines.length);
    assertEquals(
        "step  10/100 [##......................] loss 0.5000 2.00 steps/s ETA 0:45", lines[0]);
    assertEquals(
        "step  20/100 [####....................] loss 0.2500 dev accuracy 0.7500 (best 0.8000)"
            + " 2.00 steps/s ETA 0:40",
        lines[1]);
    assertEquals("1:01:01", ProgressBar.clock(3661));
  }

  private static <T extends Throwable> T assertThrows(Class<T> type, Executable e) {
    return org.junit.jupiter.api.Assertions.assertThrows(type, e::run);
  }

  @FunctionalInterface
  private interface Executable {
    void run() throws Throwable;
  }
}
