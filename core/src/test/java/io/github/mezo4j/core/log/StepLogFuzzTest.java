package io.github.mezo4j.core.log;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Fuzz target for {@link StepLog#read}: any bytes either read or fail with {@link
 * StepLogCorruptedException} naming the file. The first input byte picks the mode: odd makes the
 * checksums of the rest valid first, so the fuzzer reaches the header payload and the record
 * decoding (a hostile file can carry correct checksums too); even keeps the bytes as they are.
 */
class StepLogFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("steplog");

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    byte[] bytes = (input[0] & 1) != 0 ? fixChecksums(rest) : rest;
    Path file = ParserContract.write(DIR, "steps.mezolog", bytes);
    ParserContract.parseOrReject(
        file.toString(),
        () -> {
          StepLog log = StepLog.read(file);
          assertTrue(log.records().size() <= bytes.length / log.header().recordSize());
          return log;
        },
        StepLogCorruptedException.class);
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
      rs = StepLogHeader.decodePayload(DIR, payload).recordSize();
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
}
