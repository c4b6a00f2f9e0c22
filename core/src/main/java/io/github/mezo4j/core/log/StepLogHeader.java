package io.github.mezo4j.core.log;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The configuration a step log needs to be replayed, stored once at the start of the file.
 *
 * <p>Binary layout (big-endian):
 *
 * <pre>
 *   magic "MEZO4JSL" (8 bytes) | version int32 (1 or 2) | payload length int32 (L)
 *   | payload: L bytes of UTF-8 "key=value\n" lines | CRC32 int32 of all preceding header bytes
 * </pre>
 *
 * Keys: {@code eps}, {@code estimator} ({@link Estimator#spec()}), {@code optimizer} (the
 * transform's spec), {@code conservative}, {@code runSeed}, {@code params} (a {@linkplain
 * #fingerprint fingerprint} of the trainable parameters' names, dtypes and shapes). Unknown keys
 * are ignored, so later versions may add some. Version 2 adds {@code perturbation} ({@link
 * PerturbationMode#spec()}) and {@code bf16Rounding} ({@link Bf16Rounding#spec()}): they change
 * which passes replay makes, so a run that is not in place with nearest rounding is written as
 * version 2, which builds that do not know these keys refuse instead of misreplaying. A run with
 * the original behaviour is still written as version 1, byte for byte as before, and a header
 * without the keys means in place, nearest. Version 3 adds {@code directions} ({@link
 * Directions.Distribution#spec()}) and one {@code mask.NAME} key per masked parameter (its mask
 * threshold, a float written by {@link Float#toString(float)}, which reads back to the same bits);
 * a run with dense Gaussian directions is written as before, and a header without the keys means
 * dense Gaussian. Records follow the header; see {@link StepLog}.
 *
 * @param eps the perturbation scale
 * @param estimator the estimator (fixes the record size)
 * @param optimizer the optimizer transform's spec
 * @param conservative whether the conservative rule was on
 * @param runSeed the run seed the step seeds derive from
 * @param params the fingerprint of the trainable parameters
 * @param perturbation in place or virtual
 * @param bf16Rounding how bf16 updates were rounded
 * @param directions the directions' distribution and magnitude mask
 */
public record StepLogHeader(
    double eps,
    Estimator estimator,
    String optimizer,
    boolean conservative,
    long runSeed,
    String params,
    PerturbationMode perturbation,
    Bf16Rounding bf16Rounding,
    Directions directions) {

  /** The header key of the directions' distribution. */
  public static final String DIRECTIONS = "directions";

  /** The prefix of the header keys holding mask thresholds, one per masked parameter. */
  public static final String MASK_PREFIX = "mask.";

  static final byte[] MAGIC = "MEZO4JSL".getBytes(StandardCharsets.US_ASCII);

  /** The newest format version this build writes and reads. */
  static final int VERSION = 3;

  /** The oldest format version this build reads. */
  static final int OLDEST_VERSION = 1;

  /**
   * A header for a run with these settings (the version written depends on which are not the
   * defaults).
   */
  public StepLogHeader {
    Objects.requireNonNull(perturbation, "perturbation");
    Objects.requireNonNull(bf16Rounding, "bf16Rounding");
    Objects.requireNonNull(directions, "directions");
  }

  /** A header with dense Gaussian directions (a version 1 or 2 header). */
  public StepLogHeader(
      double eps,
      Estimator estimator,
      String optimizer,
      boolean conservative,
      long runSeed,
      String params,
      PerturbationMode perturbation,
      Bf16Rounding bf16Rounding) {
    this(
        eps,
        estimator,
        optimizer,
        conservative,
        runSeed,
        params,
        perturbation,
        bf16Rounding,
        Directions.gaussian());
  }

  /** A header of an in-place run with nearest bf16 rounding (a version 1 header). */
  public StepLogHeader(
      double eps,
      Estimator estimator,
      String optimizer,
      boolean conservative,
      long runSeed,
      String params) {
    this(
        eps,
        estimator,
        optimizer,
        conservative,
        runSeed,
        params,
        PerturbationMode.IN_PLACE,
        Bf16Rounding.NEAREST);
  }

  static final int MAX_PAYLOAD = 1 << 20;

  /**
   * The format version this header is written as: 1 for the original behaviour, 3 with other
   * directions than dense Gaussian, else 2.
   */
  public int version() {
    if (!directions.isDefault()) {
      return 3;
    }
    return perturbation == PerturbationMode.IN_PLACE && bf16Rounding == Bf16Rounding.NEAREST
        ? 1
        : 2;
  }

  /**
   * {@code count:elements:hash}, the hash FNV-1a 64 over every parameter's name, dtype and shape in
   * order: replay checks it so a log is never applied to different parameters.
   */
  public static String fingerprint(ParameterSet params) {
    long h = 0xcbf29ce484222325L;
    for (Parameter p : params) {
      StringBuilder sb = new StringBuilder(p.name()).append('\0').append(p.dtype());
      for (int d : p.shape()) {
        sb.append('\0').append(d);
      }
      sb.append('\n');
      for (byte b : sb.toString().getBytes(StandardCharsets.UTF_8)) {
        h ^= b & 0xFF;
        h *= 0x100000001b3L;
      }
    }
    return params.count() + ":" + params.elementCount() + ":" + Long.toHexString(h);
  }

  /** Bytes of one record: step, flags, n (seed, gradient) pairs, CRC32. */
  public int recordSize() {
    return 8 + 4 + 16 * estimator.samples() + 4;
  }

  /** The values as they are stored, in order. */
  public Map<String, String> values() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("eps", Double.toString(eps));
    m.put("estimator", estimator.spec());
    m.put("optimizer", optimizer);
    m.put("conservative", Boolean.toString(conservative));
    m.put("runSeed", Long.toString(runSeed));
    m.put("params", params);
    if (version() > 1) {
      m.put("perturbation", perturbation.spec());
      m.put("bf16Rounding", bf16Rounding.spec());
    }
    if (version() > 2) {
      m.put(DIRECTIONS, directions.distribution().spec());
      directions.thresholds().forEach((name, t) -> m.put(MASK_PREFIX + name, Float.toString(t)));
    }
    return m;
  }

  byte[] encode() {
    StringBuilder sb = new StringBuilder();
    values().forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    byte[] payload = sb.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + 4 + payload.length + 4);
    b.put(MAGIC).putInt(version()).putInt(payload.length).put(payload);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** Parses the payload text; {@code file} is for error messages. */
  static StepLogHeader decodePayload(Path file, String payload) throws StepLogCorruptedException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : payload.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new StepLogCorruptedException(file, "header line '" + line + "' is not key=value");
      }
      m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    try {
      return new StepLogHeader(
          Double.parseDouble(required(file, m, "eps")),
          Estimator.parse(required(file, m, "estimator")),
          required(file, m, "optimizer"),
          parseBoolean(file, required(file, m, "conservative")),
          Long.parseLong(required(file, m, "runSeed")),
          required(file, m, "params"),
          m.containsKey("perturbation")
              ? PerturbationMode.parse(m.get("perturbation"))
              : PerturbationMode.IN_PLACE,
          m.containsKey("bf16Rounding")
              ? Bf16Rounding.parse(m.get("bf16Rounding"))
              : Bf16Rounding.NEAREST,
          directions(m));
    } catch (IllegalArgumentException e) {
      throw new StepLogCorruptedException(file, "bad header value: " + e.getMessage());
    }
  }

  /** The directions of the header values {@code m}: dense Gaussian where the keys are absent. */
  private static Directions directions(Map<String, String> m) {
    Directions d =
        m.containsKey(DIRECTIONS)
            ? Directions.of(Directions.Distribution.parse(m.get(DIRECTIONS)))
            : Directions.gaussian();
    Map<String, Float> thresholds = new LinkedHashMap<>();
    m.forEach(
        (key, value) -> {
          if (key.startsWith(MASK_PREFIX)) {
            String name = key.substring(MASK_PREFIX.length());
            try {
              thresholds.put(name, Float.parseFloat(value));
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException(
                  "mask threshold of '%s' is '%s', not a number".formatted(name, value), e);
            }
          }
        });
    return thresholds.isEmpty() ? d : d.withMask(thresholds);
  }

  private static String required(Path file, Map<String, String> m, String key)
      throws StepLogCorruptedException {
    String v = m.get(key);
    if (v == null) {
      throw new StepLogCorruptedException(file, "header lacks the key '" + key + "'");
    }
    return v;
  }

  private static boolean parseBoolean(Path file, String v) throws StepLogCorruptedException {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new StepLogCorruptedException(
              file, "header key 'conservative' must be true or false, got '" + v + "'");
    };
  }
}
