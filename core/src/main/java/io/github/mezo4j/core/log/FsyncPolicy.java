package io.github.mezo4j.core.log;

/**
 * When the step log forces its bytes to the storage device. Either way every record is handed to
 * the operating system with one write as soon as its step finishes (no buffering in the JVM), so a
 * crash of the JVM alone loses nothing; the header is always forced when a log is created.
 */
public enum FsyncPolicy {
  /**
   * fsync only on close (the default). After a power loss or OS crash the last records may be
   * missing, or the last one torn; a torn last record is detected and dropped on open.
   */
  ON_CLOSE,
  /**
   * fsync after every record: a finished step survives power loss, at the cost of one fsync per
   * step (typically well under the time of two forward passes of a language model).
   */
  EVERY_RECORD
}
