package io.github.mezo4j.nn.hub;

import io.github.mezo4j.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub cache on disk, in the layout huggingface_hub reads and writes, so that files
 * either library downloaded serve both:
 *
 * <pre>
 * &lt;cache&gt;/models--ORG--NAME/
 *   refs/&lt;revision&gt;                       the commit hash the revision last resolved to (no newline)
 *   blobs/&lt;etag&gt;                          file contents, named by the hub's ETag (sha256 for LFS files,
 *                                         the git blob sha1 otherwise)
 *   blobs/&lt;etag&gt;.incomplete               a download in progress, resumed from its length
 *   snapshots/&lt;commit&gt;/&lt;file&gt;             a relative symlink to ../../blobs/&lt;etag&gt;
 *   .no_exist/&lt;commit&gt;/&lt;file&gt;             an empty file: the hub said the file does not exist
 * &lt;cache&gt;/.locks/models--ORG--NAME/&lt;etag&gt;.lock
 * </pre>
 *
 * Where symbolic links cannot be made (Windows without developer mode), the blob is copied into the
 * snapshot instead, as huggingface_hub does.
 */
public final class HubCache {
  // an etag becomes a file name: allow only what the hub's hex hashes and quoted tokens use
  private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9_+=-]{1,128}");

  private final Path root;

  /** The cache rooted at {@code root} (it need not exist yet). */
  public HubCache(Path root) {
    this.root = root.toAbsolutePath();
  }

  /** The cache folder. */
  public Path root() {
    return root;
  }

  /** The folder of one repository: {@code models--ORG--NAME}. */
  public Path repoFolder(HubRepo repo) {
    return root.resolve("models--" + repo.id().replace("/", "--"));
  }

  /** The commit the repository's revision resolves to in this cache, if known. */
  public Optional<String> commitOf(HubRepo repo) throws IOException {
    if (repo.isCommit()) {
      return Optional.of(repo.revision());
    }
    Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
    return HubRepo.isCommitHash(commit) ? Optional.of(commit) : Optional.empty();
  }

  /** Records that {@code repo}'s revision resolved to {@code commit} (huggingface_hub's refs). */
  public void writeRef(HubRepo repo, String commit) throws IOException {
    if (repo.isCommit() || repo.revision().equals(commit)) {
      return;
    }
    Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
    if (commitOf(repo).filter(commit::equals).isPresent()) {
      return;
    }
    // huggingface_hub reads the whole file as the hash: no trailing newline
    AtomicFiles.write(ref, commit.getBytes(StandardCharsets.US_ASCII));
  }

  /** Where a file of a commit appears: {@code snapshots/<commit>/<file>}. */
  public Path snapshotFile(HubRepo repo, String commit, String file) {
    return snapshotFolder(repo, commit).resolve(checkFile(file));
  }

  /** The folder holding a commit's files. */
  public Path snapshotFolder(HubRepo repo, String commit) {
    return repoFolder(repo).resolve("snapshots").resolve(checkCommit(commit));
  }

  /** The content of a file whose ETag is {@code etag}. */
  public Path blob(HubRepo repo, String etag) {
    return repoFolder(repo).resolve("blobs").resolve(checkEtag(etag));
  }

  /** The partial download of a blob. */
  public Path incomplete(HubRepo repo, String etag) {
    return repoFolder(repo).resolve("blobs").resolve(checkEtag(etag) + ".incomplete");
  }

  /** The lock file guarding a blob's download. */
  public Path lock(HubRepo repo, String etag) {
    return root.resolve(".locks")
        .resolve(repoFolder(repo).getFileName())
        .resolve(checkEtag(etag) + ".lock");
  }

  /** Whether the hub said {@code file} does not exist at {@code commit}. */
  public boolean knownMissing(HubRepo repo, String commit, String file) {
    return Files.isRegularFile(noExist(repo, commit, file));
  }

  /** Records that {@code file} does not exist at {@code commit}. */
  public void markMissing(HubRepo repo, String commit, String file) throws IOException {
    Path marker = noExist(repo, commit, file);
    Files.createDirectories(marker.getParent());
    if (!Files.exists(marker)) {
      Files.createFile(marker);
    }
  }

  private Path noExist(HubRepo repo, String commit, String file) {
    return repoFolder(repo)
        .resolve(".no_exist")
        .resolve(checkCommit(commit))
        .resolve(checkFile(file));
  }

  /**
   * Makes {@code snapshots/<commit>/<file>} point at the blob: a relative symlink, so the cache can
   * be moved as a whole, or a copy where links are not allowed.
   */
  public Path link(HubRepo repo, String commit, String file, String etag) throws IOException {
    Path pointer = snapshotFile(repo, commit, file);
    Path blob = blob(repo, etag);
    Files.createDirectories(pointer.getParent());
    Path temp = pointer.resolveSibling("." + pointer.getFileName() + ".link");
    Files.deleteIfExists(temp);
    try {
      Files.createSymbolicLink(temp, pointer.getParent().relativize(blob));
    } catch (UnsupportedOperationException | FileSystemException e) {
      Files.copy(blob, temp, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.move(temp, pointer, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return pointer;
  }

  static String checkCommit(String commit) {
    if (!HubRepo.isCommitHash(commit)) {
      throw new IllegalArgumentException(
          "'%s' is not a 40-hex-digit commit hash".formatted(commit));
    }
    return commit;
  }

  /**
   * Checks a file name from the hub (or from an index file) stays inside its snapshot folder: a
   * relative '/'-separated path without empty, '.' or '..' parts.
   */
  static String checkFile(String file) {
    boolean ok = !file.isEmpty() && !file.startsWith("/") && !file.contains("\\");
    for (String part : file.split("/", -1)) {
      ok &= !part.isEmpty() && !part.equals(".") && !part.equals("..") && !part.contains(":");
    }
    if (!ok || file.chars().anyMatch(c -> c < 0x20)) {
      throw new IllegalArgumentException(
          "hub file name '%s': expected a relative path inside the repository".formatted(file));
    }
    return file;
  }

  static String checkEtag(String etag) {
    if (!SAFE_ETAG.matcher(etag).matches()) {
      throw new IllegalArgumentException(
          "ETag '%s' cannot name a cache file (expected letters, digits, '-', '_', '+', '=')"
              .formatted(etag));
    }
    return etag;
  }
}
