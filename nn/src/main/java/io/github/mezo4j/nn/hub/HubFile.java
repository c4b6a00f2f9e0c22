package io.github.mezo4j.nn.hub;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One file of a repository as the cache now holds it.
 *
 * @param name the file's path inside the repository
 * @param commit the commit the revision resolved to
 * @param path the file in {@code snapshots/<commit>/}, or empty when the repository has no such
 *     file at that commit
 */
public record HubFile(String name, String commit, Optional<Path> path) {}
