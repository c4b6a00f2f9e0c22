package io.github.mezo4j.core.log;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;

/**
 * Fuzz targets for {@link StepLog#read}: any bytes either read or fail with {@link
 * StepLogCorruptedException}, never another exception, error or hang. Run in regression mode over
 * the committed inputs in every build; {@code JAZZER_FUZZ=1} fuzzes (see docs/fuzzing.md).
 */
class StepLogFuzzTest {
  private static final Path FILE = scratchFile();

  /** Far above any legitimate read of a fuzz input; a slower one is a hang. */
  private static final Duration HANG = Duration.ofSeconds(10);

  /** The bytes as they come: a fuzzer rarely gets past the CRC32 checks this way. */
  @FuzzTest(maxDuration = "2m")
  void raw(byte[] input) throws Exception {
    readOrReject(input);
  }

  /**
   * The bytes with their checksums made valid first, so the fuzzer reaches the header payload and
   * the record decoding: a hostile file can carry correct checksums too.
   */
  @FuzzTest(maxDuration = "2m")
  void withValidChecksums(byte[] input) throws Exception {
    readOrReject(fixChecksums(input));
  }

  private static void readOrReject(byte[] bytes) throws Exception {
    Files.write(FILE, bytes);
    try {
      StepLog log = withinDeadline(() -> StepLog.read(FILE));
      assertTrue(log.records().size() <= bytes.length / log.header().recordSize());
    } catch (StepLogCorruptedException e) {
      assertTrue(e.getMessage().contains(FILE.toString()), e.getMessage());
    }
  }

  /** Runs {@code parse}, rethrowing what it throws, and fails it if it hangs. */
  private static <T> T withinDeadline(Callable<T> parse) throws Exception {
    return assertTimeoutPreemptively(HANG, parse::call);
  }

  private static byte[] fixChecksums(byte[] input) {
    byte[] b = input.clone();
    if (b.length < 16) {
      return b;
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    int payloadLength = buf.getInt(12);
    if (payloadLength < 0 || payloadLength > b.length - 20) {
      return b;
    }
    putCrc(b, 0, 16 + payloadLength);
    String payload = new String(b, 16, payloadLength, StandardCharsets.UTF_8);
    int rs;
    try {
      rs = StepLogHeader.decodePayload(FILE, payload).recordSize();
    } catch (StepLogCorruptedException e) {
      return b;
    }
    for (int at = 16 + payloadLength + 4; at + rs <= b.length; at += rs) {
      putCrc(b, at, rs - 4);
    }
    return b;
  }

  /** Stores the CRC32 of {@code b[from, from + length)} right after that range. */
  private static void putCrc(byte[] b, int from, int length) {
    CRC32 crc = new CRC32();
    crc.update(b, from, length);
    ByteBuffer.wrap(b).putInt(from + length, (int) crc.getValue());
  }

  private static Path scratchFile() {
    try {
      Path dir = Files.createTempDirectory("mezo4j-fuzz");
      dir.toFile().deleteOnExit();
      Path file = dir.resolve("steps.mezolog");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
