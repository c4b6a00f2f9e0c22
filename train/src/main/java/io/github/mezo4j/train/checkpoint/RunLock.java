package io.github.mezo4j.train.checkpoint;

import io.github.mezo4j.core.text.Printable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per run folder: {@value #FILE} names the process that writes the folder (pid, host,
 * start time) and an operating-system lock on it excludes a second one. The kernel drops that lock
 * when its owner dies, kill -9 included, so a lock file that still names a process nobody locks is
 * stale: the next run takes it over and says whose it was. A second writer while the owner lives
 * fails at once with a message naming it. The file is emptied, not deleted, at the end.
 */
public final class RunLock implements AutoCloseable {
  /** The lock file's name in a run folder. */
  public static final String FILE = "run.lock";

  // folders this JVM holds: a second lock attempt on them must not even open the file, because on
  // POSIX closing any descriptor of a file drops every lock the process holds on it
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of the run folder {@code dir} (created if needed).
   *
   * @param notes where taking over a stale lock is reported
   * @throws IllegalStateException if a live process (this one included) holds it
   */
  public static RunLock acquire(Path dir, PrintStream notes) throws IOException {
    Files.createDirectories(dir);
    Path real = dir.toRealPath();
    Path file = real.resolve(FILE);
    if (!HELD.add(real)) {
      throw busy(dir, file, "this process");
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        String owner = contents(ch);
        throw busy(dir, file, owner.isBlank() ? "another process" : owner);
      }
      String previous = contents(ch);
      if (!previous.isBlank()) {
        notes.println(
            "mezo4j: %s was locked by %s, which no longer runs (stopped or killed):"
                    .formatted(Printable.escape(dir.toString()), previous)
                + " taking the run folder over");
      }
      ch.truncate(0);
      ByteBuffer b = ByteBuffer.wrap((owner() + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b, b.position());
      }
      ch.force(true);
      return new RunLock(real, ch, lock);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      HELD.remove(real);
      throw e;
    }
  }

  /**
   * Empties the lock file and releases the lock. The file stays (empty): deleting it would let a
   * process that opened it just before hold a lock on a file no longer there while a third locks a
   * new one.
   */
  @Override
  public void close() throws IOException {
    try {
      channel.truncate(0);
      channel.force(true);
    } finally {
      try {
        lock.release();
        channel.close();
      } finally {
        HELD.remove(dir);
      }
    }
  }

  /** "process 1234 on host h (started 2025-...)": this process as the lock file names it. */
  static String owner() {
    ProcessHandle me = ProcessHandle.current();
    String started = me.info().startInstant().map(Instant::toString).orElse("at an unknown time");
    return "process %d on host %s (started %s)".formatted(me.pid(), host(), started);
  }

  // the kernel's name first: InetAddress.getLocalHost may wait on a name lookup
  private static String host() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException | RuntimeException e) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException again) {
        return Objects.requireNonNullElse(System.getenv("COMPUTERNAME"), "unknown");
      }
    }
  }

  private static IllegalStateException busy(Path dir, Path file, String owner) {
    return new IllegalStateException(
        ("%s is being written by %s: one run folder takes one writer at a time. Wait for it to"
                + " end or stop it; if no such process runs, delete %s")
            .formatted(
                Printable.escape(dir.toString()),
                Printable.escape(owner),
                Printable.escape(file.toString())));
  }

  private static String contents(FileChannel ch) throws IOException {
    long size = Math.min(ch.size(), 4096);
    ByteBuffer b = ByteBuffer.allocate((int) size);
    while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
      // read on
    }
    return Printable.escape(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip());
  }
}
