package io.github.mezo4j.core.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends records to a step log (format: {@link StepLog}, {@link StepLogHeader}). The file is
 * append-only: a record is never rewritten. Each record goes to the OS in one write, so a crash of
 * the JVM alone loses nothing; {@link FsyncPolicy} says when records are forced to the device, and
 * so what a power loss or OS crash can lose: with {@link FsyncPolicy#ON_CLOSE} any suffix of the
 * records written since the last fsync (at create, at {@link #openForAppend} when it cut a tail,
 * and at close), with {@link FsyncPolicy#EVERY_RECORD} at most the record being written. {@link
 * StepLog#read} drops such a lost tail and {@link #openForAppend} cuts it off.
 */
public final class StepLogWriter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StepLogWriter.class.getName());

  private final Path path;
  private final StepLogHeader header;
  private final FsyncPolicy fsync;
  private final FileChannel channel;
  private long records;

  private StepLogWriter(
      Path path, StepLogHeader header, FsyncPolicy fsync, FileChannel channel, long records) {
    this.path = path;
    this.header = header;
    this.fsync = fsync;
    this.channel = channel;
    this.records = records;
  }

  /**
   * Creates a new log holding just {@code header} (forced to the device).
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code path} exists: resume it instead
   */
  public static StepLogWriter create(Path path, StepLogHeader header, FsyncPolicy fsync)
      throws IOException {
    FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      writeFully(ch, header.encode());
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new StepLogWriter(path, header, fsync, ch, 0);
  }

  /**
   * Reopens a log that was {@linkplain StepLog#read read} to continue it. The lost tail the read
   * dropped (records a crash left incomplete, zero-filled or garbage) is cut off the file first,
   * with a warning, and the cut is forced to the device, so the next record follows the last intact
   * one.
   *
   * @throws IOException if the file changed since it was read
   */
  public static StepLogWriter openForAppend(StepLog log, FsyncPolicy fsync) throws IOException {
    Path path = log.path();
    FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
    try {
      long expected = log.validBytes() + log.droppedBytes();
      if (ch.size() != expected) {
        throw new IOException(
            "step log %s changed since it was read (%d bytes, expected %d)"
                .formatted(path, ch.size(), expected));
      }
      if (log.droppedBytes() > 0) {
        long lost = log.droppedRecords();
        LOG.log(
            System.Logger.Level.WARNING,
            "step log %s: cutting off %d record%s lost in a crash (%d bytes from byte offset %d)"
                    .formatted(
                        path, lost, lost == 1 ? "" : "s", log.droppedBytes(), log.validBytes())
                + " before appending");
        ch.truncate(log.validBytes());
        ch.force(true);
      }
      ch.position(log.validBytes());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new StepLogWriter(path, log.header(), fsync, ch, log.records().size());
  }

  /** The log file. */
  public Path path() {
    return path;
  }

  /** The header written at the start of the file. */
  public StepLogHeader header() {
    return header;
  }

  /** Records in the file; the next record must hold this step. */
  public long recordCount() {
    return records;
  }

  /**
   * Appends one record.
   *
   * @throws IllegalArgumentException if the record's step is not {@link #recordCount()} or its
   *     sample count does not match the header's estimator
   */
  public void append(StepRecord record) throws IOException {
    if (record.step() != records) {
      throw new IllegalArgumentException(
          "step log %s: next record must hold step %d, got step %d"
              .formatted(path, records, record.step()));
    }
    if (record.seeds().length != header.estimator().samples()) {
      throw new IllegalArgumentException(
          "step log %s: records hold %d samples (%s), got %d"
              .formatted(
                  path,
                  header.estimator().samples(),
                  header.estimator().spec(),
                  record.seeds().length));
    }
    try {
      writeFully(channel, StepLog.encode(record, header.recordSize()));
      if (fsync == FsyncPolicy.EVERY_RECORD) {
        channel.force(false);
      }
    } catch (IOException e) {
      // a full disk says "No space left on device" without a file; a cut record is dropped on
      // reading, so the log stays usable up to the step before
      throw new IOException(
          "step log %s: cannot append step %d (%s)".formatted(path, records, e.getMessage()), e);
    }
    records++;
  }

  /** Forces everything to the device and closes the file. */
  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      try {
        channel.force(true);
      } finally {
        channel.close();
      }
    }
  }

  private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
