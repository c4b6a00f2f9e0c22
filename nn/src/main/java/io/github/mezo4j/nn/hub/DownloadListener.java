package io.github.mezo4j.nn.hub;

/** Hears when a {@link HubClient} starts transferring a file, so a command can show progress. */
@FunctionalInterface
public interface DownloadListener {
  /** Ignores everything. */
  DownloadListener NONE = (repo, file, size, from) -> {};

  /**
   * A transfer of {@code file} begins.
   *
   * @param size the file's size in bytes, as the hub announced it
   * @param from the byte it resumes at: 0 for a fresh download, more when a partial file is resumed
   */
  void starting(HubRepo repo, String file, long size, long from);
}
