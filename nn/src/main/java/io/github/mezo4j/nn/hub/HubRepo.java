package io.github.mezo4j.nn.hub;

import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face hub at one revision: {@code ORG/NAME} (or a legacy {@code
 * NAME} without an organisation) and a branch, tag or commit hash ({@code main} when none is
 * given).
 *
 * @param id the repository id, {@code ORG/NAME}
 * @param revision a branch, tag or 40-hex commit hash
 */
public record HubRepo(String id, String revision) {
  /** The revision used when none is given, as in huggingface_hub. */
  public static final String DEFAULT_REVISION = "main";

  // the hub's own rule for repo ids: word characters, '.', '-', at most one '/'
  private static final Pattern ID = Pattern.compile("[\\w.-]{1,96}(/[\\w.-]{1,96})?");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  /** Checks the id and revision; both must be safe to use in a URL path and a cache path. */
  public HubRepo {
    if (id == null || !ID.matcher(id).matches() || id.contains("..") || id.startsWith(".")) {
      throw new IllegalArgumentException(
          "hub repository '%s': expected ORG/NAME (letters, digits, '_', '.', '-')".formatted(id));
    }
    if (revision == null
        || revision.isEmpty()
        || revision.startsWith("/")
        || revision.endsWith("/")
        || revision.contains("..")
        || revision.contains("//")
        || revision.contains("\\")
        || revision.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
      throw new IllegalArgumentException(
          "hub repository %s: revision '%s' is not a branch, tag or commit hash"
              .formatted(id, revision));
    }
  }

  /** Parses {@code ORG/NAME} or {@code ORG/NAME@REVISION}. */
  public static HubRepo parse(String spec) {
    int at = spec.indexOf('@');
    return at < 0
        ? new HubRepo(spec, DEFAULT_REVISION)
        : new HubRepo(spec.substring(0, at), spec.substring(at + 1));
  }

  /** Whether the revision is a full commit hash, which never moves (so the cache alone answers). */
  public boolean isCommit() {
    return isCommitHash(revision);
  }

  /** This repository at another revision (a resolved commit, typically). */
  public HubRepo at(String otherRevision) {
    return new HubRepo(id, otherRevision);
  }

  static boolean isCommitHash(String s) {
    return COMMIT.matcher(s).matches();
  }

  @Override
  public String toString() {
    return id + "@" + revision;
  }
}
