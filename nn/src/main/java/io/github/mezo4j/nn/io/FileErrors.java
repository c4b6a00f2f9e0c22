package io.github.mezo4j.nn.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failed file operation in words: the file and what the file system refused, never the Java
 * exception's class (an {@link AccessDeniedException}'s own message is only the path).
 */
public final class FileErrors {
  private FileErrors() {}

  /** "PATH: permission denied", "PATH: reason" or the exception's own message. */
  public static String describe(Exception e) {
    if (e instanceof FileSystemException f) {
      if (f.getReason() != null) {
        return f.getMessage(); // "FILE: reason" or "FILE -> OTHER: reason"
      }
      String what =
          switch (f) {
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "already exists";
            case NotDirectoryException x -> "not a folder";
            case DirectoryNotEmptyException x -> "folder not empty";
            default -> "cannot access";
          };
      return f.getFile() + ": " + what;
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "input/output error" : m;
  }
}
