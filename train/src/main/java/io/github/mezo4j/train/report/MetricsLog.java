package io.github.mezo4j.train.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per line, one line per event ({@code "event": "train"}
 * after a step, {@code "eval"} after a dev evaluation), each with its {@code "step"}. Lines are
 * appended in one write each; a crash can only cut the last line short. {@link #open} with a
 * checkpoint step drops everything after that step (and a cut last line) by rewriting the kept
 * prefix atomically, so a resumed run's file is exactly an uninterrupted run's.
 */
public final class MetricsLog implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final List<ObjectNode> events;

  private MetricsLog(Path file, FileChannel channel, List<ObjectNode> events) {
    this.file = file;
    this.channel = channel;
    this.events = events;
  }

  /**
   * Opens {@code file} for appending, keeping only the events with {@code step <= keepUpToStep}
   * (pass -1 to start empty).
   *
   * @throws IOException naming the file and line of a malformed line that is not the last one
   */
  public static MetricsLog open(Path file, long keepUpToStep) throws IOException {
    List<ObjectNode> kept = new ArrayList<>();
    if (keepUpToStep >= 0 && Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JsonFiles.MAPPER.readTree(line);
        } catch (IOException e) {
          if (i == lines.size() - 1) {
            break; // the line a crash cut short
          }
          throw new IOException(
              "%s line %d is not JSON: %s".formatted(file, i + 1, e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode o) || !o.has("step")) {
          throw new IOException(
              "%s line %d: expected a JSON object with a \"step\"".formatted(file, i + 1));
        }
        if (o.get("step").asLong() <= keepUpToStep) {
          kept.add(o);
          text.append(line).append('\n');
        }
      }
      AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    } else {
      AtomicFiles.write(file, new byte[0]);
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    return new MetricsLog(file, ch, kept);
  }

  /** Every event in the file, the kept ones and those appended since. */
  public List<ObjectNode> events() {
    return Collections.unmodifiableList(events);
  }

  /** The metrics.jsonl file this log appends to. */
  public Path file() {
    return file;
  }

  /** Appends {@code event} as one line. */
  public void append(ObjectNode event) throws IOException {
    byte[] bytes = (JsonFiles.line(event) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      AtomicFiles.writeFully(channel, ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      // a full disk says "No space left on device" without naming the file
      throw new IOException("cannot append to %s (%s)".formatted(file, e.getMessage()), e);
    }
    events.add(event);
  }

  /** Appends the {@code "train"} event of one MeZO step. */
  public void appendTrain(long step, double loss, double projectedGrad) throws IOException {
    ObjectNode event = JsonFiles.object();
    event.put("event", "train");
    event.put("step", step);
    event.put("loss", loss);
    event.put("projected_grad", projectedGrad);
    append(event);
  }

  /**
   * Puts {@code initial_dev_metric} (the step-0 evaluation's) and every {@code dev_*} field of the
   * last evaluation as {@code final_dev_*} ({@code final_dev_metric}, {@code final_dev_loss}, ...)
   * of {@code events} into a run summary; NaN where there is none. Taken from the events, not from
   * the evaluations this process made, so a run resumed after its last evaluation reports the same
   * values as an uninterrupted one.
   */
  public static void putInitialAndFinalDevMetric(ObjectNode summary, List<ObjectNode> events) {
    double initial = Double.NaN;
    ObjectNode last = null;
    for (ObjectNode e : events) {
      if ("eval".equals(e.get("event").asText())) {
        if (e.get("step").asLong() == 0) {
          initial = e.get("dev_metric").asDouble();
        }
        last = e;
      }
    }
    summary.put("initial_dev_metric", initial);
    summary.put("final_dev_metric", Double.NaN);
    summary.put("final_dev_loss", Double.NaN);
    if (last != null) {
      // every dev_* field of the last evaluation, whichever process wrote it
      for (var f : last.properties()) {
        if (f.getKey().startsWith("dev_")) {
          summary.set("final_" + f.getKey(), f.getValue());
        }
      }
    }
  }

  /** Forces appended lines to the device. */
  public void sync() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
