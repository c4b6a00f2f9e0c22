package io.github.mezo4j.nn.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * The checksum an ETag promises: an LFS file's ETag is the SHA-256 of its content (64 hex digits),
 * a plain git file's is its git blob id, SHA-1 over {@code "blob <size>\0"} and the content (40 hex
 * digits). Other ETags carry no checksum and only the size is checked.
 */
final class ContentCheck {
  private ContentCheck() {}

  /** The digest of {@code file} in the form its ETag uses, or empty if the ETag is no checksum. */
  static Optional<String> digestFor(String etag, Path file) throws IOException {
    String lower = etag.toLowerCase(Locale.ROOT);
    if (lower.matches("[0-9a-f]{64}")) {
      return Optional.of(hash("SHA-256", null, file));
    }
    if (lower.matches("[0-9a-f]{40}")) {
      byte[] header = ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII);
      return Optional.of(hash("SHA-1", header, file));
    }
    return Optional.empty();
  }

  private static String hash(String algorithm, byte[] prefix, Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides " + algorithm, e);
    }
    if (prefix != null) {
      digest.update(prefix);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
