package io.github.mezo4j.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.ConservativeChoice;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The step log format: round trip, lost tails dropped, corruption reported, never misread. */
class StepLogTest {
  @TempDir Path dir;

  static final StepLogHeader HEADER =
      new StepLogHeader(
          1e-3,
          Estimator.nSpsa(3),
          "scaleByLearningRate(constant(1.0E-6))",
          false,
          42,
          "2:1030:deadbeef");

  static StepRecord record(long step) {
    boolean skipped = step % 4 == 3;
    long[] seeds = {step * 31 + 1, -step, Long.MAX_VALUE - step};
    double[] grads = {skipped ? Double.NaN : step * 0.5, -1e-300, Double.MIN_VALUE};
    ConservativeChoice c =
        skipped ? ConservativeChoice.NONE : ConservativeChoice.values()[(int) (step % 4)];
    return new StepRecord(step, seeds, grads, skipped, c);
  }

  Path write(String name, int records) throws IOException {
    Path p = dir.resolve(name);
    try (StepLogWriter w = StepLogWriter.create(p, HEADER, FsyncPolicy.EVERY_RECORD)) {
      for (int i = 0; i < records; i++) {
        w.append(record(i));
      }
    }
    return p;
  }

  static long headerBytes(Path p) throws IOException {
    return Files.size(p) - (long) StepLog.read(p).records().size() * HEADER.recordSize();
  }

