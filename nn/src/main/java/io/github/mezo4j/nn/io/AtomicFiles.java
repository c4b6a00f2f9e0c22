package io.github.mezo4j.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * partial file: the content goes to a hidden temporary file in the target's directory, is flushed
 * to disk ({@code fsync}), and is then renamed over the target in one atomic step; the directory is
 * synced afterwards so the rename itself survives a crash.
 */
public final class AtomicFiles {
  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicFiles() {}

  /** Writes a file's content into an open channel. */
  @FunctionalInterface
  public interface Content {
    /** Writes the whole content to {@code channel}, a new empty file; the caller syncs it. */
    void writeTo(FileChannel channel) throws IOException;
  }

  /** A fully written and synced temporary file, waiting to be moved over its target. */
  public record Staged(Path temp, Path target) {}

  /** Writes {@code target} atomically (see the class comment). */
  public static void write(Path target, Content content) throws IOException {
    commit(List.of(stage(target, content)));
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) throws IOException {
    commit(List.of(stage(target, bytes)));
  }

  /**
   * Writes {@code content} to a synced temporary file next to {@code target}; {@link #commit}
   * installs it. Lets several files be written completely before any of them replaces an old one.
   */
  public static Staged stage(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = hiddenSibling(target, ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
        content.writeTo(ch);
        ch.force(true);
      }
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      // a full disk says "No space left on device" without a file: name the one being written
      throw new IOException(
          "cannot write %s (%s); the file as it was before is unchanged"
              .formatted(target, FileErrors.describe(e)),
          e);
    } catch (RuntimeException | Error e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return new Staged(temp, target);
  }

  /** {@link #stage(Path, Content)} for content already in memory. */
  public static Staged stage(Path target, byte[] bytes) throws IOException {
    return stage(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
  }

  /**
   * A fresh hidden name beside {@code target} ({@code .name.<random><suffix>}), not yet created.
   * Callers create it themselves, so it gets the default permissions (0666 or 0777 less the umask)
   * rather than the owner-only mode of {@link Files#createTempFile}: a saved model must be readable
   * by whoever could read the folder.
   */
  public static Path hiddenSibling(Path target, String suffix) {
    String random = Long.toUnsignedString(RANDOM.nextLong(), 36);
    return target
        .toAbsolutePath()
        .resolveSibling("." + target.getFileName() + "." + random + suffix);
  }

  /**
   * Gives {@code temp} the POSIX permissions of {@code target} when it is about to replace it, read
   * from {@code target} itself: when it is a symbolic link (the rename replaces the link, not what
   * it points at) the new file keeps its default permissions rather than the link target's, so a
   * planted link to a world-writable file cannot make the new file world-writable.
   */
  static void keepPermissions(Path target, Path temp) throws IOException {
    if (!Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class)) {
      return;
    }
    PosixFileAttributes own;
    try {
      own = Files.readAttributes(target, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (own.isRegularFile()) {
      Files.setPosixFilePermissions(temp, own.permissions());
    }
  }

  /**
   * Renames every staged file over its target, in list order, then syncs the directories. If a
   * rename fails, the staged files not yet moved are deleted and the error is rethrown.
   */
  public static void commit(List<Staged> staged) throws IOException {
    List<Path> dirs = new ArrayList<>();
    int moved = 0;
    try {
      for (Staged s : staged) {
        try {
          keepPermissions(s.target(), s.temp());
          Files.move(
              s.temp(),
              s.target(),
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException(
              "cannot replace %s atomically: the file system does not support atomic renames"
                  .formatted(s.target()),
              e);
        }
        moved++;
        Path dir = s.target().toAbsolutePath().getParent();
        if (!dirs.contains(dir)) {
          dirs.add(dir);
        }
      }
    } finally {
      for (int i = moved; i < staged.size(); i++) {
        Files.deleteIfExists(staged.get(i).temp());
      }
    }
    for (Path dir : dirs) {
      syncDirectory(dir);
    }
  }

  /** Deletes staged temporaries after a failure (best effort, never throws). */
  public static void discard(List<Staged> staged) {
    for (Staged s : staged) {
      try {
        Files.deleteIfExists(s.temp());
      } catch (IOException ignored) {
        // the original failure matters more than a leftover hidden temp file
      }
    }
  }

  /** Writes all of {@code buffer}: one channel write may take only part of it. */
  public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static void syncDirectory(Path dir) {
    // POSIX needs the directory synced for a rename to be durable; some platforms (Windows)
    // cannot open a directory, and the rename is already atomic there, so failure is ignored
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // durability best effort only; atomicity does not depend on it
    }
  }
}
