package io.github.mezo4j.nn.hub;

import java.net.URI;

/**
 * What the hub's {@code HEAD .../resolve/<revision>/<file>} says about a file.
 *
 * @param commit {@code X-Repo-Commit}: the commit the revision points at
 * @param etag {@code X-Linked-Etag} (LFS: the content's sha256) or else {@code ETag} (the git blob
 *     sha1), without quotes or the weak-validator prefix
 * @param size {@code X-Linked-Size} or else {@code Content-Length}
 * @param location where to GET the content: the CDN URL of a redirect, or the resolve URL itself
 */
record FileMetadata(String commit, String etag, long size, URI location) {}
