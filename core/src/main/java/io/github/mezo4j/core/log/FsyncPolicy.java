package io.github.mezo4j.core.log;

/**
 * When the step log forces its bytes to the storage device, and so what a power loss or OS crash
 * can lose. Either way every record is handed to the operating system with one write as soon as its
 * step finishes (no buffering in the JVM), so a crash of the JVM alone loses nothing; the header is
 * always forced when a log is created. Whatever a crash loses, {@link StepLog#read} drops it with a
 * warning and a resumed run computes those steps again.
 */
public enum FsyncPolicy {
  /**
   * fsync only on close (the default). A power loss or OS crash can lose any suffix of the records
   * written since the last fsync (the log's creation, a resume that cut a lost tail, or the last
   * close): the file may end early, or end with any number of records that are torn, zero-filled or
   * garbage (the file's length reached the disk, their data did not). Such a tail is dropped on
   * read. A file system that writes data blocks out of order can, rarely, instead leave a bad
   * record with intact ones after it; that is reported as a {@link StepLogCorruptedException},
   * never guessed around. Choose {@link #EVERY_RECORD} if losing up to a whole run's unsynced steps
   * is too costly.
   */
  ON_CLOSE,
  /**
   * fsync after every record: a crash loses at most the record being written (it is dropped on
   * read); every finished step survives power loss, at the cost of one fsync per step (typically
   * well under the time of two forward passes of a language model).
   */
  EVERY_RECORD
}