  static void flipByte(Path p, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x10));
      ch.write(b.rewind(), at);
    }
  }

  static List<String> captureWarnings(Class<?> source, IORunnable body) throws IOException {
    List<String> out = new ArrayList<>();
    Logger jul = Logger.getLogger(source.getName());
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            out.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.addHandler(h);
    try {
      body.run();
    } finally {
      jul.removeHandler(h);
    }
    return out;
  }

  interface IORunnable {
    void run() throws IOException;
  }

  @Test
  void theOriginalBehaviourIsStillWrittenAsVersion1AndTheModesAsVersion2() throws IOException {
    byte[] v1 = HEADER.encode();
    assertEquals(1, ByteBuffer.wrap(v1, 8, 4).getInt(), "in place + nearest: version 1");
    String payload = new String(v1, 16, v1.length - 20, java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(
        "eps=0.001\nestimator=twoSided(3)\noptimizer=scaleByLearningRate(constant(1.0E-6))\n"
            + "conservative=false\nrunSeed=42\nparams=2:1030:deadbeef\n",
        payload,
        "the version 1 payload has exactly the original keys");

    StepLogHeader virtual =
        new StepLogHeader(
            HEADER.eps(),
            HEADER.estimator(),
            HEADER.optimizer(),
            false,
            42,
            HEADER.params(),
            PerturbationMode.VIRTUAL,
            Bf16Rounding.STOCHASTIC);
    Path p = dir.resolve("v2.steplog");
    try (StepLogWriter w = StepLogWriter.create(p, virtual, FsyncPolicy.ON_CLOSE)) {
      w.append(record(0));
    }
    assertEquals(2, ByteBuffer.wrap(Files.readAllBytes(p), 8, 4).getInt());
    StepLog log = StepLog.read(p);
    assertEquals(virtual, log.header());
    assertEquals("virtual", log.header().values().get("perturbation"));
    assertEquals("stochastic", log.header().values().get("bf16Rounding"));
    assertEquals(List.of(record(0)), log.records());
    assertEquals(
        Directions.gaussian(), log.header().directions(), "a log without the key is Gaussian");
    assertEquals(Directions.gaussian(), StepLog.read(write("v1.steplog", 1)).header().directions());
  }

  @Test
  void directionsAndMaskThresholdsAreVersion3AndReadBackBitForBit() throws IOException {
    float odd = Math.nextUp(0.1f); // a value whose shortest decimal must still read back exactly
    Directions directions =
        Directions.of(Directions.Distribution.RADEMACHER)
            .withMask(java.util.Map.of("layer.0.weight", odd, "layer.1.weight", 3.0e-7f));
    StepLogHeader h =
        new StepLogHeader(
            HEADER.eps(),
            HEADER.estimator(),
            HEADER.optimizer(),
            false,
            42,
            HEADER.params(),
            PerturbationMode.VIRTUAL,
            Bf16Rounding.NEAREST,
            directions);
    Path p = dir.resolve("v3.steplog");
    try (StepLogWriter w = StepLogWriter.create(p, h, FsyncPolicy.ON_CLOSE)) {
      w.append(record(0));
    }
    assertEquals(3, ByteBuffer.wrap(Files.readAllBytes(p), 8, 4).getInt());
    StepLogHeader read = StepLog.read(p).header();
    assertEquals(h, read);
    assertEquals(
        Float.floatToRawIntBits(odd),
        Float.floatToRawIntBits(read.directions().thresholds().get("layer.0.weight")));
    assertEquals("rademacher", read.values().get("directions"));
  }

  @Test
  void roundTripKeepsEveryBit() throws IOException {
    Path p = write("ok.steplog", 9);
    StepLog log = StepLog.read(p);
    assertEquals(HEADER, log.header());
    assertEquals(9, log.records().size());
    for (int i = 0; i < 9; i++) {
      assertEquals(record(i), log.records().get(i));
    }
    assertEquals(0, log.droppedBytes());
    assertEquals(Files.size(p), log.validBytes());
    assertEquals(8 + 4 + 3 * 16 + 4, HEADER.recordSize());
  }

  @Test
  void tornLastRecordIsDroppedWithAWarningAndAppendingContinuesAfterIt() throws IOException {
    Path p = write("torn.steplog", 5);
    long size = Files.size(p);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.truncate(size - 7); // the crash tore record 4
    }
    StepLog[] read = new StepLog[1];
    List<String> warnings = captureWarnings(StepLog.class, () -> read[0] = StepLog.read(p));
    assertEquals(4, read[0].records().size());
    assertEquals(HEADER.recordSize() - 7, read[0].droppedBytes());
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains(p.toString()), warnings.get(0));
    assertTrue(warnings.get(0).contains("dropped 1 record "), warnings.get(0));

    try (StepLogWriter w = StepLogWriter.openForAppend(read[0], FsyncPolicy.ON_CLOSE)) {
      assertEquals(4, w.recordCount());
      w.append(record(4));
      w.append(record(5));
    }
    StepLog again = StepLog.read(p);
    assertEquals(6, again.records().size());
    assertEquals(record(5), again.records().get(5));
    assertEquals(0, again.droppedBytes());
  }

  @Test
  void lastFullRecordWithABadChecksumCountsAsTorn() throws IOException {
    Path p = write("lastbad.steplog", 5);
    flipByte(p, Files.size(p) - 10);
    StepLog log = StepLog.read(p);
    assertEquals(4, log.records().size());
    assertEquals(HEADER.recordSize(), log.droppedBytes());
  }

  @Test
  void corruptedRecordInTheMiddleIsAnErrorNamingFileAndRecord() throws IOException {
    Path p = write("middle.steplog", 6);
    long at = headerBytes(p) + 2L * HEADER.recordSize() + 13;
    flipByte(p, at);
    var e = assertThrows(StepLogCorruptedException.class, () -> StepLog.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("record 2 "), e.getMessage());
    assertTrue(e.getMessage().contains("CRC32"), e.getMessage());
  }

  @Test
  void badLastRecordFollowedByATornTailIsDroppedWithIt() throws IOException {
    Path p = write("twobad.steplog", 5);
    long size = Files.size(p);
    flipByte(p, size - 10);
    Files.write(p, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    StepLog log = StepLog.read(p);
    assertEquals(4, log.records().size());
    assertEquals(HEADER.recordSize() + 3, log.droppedBytes());
    assertEquals(2, log.droppedRecords());
  }

  static void appendBytes(Path p, byte[] bytes) throws IOException {
    Files.write(p, bytes, StandardOpenOption.APPEND);
  }

  static byte[] garbage(int length, long seed) {
    byte[] b = new byte[length];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void zeroFilledTailFromAPowerLossIsDroppedAndCutOffBeforeAppending() throws IOException {
    // ON_CLOSE: the file length reached the disk, the data blocks of the last records did not
    Path p = write("zeros.steplog", 5);
    long intact = Files.size(p);
    appendBytes(p, new byte[2 * HEADER.recordSize()]);
    StepLog[] read = new StepLog[1];
    List<String> warnings = captureWarnings(StepLog.class, () -> read[0] = StepLog.read(p));
    assertEquals(5, read[0].records().size());
    for (int i = 0; i < 5; i++) {
      assertEquals(record(i), read[0].records().get(i));
    }
    assertEquals(2L * HEADER.recordSize(), read[0].droppedBytes());
    assertEquals(2, read[0].droppedRecords());
    assertEquals(intact, read[0].validBytes());
    assertEquals(1, warnings.size(), warnings.toString());
    String w = warnings.get(0);
    assertTrue(w.contains(p.toString()), w);
    assertTrue(w.contains("dropped 2 records"), w);
    assertTrue(w.contains("byte offset " + intact), w);

    List<String> cut =
        captureWarnings(
            StepLogWriter.class,
            () -> {
              try (StepLogWriter wr = StepLogWriter.openForAppend(read[0], FsyncPolicy.ON_CLOSE)) {
                assertEquals(5, wr.recordCount());
                wr.append(record(5));
                wr.append(record(6));
              }
            });
    assertEquals(1, cut.size(), cut.toString());
    assertTrue(cut.get(0).contains("2 records"), cut.get(0));
    StepLog again = StepLog.read(p);
    assertEquals(7, again.records().size());
    assertEquals(record(6), again.records().get(6));
    assertEquals(0, again.droppedBytes());
    assertEquals(intact + 2L * HEADER.recordSize(), Files.size(p));
  }

  @Test
  void lostTailOfGarbageRecordsAndAPartialOneIsDropped() throws IOException {
    Path p = write("garbage.steplog", 5);
    int rs = HEADER.recordSize();
    long start = headerBytes(p) + 3L * rs;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(garbage(2 * rs + 10, 7)), start); // records 3, 4 and a partial 5
    }
    StepLog log = StepLog.read(p);
    assertEquals(3, log.records().size());
    assertEquals(start, log.validBytes());
    assertEquals(2L * rs + 10, log.droppedBytes());
    assertEquals(3, log.droppedRecords());
  }

  @Test
  void everyRecordLostLeavesTheHeader() throws IOException {
    Path p = write("allgone.steplog", 0);
    long header = Files.size(p);
    appendBytes(p, new byte[3 * HEADER.recordSize() + 1]);
    StepLog log = StepLog.read(p);
    assertEquals(0, log.records().size());
    assertEquals(4, log.droppedRecords());
    assertEquals(header, log.validBytes());
  }

  @Test
  void badRecordsFollowedByAnIntactRecordAreAnErrorNamingTheFirstBadOne() throws IOException {
    int rs = HEADER.recordSize();
    Path p = write("hole.steplog", 5);
    appendBytes(p, garbage(rs, 11));
    appendBytes(p, StepLog.encode(record(6), rs));
    var e = assertThrows(StepLogCorruptedException.class, () -> StepLog.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("record 5 "), e.getMessage());
    assertTrue(e.getMessage().contains("intact record 6"), e.getMessage());

    Path q = write("zerohole.steplog", 5);
    appendBytes(q, new byte[2 * rs]);
    appendBytes(q, StepLog.encode(record(7), rs));
    appendBytes(q, new byte[rs]); // a lost tail after it does not make it one
    var z = assertThrows(StepLogCorruptedException.class, () -> StepLog.read(q));
    assertTrue(z.getMessage().contains("record 5 "), z.getMessage());
    assertTrue(z.getMessage().contains("intact record 7"), z.getMessage());
  }

  @Test
  void damagedHeaderIsAnError() throws IOException {
    Path p = write("header.steplog", 2);
    flipByte(p, 20); // inside the payload
    var e = assertThrows(StepLogCorruptedException.class, () -> StepLog.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("header fails its CRC32"), e.getMessage());

    Path q = write("magic.steplog", 2);
    flipByte(q, 0);
    assertTrue(
        assertThrows(StepLogCorruptedException.class, () -> StepLog.read(q))
            .getMessage()
            .contains("not a mezo4j step log"));

    Path r = dir.resolve("short.steplog");
    Files.write(r, java.util.Arrays.copyOf(HEADER.encode(), 30));
    assertTrue(
        assertThrows(StepLogCorruptedException.class, () -> StepLog.read(r))
            .getMessage()
            .contains("header is incomplete"));
  }

  @Test
  void recordsOutOfOrderOrWithUnknownFlagsAreErrorsEvenWithGoodChecksums() throws IOException {
    Path p = dir.resolve("order.steplog");
    int rs = HEADER.recordSize();
    byte[] header = HEADER.encode();
    Files.write(p, header);
    Files.write(p, StepLog.encode(record(0), rs), StandardOpenOption.APPEND);
    Files.write(p, StepLog.encode(record(1), rs), StandardOpenOption.APPEND);
    Files.write(p, StepLog.encode(record(3), rs), StandardOpenOption.APPEND);
    Files.write(p, StepLog.encode(record(4), rs), StandardOpenOption.APPEND);
    var e = assertThrows(StepLogCorruptedException.class, () -> StepLog.read(p));
    assertTrue(e.getMessage().contains("record 2 holds step 3"), e.getMessage());

    // flags 0b1000 with a recomputed, valid CRC
    Path q = dir.resolve("flags.steplog");
    byte[] rec = StepLog.encode(record(0), rs);
    rec[11] = 0b1000;
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(rec, 0, rs - 4);
    ByteBuffer.wrap(rec).putInt(rs - 4, (int) crc.getValue());
    Files.write(q, header);
    Files.write(q, rec, StandardOpenOption.APPEND);
    Files.write(q, StepLog.encode(record(1), rs), StandardOpenOption.APPEND);
    assertTrue(
        assertThrows(StepLogCorruptedException.class, () -> StepLog.read(q))
            .getMessage()
            .contains("record 0 has unknown flags"));
  }

  @Test
  void writerGuardsItsInvariants() throws IOException {
    Path p = write("guard.steplog", 2);
    assertThrows(
        FileAlreadyExistsException.class,
        () -> StepLogWriter.create(p, HEADER, FsyncPolicy.ON_CLOSE));
    try (StepLogWriter w = StepLogWriter.openForAppend(StepLog.read(p), FsyncPolicy.ON_CLOSE)) {
      var e = assertThrows(IllegalArgumentException.class, () -> w.append(record(5)));
      assertTrue(e.getMessage().contains("must hold step 2"), e.getMessage());
      var n =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  w.append(
                      new StepRecord(
                          2, new long[] {1}, new double[] {0}, false, ConservativeChoice.NONE)));
      assertTrue(n.getMessage().contains("3 samples"), n.getMessage());
    }
    StepLog stale = StepLog.read(p);
    Files.write(p, StepLog.encode(record(2), HEADER.recordSize()), StandardOpenOption.APPEND);
    assertThrows(IOException.class, () -> StepLogWriter.openForAppend(stale, FsyncPolicy.ON_CLOSE));
  }
}
