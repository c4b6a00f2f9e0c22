package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsTensorInfo;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.SequenceScorer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * An estimate, made before any weight is read, of the memory a run will take at its peak: the JVM
 * and libraries ({@code runtime}), the weights as they will be stored, what loading holds beside
 * them for a while (a mapped safetensors tensor, an ONNX file's bytes), the activations of the
 * largest forward pass (both signs of a MeZO step, or generation's KV cache), the optimizer's state
 * and the collector's bookkeeping. The peak is {@code runtime + weights + collector + max(loading,
 * activations + optimizer)}: loading ends before the first forward pass.
 *
 * <p>The runtime figures are measured (docs/performance.md, "Memory plan"); the rest is counted
 * from the model's config and the safetensors headers. Activations are counted as f32 working
 * buffers of one layer at a time (the engine reuses them across layers), plus the logits.
 *
 * @param what the model, for messages
 * @param runtimeBytes the JVM, the libraries and the young generation
 * @param weightBytes the weights as stored in memory
 * @param loadingBytes held beside the weights while they load
 * @param activationBytes the largest forward pass's buffers
 * @param optimizerBytes the optimizer's state
 * @param planned what the activations were counted for (e.g. "batch 16 x 128 tokens, both signs")
 */
public record MemoryPlan(
    String what,
    long runtimeBytes,
    long weightBytes,
    long loadingBytes,
    long activationBytes,
    long optimizerBytes,
    String planned) {

  /**
   * The JVM, the libraries and the 64 MB young generation the launcher gives them, for {@code
   * generate}: its peak RSS with a 260K-parameter model (docs/performance.md, "Memory plan").
   */
  public static final long GENERATE_RUNTIME = 150L << 20;

  /**
   * The same for {@code finetune}, which also loads data, writes the step log, metrics and PNG
   * plots: the peak RSS of {@code finetune --steps 0} with a 260K-parameter model.
   */
  public static final long FINETUNE_RUNTIME = 175L << 20;

  /**
   * The peak: {@code runtime + weights + collector + max(loading, activations + optimizer)}, the
   * collector's share being {@link #collectorBytes}.
   */
  public long peakBytes() {
    return runtimeBytes
        + weightBytes
        + collectorBytes()
        + Math.max(loadingBytes, activationBytes + optimizerBytes);
  }

  /**
   * The parallel collector's mark bitmap over the heap in use: two bits per 8-byte heap word, 1/32
   * of {@link #heapBytes} (the collector the launcher chooses; 400 MiB for a 7B bf16 model).
   */
  public long collectorBytes() {
    return heapBytes() / 32;
  }

  /** What of the peak lives on the Java heap (the weights, activations and optimizer state). */
  public long heapBytes() {
    return weightBytes + activationBytes + optimizerBytes;
  }

  /** One line for the user: the estimate and its parts. */
  public String describe() {
    return ("memory plan for %s: about %s at the peak (weights %s, activations %s for %s,%s"
            + " loading %s, runtime %s, collector %s)")
        .formatted(
            what,
            size(peakBytes()),
            size(weightBytes),
            size(activationBytes),
            planned,
            optimizerBytes > 0 ? " optimizer state " + size(optimizerBytes) + "," : "",
            size(loadingBytes),
            size(runtimeBytes),
            size(collectorBytes()));
  }

  /**
   * Why the plan does not fit, or null when it does.
   *
   * @param availableBytes the memory the machine has available now
   * @param maxHeapBytes the most this JVM's heap may grow to ({@code -Xmx})
   */
  public String refusal(long availableBytes, long maxHeapBytes) {
    String advice =
        "to fit: load bf16 weights as bf16 (--dtype bf16 halves f32 weights), lower --batch or the"
            + " sequence length, or use a machine with more memory";
    if (peakBytes() > availableBytes) {
      return "%s needs about %s at the peak, but the machine has %s available; %s"
          .formatted(what, size(peakBytes()), size(availableBytes), advice);
    }
    if (heapBytes() > maxHeapBytes) {
      return ("%s needs about %s of Java heap (weights and activations), more than this JVM's %s"
              + " (-Xmx); raise it with MEZO4J_JAVA_OPTS=-Xmx<size>, or %s")
          .formatted(what, size(heapBytes()), size(maxHeapBytes), advice);
    }
    return null;
  }

  /**
   * The memory available to this process now: Linux's MemAvailable (what can be had without
   * swapping), else the free physical memory the JVM reports.
   */
  public static long availableBytes() {
    Path meminfo = Path.of("/proc/meminfo");
    try {
      if (Files.isReadable(meminfo)) {
        for (String line : Files.readAllLines(meminfo)) {
          if (line.startsWith("MemAvailable:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall back below
    }
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getFreeMemorySize();
  }

  /**
   * The f32 buffers of a decoder forward pass over {@code batch x seq} tokens: one layer's hidden
   * states, projections and MLP, its attention scores, and {@code logitRows} rows of logits over
   * the vocabulary (scoring computes them in chunks of {@link SequenceScorer#ROWS_PER_CHUNK} rows,
   * generation for the last position only).
   *
   * @param halves 2 for a MeZO step (both signs in one pass), 1 for a plain forward
   */
  public static long decoderActivations(
      DecoderConfig c, int batch, int seq, int halves, int logitRows) {
    long tokens = (long) batch * seq;
    long kv = (long) c.numKvHeads() * c.headDim();
    long perHalf =
        tokens * (6L * c.hiddenSize() + 2 * kv + 2L * c.intermediateSize())
            + (long) logitRows * c.vocabSize()
            + (long) batch * c.numHeads() * seq * seq;
    return 4 * halves * perHalf;
  }

  /** Generation's KV cache: keys and values of every layer for {@code seq} positions, f32. */
  public static long kvCacheBytes(DecoderConfig c, int seq) {
    return 4L * 2 * c.numLayers() * seq * c.numKvHeads() * c.headDim();
  }

  /**
   * As {@link #decoderActivations} for a BERT-family encoder of width {@code hidden}, MLP width
   * {@code intermediate} and {@code heads} heads (no logits: the head is small).
   */
  public static long encoderActivations(
      int hidden, int intermediate, int heads, int batch, int seq, int halves) {
    long tokens = (long) batch * seq;
    long perHalf = tokens * (7L * hidden + 2L * intermediate) + (long) batch * heads * seq * seq;
    return 4 * halves * perHalf;
  }

  /**
   * What safetensors weights take: their bytes in memory, their count, and the largest tensor as
   * stored on disk (its file pages are resident while it is copied out; the reader drops them once
   * copied).
   */
  public record Stored(long bytes, long elements, long largestTensorBytes) {}

  /**
   * {@link Stored} of the tensors of {@code files} that {@code counted} accepts, loaded with {@code
   * storage} (null: bf16 stays bf16, the rest f32), from their headers only; files that do not
   * exist are passed over (loading names them).
   */
  public static Stored stored(List<Path> files, DType storage, Predicate<String> counted)
      throws IOException {
    long bytes = 0;
    long elements = 0;
    long largest = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        continue;
      }
      try (SafetensorsReader r = SafetensorsReader.open(f)) {
        for (String name : r.names()) {
          if (counted.test(name)) {
            SafetensorsTensorInfo t = r.info(name);
            bytes += t.bytesAs(storage);
            elements += t.elementCount();
            largest = Math.max(largest, t.byteLength());
          }
        }
      }
    }
    return new Stored(bytes, elements, largest);
  }

  private static String size(long bytes) {
    return bytes >= 1L << 30
        ? "%.1f GiB".formatted(bytes / (double) (1L << 30))
        : "%d MiB".formatted((bytes + (1L << 19)) >> 20);
  }
}
