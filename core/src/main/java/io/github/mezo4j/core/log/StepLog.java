package io.github.mezo4j.core.log;

import io.github.mezo4j.core.method.ConservativeChoice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A step log as read from disk: the {@link StepLogHeader} and every intact {@link StepRecord}.
 *
 * <p>The file is a header followed by fixed-size records, one per step, in step order (record i
 * holds step i). Record layout (big-endian, {@link StepLogHeader#recordSize()} bytes):
 *
 * <pre>
 *   step int64 | flags int32 | n x (seed int64, projected gradient f64) | CRC32 int32 of the rest
 *   flags: bit 0 = skipped; bits 1-2 = conservative choice (0 none, 1 descent, 2 ascent, 3 reject)
 * </pre>
 *
 * <p>Damage is never misread. A crash costs records at the end of the file (which ones depends on
 * the {@link FsyncPolicy}): they are missing, cut short, or full of zeros or stale bytes, and fail
 * their CRC32. So a trailing run of records that fail their CRC or are incomplete, with no intact
 * record after them, is the lost tail: it is dropped with a warning naming the count and byte
 * offset (System.Logger {@code io.github.mezo4j.core.log.StepLog}), and {@link
 * StepLogWriter#openForAppend} cuts it off so a resumed run computes those steps again. A bad
 * record with an intact record after it, an unexpected step number or flag, or a bad header is a
 * {@link StepLogCorruptedException} naming the file and record.
 */
public final class StepLog {
  private static final System.Logger LOG = System.getLogger(StepLog.class.getName());
  private static final int READ_BLOCK_RECORDS = 4096;

  private final Path path;
  private final StepLogHeader header;
  private final List<StepRecord> records;
  private final long headerBytes;
  private final long droppedBytes;

  private StepLog(
      Path path,
      StepLogHeader header,
      List<StepRecord> records,
      long headerBytes,
      long droppedBytes) {
    this.path = path;
    this.header = header;
    this.records = records;
    this.headerBytes = headerBytes;
    this.droppedBytes = droppedBytes;
  }

  /** The file this log was read from. */
  public Path path() {
    return path;
  }

  /** The configuration every step was run with. */
  public StepLogHeader header() {
    return header;
  }

  /** The intact records, record i holding step i. */
  public List<StepRecord> records() {
    return records;
  }

  /** Length of the intact prefix of the file: header plus intact records. */
  public long validBytes() {
    return headerBytes + (long) records.size() * header.recordSize();
  }

  /** Bytes of the lost tail that were dropped (0 if none); they follow {@link #validBytes()}. */
  public long droppedBytes() {
    return droppedBytes;
  }

  /** Records dropped as the lost tail, a partial last one included (0 if none). */
  public long droppedRecords() {
    int rs = header.recordSize();
    return (droppedBytes + rs - 1) / rs;
  }

  /**
   * Reads and checks a whole step log.
   *
   * @throws StepLogCorruptedException for a bad header, or a damaged record that an intact record
   *     follows
   * @throws IOException if the file cannot be read
   */
  public static StepLog read(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer fixed = readFully(ch, 0, 16, path, "header");
      byte[] magic = new byte[8];
      fixed.get(magic);
      if (!Arrays.equals(magic, StepLogHeader.MAGIC)) {
        throw new StepLogCorruptedException(path, "not a mezo4j step log (bad magic number)");
      }
      int version = fixed.getInt();
      if (version < StepLogHeader.OLDEST_VERSION || version > StepLogHeader.VERSION) {
        throw new StepLogCorruptedException(
            path,
            "format version %d; this build reads versions %d to %d"
                .formatted(version, StepLogHeader.OLDEST_VERSION, StepLogHeader.VERSION));
      }
      int payloadLength = fixed.getInt();
      if (payloadLength < 0 || payloadLength > StepLogHeader.MAX_PAYLOAD) {
        throw new StepLogCorruptedException(
            path, "header payload length " + payloadLength + " is out of range");
      }
      long headerBytes = 16L + payloadLength + 4;
      if (size < headerBytes) {
        throw new StepLogCorruptedException(
            path,
            "header is incomplete: file has %d bytes, header needs %d"
                .formatted(size, headerBytes));
      }
      ByteBuffer payloadAndCrc = readFully(ch, 16, payloadLength + 4, path, "header");
      byte[] payload = new byte[payloadLength];
      payloadAndCrc.get(payload);
      CRC32 crc = new CRC32();
      crc.update(fixed.array(), 0, 16);
      crc.update(payload);
      if ((int) crc.getValue() != payloadAndCrc.getInt()) {
        throw new StepLogCorruptedException(path, "header fails its CRC32 check");
      }
      StepLogHeader header =
          StepLogHeader.decodePayload(path, new String(payload, StandardCharsets.UTF_8));

      int rs = header.recordSize();
      long body = size - headerBytes;
      long full = body / rs;
      long partial = body % rs;
      if (full > Integer.MAX_VALUE - 8) {
        throw new StepLogCorruptedException(path, "too many records: " + full);
      }
      List<StepRecord> records = new ArrayList<>((int) full);
      long firstBad = -1; // start of the current run of bad records
      for (long first = 0; first < full; first += READ_BLOCK_RECORDS) {
        int count = (int) Math.min(READ_BLOCK_RECORDS, full - first);
        ByteBuffer block = readFully(ch, headerBytes + first * rs, count * rs, path, "records");
        for (int j = 0; j < count; j++) {
          long index = first + j;
          StepRecord r = decode(block, rs, header.estimator().samples(), path, index);
          if (r == null) {
            if (firstBad < 0) {
              firstBad = index;
            }
            continue;
          }
          if (firstBad >= 0) {
            // a crash loses a suffix; a bad record with an intact one after it is damage
            long at = headerBytes + firstBad * rs;
            throw new StepLogCorruptedException(
                path,
                ("record %d (bytes %d..%d) fails its CRC32 check, but intact record %d follows"
                        + " it, so it is damage, not a tail lost in a crash; the %d records before"
                        + " it are intact (truncating the file to %d bytes keeps just them)")
                    .formatted(firstBad, at, at + rs - 1, index, firstBad, at));
          }
          records.add(r);
        }
      }
      long dropped = partial + (firstBad < 0 ? 0 : (full - firstBad) * rs);
      if (dropped > 0) {
        long lost = (dropped + rs - 1) / rs;
        LOG.log(
            System.Logger.Level.WARNING,
            ("step log %s: dropped %d record%s at the end (%d bytes from byte offset %d),"
                    + " incomplete or failing the CRC32 check: steps a crash lost before they"
                    + " reached the disk; a resumed run computes them again")
                .formatted(
                    path,
                    lost,
                    lost == 1 ? "" : "s",
                    dropped,
                    headerBytes + (long) records.size() * rs));
      }
      return new StepLog(path, header, Collections.unmodifiableList(records), headerBytes, dropped);
    }
  }

  /** The record at the buffer's position, or null if its CRC fails; advances by {@code rs}. */
  private static StepRecord decode(ByteBuffer b, int rs, int n, Path path, long index)
      throws StepLogCorruptedException {
    int start = b.position();
    CRC32 crc = new CRC32();
    crc.update(b.array(), b.arrayOffset() + start, rs - 4);
    long step = b.getLong();
    int flags = b.getInt();
    long[] seeds = new long[n];
    double[] grads = new double[n];
    for (int k = 0; k < n; k++) {
      seeds[k] = b.getLong();
      grads[k] = Double.longBitsToDouble(b.getLong());
    }
    int stored = b.getInt();
    if ((int) crc.getValue() != stored) {
      return null;
    }
    // an intact checksum proves only that the bytes were written so, not that they make sense
    if (step != index) {
      throw new StepLogCorruptedException(
          path, "record %d holds step %d; expected step %d".formatted(index, step, index));
    }
    int choiceIndex = flags >>> 1;
    if ((flags & ~0b111) != 0
        || choiceIndex >= ConservativeChoice.values().length
        || ((flags & 1) != 0 && choiceIndex != 0)) {
      throw new StepLogCorruptedException(
          path, "record %d has unknown flags 0x%x".formatted(index, flags));
    }
    ConservativeChoice choice = ConservativeChoice.values()[choiceIndex];
    return new StepRecord(step, seeds, grads, (flags & 1) != 0, choice);
  }

  /** The bytes of {@code r}, ready to append. */
  static byte[] encode(StepRecord r, int recordSize) {
    ByteBuffer b = ByteBuffer.allocate(recordSize);
    int flags = (r.skipped() ? 1 : 0) | (r.choice().ordinal() << 1);
    b.putLong(r.step()).putInt(flags);
    long[] seeds = r.seeds();
    double[] grads = r.grads();
    for (int k = 0; k < seeds.length; k++) {
      b.putLong(seeds[k]).putLong(Double.doubleToRawLongBits(grads[k]));
    }
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, recordSize - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  private static ByteBuffer readFully(FileChannel ch, long at, int len, Path path, String what)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      int n = ch.read(b, at + b.position());
      if (n < 0) {
        throw new StepLogCorruptedException(
            path, "%s is incomplete: file ends at byte %d".formatted(what, at + b.position()));
      }
    }
    return b.flip();
  }
}
