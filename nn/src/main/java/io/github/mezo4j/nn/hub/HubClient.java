package io.github.mezo4j.nn.hub;

import io.github.mezo4j.core.text.Printable;
import io.github.mezo4j.nn.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads single files of Hugging Face hub repositories into the shared {@link HubCache}, the way
 * huggingface_hub's {@code hf_hub_download} does:
 *
 * <ol>
 *   <li>{@code HEAD {endpoint}/{repo}/resolve/{revision}/{file}} gives the commit ({@code
 *       X-Repo-Commit}), the content's ETag ({@code X-Linked-Etag}, else {@code ETag}) and size
 *       ({@code X-Linked-Size}, else {@code Content-Length}); relative redirects (renamed
 *       repositories) are followed, an absolute one (large files live on a CDN) is where the
 *       content is fetched from;
 *   <li>the revision's ref is recorded, and a blob already in the cache is only linked into the
 *       commit's snapshot;
 *   <li>otherwise the content is fetched into {@code blobs/<etag>.incomplete}, resumed with a
 *       {@code Range} request when a previous attempt left part of it (transfers that break are
 *       retried a few times, each resuming), checked against the announced size and checksum
 *       (deleted if wrong), then renamed into place and linked.
 * </ol>
 *
 * A file requested at a commit hash that the cache already holds costs no request, and neither does
 * anything while offline ({@code HF_HUB_OFFLINE}) or when the hub cannot be reached: then the
 * revision's ref decides which cached snapshot answers. The token goes only to the hub's own host,
 * never to the CDN a redirect points at.
 *
 * <p>Concurrent downloads of one blob by several mezo4j processes wait on a lock file in {@code
 * .locks/}, where huggingface_hub keeps its own; the two libraries' lock kinds do not exclude each
 * other, but a blob garbled by two writers fails its checksum and is fetched again.
 */
public final class HubClient {
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** How long a download may go without a byte before it counts as broken off. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The largest file size a hub may announce: the hub's own limit per file is 50 GB, so a larger
   * announcement is a broken or hostile server, not a model.
   */
  static final long MAX_ANNOUNCED_BYTES = 128L << 30;

  // closes the body of a download that stalls (the HTTP client's timeouts end at the headers)
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "mezo4j-download-watchdog");
            t.setDaemon(true);
            return t;
          });
  private static final String USER_AGENT = "mezo4j/0.1 java/" + Runtime.version().feature();

  // one connection pool for the JVM: the client holds no per-hub state (tokens go per request)
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(CONNECT_TIMEOUT)
          .build();

  private final HubSettings settings;
  private final HubCache cache;
  private final DownloadListener listener;
  private final Duration readTimeout;

  /** A client for {@code settings}, with its cache in {@code settings.cacheDir()}. */
  public HubClient(HubSettings settings) {
    this(settings, DownloadListener.NONE);
  }

  /** A client for {@code settings} that tells {@code listener} when each transfer starts. */
  public HubClient(HubSettings settings, DownloadListener listener) {
    this(settings, listener, READ_TIMEOUT);
  }

  /** A client whose downloads break off after {@code readTimeout} without a byte (tests). */
  HubClient(HubSettings settings, DownloadListener listener, Duration readTimeout) {
    this.settings = settings;
    this.cache = new HubCache(settings.cacheDir());
    this.listener = listener;
    this.readTimeout = readTimeout;
  }

  /** The settings this client uses. */
  public HubSettings settings() {
    return settings;
  }

  /** The cache this client fills. */
  public HubCache cache() {
    return cache;
  }

  /**
   * Makes {@code file} of {@code repo} available in the cache and says where it is, or that the
   * repository has no such file at that revision.
   *
   * @throws HubException when the hub refuses (401/403: a token is needed; 404: no such repository
   *     or revision), cannot be reached and the cache lacks the file, or sends content that fails
   *     the size or checksum check
   */
  public HubFile download(HubRepo repo, String file) throws IOException {
    HubCache.checkFile(file);
    if (repo.isCommit() || settings.offline()) {
      Optional<HubFile> cached = fromCache(repo, file);
      if (cached.isPresent()) {
        return cached.get();
      }
      if (settings.offline()) {
        throw unreachable(repo, file, "HF_HUB_OFFLINE is set", null);
      }
    }
    FileMetadata meta;
    try {
      meta = metadata(repo, file);
    } catch (HubException | InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      Optional<HubFile> cached = fromCache(repo, file);
      if (cached.isPresent()) {
        return cached.get();
      }
      throw unreachable(repo, file, describe(e), e);
    } catch (MissingFile missing) {
      if (missing.commit != null) {
        cache.writeRef(repo, missing.commit);
        cache.markMissing(repo, missing.commit, file);
        return new HubFile(file, missing.commit, Optional.empty());
      }
      throw new HubException(
          Reason.NOT_FOUND,
          "%s has no file %s (the hub answered 404 for %s)"
              .formatted(repo, file, resolveUrl(repo, file)));
    }
    cache.writeRef(repo, meta.commit());
    Path pointer = cache.snapshotFile(repo, meta.commit(), file);
    if (Files.exists(pointer)) {
      return new HubFile(file, meta.commit(), Optional.of(pointer));
    }
    Path blob = cache.blob(repo, meta.etag());
    if (!Files.isRegularFile(blob)) {
      fetchBlob(repo, file, meta);
    }
    return new HubFile(
        file, meta.commit(), Optional.of(cache.link(repo, meta.commit(), file, meta.etag())));
  }

  /** The cached answer for a file: through the revision's ref to its snapshot or no-exist mark. */
  Optional<HubFile> fromCache(HubRepo repo, String file) throws IOException {
    Optional<String> commit = cache.commitOf(repo);
    if (commit.isEmpty()) {
      return Optional.empty();
    }
    Path pointer = cache.snapshotFile(repo, commit.get(), file);
    if (Files.isRegularFile(pointer)) {
      return Optional.of(new HubFile(file, commit.get(), Optional.of(pointer)));
    }
    if (cache.knownMissing(repo, commit.get(), file)) {
      return Optional.of(new HubFile(file, commit.get(), Optional.empty()));
    }
    return Optional.empty();
  }

  /** What went wrong with a connection, in words (no Java class names). */
  private static String describe(IOException e) {
    String message = e.getMessage() == null ? "" : Printable.escape(e.getMessage());
    return switch (e) {
      case HttpConnectTimeoutException t ->
          "no connection within %d s (connect timeout)".formatted(CONNECT_TIMEOUT.toSeconds());
      case HttpTimeoutException t -> "no answer in time (timeout)";
      case UnknownHostException u -> "unknown host " + message;
      case ConnectException c -> "connection refused" + (message.isBlank() ? "" : ": " + message);
      default -> message.isBlank() ? "connection failed" : message;
    };
  }

  HubException unreachable(HubRepo repo, String file, String why, Throwable cause) {
    return new HubException(
        Reason.UNREACHABLE,
        "cannot reach %s (%s); no cached copy of %s in %s (%s is missing)"
            .formatted(settings.endpoint(), why, repo, cache.root(), file),
        cause);
  }

  /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}, the revision quoted as one segment. */
  URI resolveUrl(HubRepo repo, String file) {
    StringBuilder path = new StringBuilder();
    for (String part : file.split("/")) {
      path.append('/').append(encode(part));
    }
    return URI.create(
        settings.endpoint() + "/" + repo.id() + "/resolve/" + encode(repo.revision()) + path);
  }

  // percent-encodes one path segment ('/' included, as huggingface_hub quotes revisions)
  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Thrown inside this class for a 404 on a file whose repository and revision exist. */
  private static final class MissingFile extends Exception {
    private static final long serialVersionUID = 1L;
    private final String commit;

    MissingFile(String commit) {
      super(null, null, false, false);
      this.commit = commit;
    }
  }

  private FileMetadata metadata(HubRepo repo, String file) throws IOException, MissingFile {
    URI url = resolveUrl(repo, file);
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest request =
          request(url)
              .method("HEAD", HttpRequest.BodyPublishers.noBody())
              .timeout(METADATA_TIMEOUT)
              .build();
      HttpResponse<Void> response = send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        URI target = redirectTarget(repo, file, url, location.get());
        // a relative redirect stays on the hub (a renamed repository): ask again there
        if (!URI.create(location.get()).isAbsolute() && !location.get().startsWith("//")) {
          url = target;
          continue;
        }
        return parseMetadata(repo, file, response, target);
      }
      if (status >= 200 && status < 300) {
        FileMetadata meta = parseMetadata(repo, file, response, url);
        // fetch the content at the commit, not the branch, which may move in between
        String atRevision = "/resolve/" + encode(repo.revision()) + "/";
        String atCommit = "/resolve/" + meta.commit() + "/";
        return new FileMetadata(
            meta.commit(),
            meta.etag(),
            meta.size(),
            URI.create(url.toString().replace(atRevision, atCommit)));
      }
      if (status == 404 && "EntryNotFound".equals(errorCode(response))) {
        throw new MissingFile(
            response
                .headers()
                .firstValue("X-Repo-Commit")
                .filter(HubRepo::isCommitHash)
                .orElse(null));
      }
      throw httpError(repo, file, url, response);
    }
    throw new HubException(
        Reason.PROTOCOL, "%s: more than %d redirects for %s".formatted(repo, MAX_REDIRECTS, file));
  }

  private FileMetadata parseMetadata(
      HubRepo repo, String file, HttpResponse<?> response, URI location) throws HubException {
    var headers = response.headers();
    String commit = headers.firstValue("X-Repo-Commit").orElse(null);
    String etag =
        headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag")).orElse(null);
    OptionalLong size =
        headers.firstValueAsLong("X-Linked-Size").isPresent()
            ? headers.firstValueAsLong("X-Linked-Size")
            : headers.firstValueAsLong("Content-Length");
    if (commit == null || !HubRepo.isCommitHash(commit)) {
      throw protocol(repo, file, "no commit hash in X-Repo-Commit (got " + commit + ")");
    }
    if (etag == null) {
      throw protocol(repo, file, "no ETag or X-Linked-Etag header");
    }
    if (size.isEmpty() || size.getAsLong() < 0) {
      throw protocol(repo, file, "no size in X-Linked-Size or Content-Length");
    }
    if (size.getAsLong() > MAX_ANNOUNCED_BYTES) {
      throw protocol(
          repo,
          file,
          "it announces %d bytes, more than the %d GiB a file may have"
              .formatted(size.getAsLong(), MAX_ANNOUNCED_BYTES >> 30));
    }
    String normalized = normalizeEtag(etag);
    try {
      HubCache.checkEtag(normalized);
    } catch (IllegalArgumentException e) {
      throw protocol(repo, file, e.getMessage());
    }
    return new FileMetadata(commit, normalized, size.getAsLong(), location);
  }

  /** Drops the weak-validator prefix and the quotes, as huggingface_hub does. */
  static String normalizeEtag(String etag) {
    String s = etag.strip();
    if (s.startsWith("W/")) {
      s = s.substring(2);
    }
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1);
    }
    return s;
  }

  private HubException protocol(HubRepo repo, String file, String what) {
    return new HubException(
        Reason.PROTOCOL,
        "%s: the hub's answer for %s is unusable: %s (is %s a Hugging Face hub endpoint?)"
            .formatted(repo, file, what, settings.endpoint()));
  }

  private static String errorCode(HttpResponse<?> response) {
    return response.headers().firstValue("X-Error-Code").orElse("");
  }

  private HubException httpError(HubRepo repo, String file, URI url, HttpResponse<?> response) {
    int status = response.statusCode();
    String code = errorCode(response);
    String hubMessage =
        response.headers().firstValue("X-Error-Message").map(m -> " (hub: " + m + ")").orElse("");
    String tokenHint =
        settings.token().isPresent()
            ? "the token in HF_TOKEN does not give access to it"
            : "set HF_TOKEN to a token of an account that has access";
    if (code.equals("GatedRepo")) {
      return new HubException(
          Reason.UNAUTHORIZED,
          "%s is a gated repository: accept its terms on the hub, and %s%s"
              .formatted(repo.id(), tokenHint, hubMessage));
    }
    if (code.equals("RepoNotFound") || (status == 401 && code.isEmpty())) {
      return new HubException(
          status == 404 ? Reason.NOT_FOUND : Reason.UNAUTHORIZED,
          "repository %s not found at %s, or it is private or gated (if so, %s)%s"
              .formatted(repo.id(), settings.endpoint(), tokenHint, hubMessage));
    }
    if (code.equals("RevisionNotFound")) {
      return new HubException(
          Reason.NOT_FOUND,
          "repository %s has no revision '%s' (a branch, tag or commit hash)%s"
              .formatted(repo.id(), repo.revision(), hubMessage));
    }
    if (status == 401 || status == 403) {
      return new HubException(
          Reason.UNAUTHORIZED,
          "%s: HTTP %d for %s: access denied; %s%s"
              .formatted(repo, status, file, tokenHint, hubMessage));
    }
    if (status == 404) {
      return new HubException(
          Reason.NOT_FOUND,
          "%s: HTTP 404 for %s: the repository, revision or file does not exist%s"
              .formatted(repo, url, hubMessage));
    }
    return new HubException(
        Reason.PROTOCOL, "%s: HTTP %d for %s%s".formatted(repo, status, url, hubMessage));
  }

  private HttpRequest.Builder request(URI url) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(url)
            .header("User-Agent", USER_AGENT)
            // sizes and checksums are of the stored bytes, so no transfer compression
            .header("Accept-Encoding", "identity");
    if (settings.token().isPresent() && sameHost(url, settings.endpoint())) {
      builder.header("Authorization", "Bearer " + settings.token().get());
    }
    return builder;
  }

  private static boolean sameHost(URI a, URI b) {
    return a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort()
        && a.getScheme().equalsIgnoreCase(b.getScheme());
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    try {
      return HTTP.send(request, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while requesting " + request.uri());
    }
  }

  private void fetchBlob(HubRepo repo, String file, FileMetadata meta) throws IOException {
    Path blob = cache.blob(repo, meta.etag());
    Path part = cache.incomplete(repo, meta.etag());
    Path lockFile = cache.lock(repo, meta.etag());
    Files.createDirectories(lockFile.getParent());
    Files.createDirectories(blob.getParent());
    // another process may be fetching the same blob: wait for it, then reuse its result
    try (FileChannel lockChannel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      lockChannel.lock(); // released when the channel closes

      if (Files.isRegularFile(blob)) {
        return;
      }
      IOException last = null;
      for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (have > meta.size()) {
          Files.delete(part);
          have = 0;
        }
        if (have == meta.size() && Files.exists(part)) {
          break;
        }
        checkFreeSpace(repo, file, part, meta.size() - have);
        try {
          listener.starting(repo, file, meta.size(), have);
          transfer(repo, file, meta, part, have);
          last = null;
          break;
        } catch (HubException | InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          last = e; // a broken transfer: the next attempt resumes from what arrived
        }
      }
      if (last != null) {
        long have = Files.exists(part) ? Files.size(part) : 0;
        throw new HubException(
            Reason.UNREACHABLE,
            "%s: download of %s from %s broke off after %d of %d bytes (%s); run again to resume from %s"
                .formatted(repo, file, meta.location(), have, meta.size(), describe(last), part),
            last);
      }
      verify(repo, file, meta, part);
      Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private void transfer(HubRepo repo, String file, FileMetadata meta, Path part, long have)
      throws IOException {
    URI url = meta.location();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder builder = request(url).GET();
      if (have > 0) {
        builder.header("Range", "bytes=" + have + "-");
      }
      HttpResponse<InputStream> response =
          send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        response.body().close();
        url = redirectTarget(repo, file, url, location.get());
        continue;
      }
      try (InputStream body = response.body()) {
        if (status == 206) {
          String range = response.headers().firstValue("Content-Range").orElse("");
          if (!range.toLowerCase(Locale.ROOT).startsWith("bytes " + have + "-")) {
            throw protocol(repo, file, "asked for bytes " + have + "-, got range '" + range + "'");
          }
          write(repo, file, url, body, part, true, meta.size() - have, meta.size());
        } else if (status == 200) {
          // the server ignored the range: start over
          write(repo, file, url, body, part, false, meta.size(), meta.size());
        } else if (status == 416) {
          Files.deleteIfExists(part); // the partial file is stale: the next attempt starts over
          throw new IOException("HTTP 416 for a resumed download");
        } else if (sameHost(url, settings.endpoint())) {
          throw httpError(repo, file, url, response);
        } else {
          throw cdnError(repo, file, url, status);
        }
      }
      return;
    }
    throw new HubException(
        Reason.PROTOCOL, "%s: more than %d redirects for %s".formatted(repo, MAX_REDIRECTS, file));
  }

  private HubException cdnError(HubRepo repo, String file, URI url, int status) {
    return new HubException(
        Reason.PROTOCOL,
        "%s: the download link the hub gave for %s was refused (HTTP %d from %s); run again for a fresh link"
            .formatted(repo, file, status, url.getHost()));
  }

  /** Where a redirect leads: an http(s) URL, never from https down to http. */
  URI redirectTarget(HubRepo repo, String file, URI from, String location) throws HubException {
    URI target;
    try {
      target = from.resolve(location);
      if (target.getHost() == null
          || !("http".equalsIgnoreCase(target.getScheme())
              || "https".equalsIgnoreCase(target.getScheme()))) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw protocol(
          repo,
          file,
          "unusable redirect to '" + Printable.escape(location) + "': " + e.getMessage());
    }
    if ("https".equalsIgnoreCase(from.getScheme())
        && !"https".equalsIgnoreCase(target.getScheme())) {
      throw protocol(
          repo,
          file,
          "a redirect from https to plain http (%s) is refused: the content could be changed on the way"
              .formatted(Printable.escape(target.getHost())));
    }
    return target;
  }

  /** Refuses a download the cache's disk cannot hold, before any byte of it arrives. */
  private static void checkFreeSpace(HubRepo repo, String file, Path part, long bytes)
      throws IOException {
    long free = Files.getFileStore(part.getParent()).getUsableSpace();
    if (bytes > free) {
      throw new IOException(
          "%s: %s needs %d more bytes but %s has only %d free"
              .formatted(repo, file, bytes, part.getParent(), free));
    }
  }

  /**
   * Writes the body into {@code part}: at most {@code limit} bytes (what the hub announced, less
   * what {@code part} holds when appending). The first byte beyond them stops the transfer and
   * deletes {@code part}; {@link #readTimeout} without a byte breaks it off (the caller retries,
   * resuming).
   */
  private void write(
      HubRepo repo,
      String file,
      URI url,
      InputStream body,
      Path part,
      boolean append,
      long limit,
      long announced)
      throws IOException {
    AtomicLong lastByte = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    long period = Math.max(1, readTimeout.toMillis() / 4);
    ScheduledFuture<?> watch =
        WATCHDOG.scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - lastByte.get() > readTimeout.toNanos()) {
                stalled.set(true);
                try {
                  body.close(); // wakes the blocked read
                } catch (IOException ignored) {
                  // the read fails either way
                }
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
    long written = 0;
    boolean tooLong = false;
    try (FileChannel out =
        FileChannel.open(
            part,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = body.read(buffer)) >= 0; ) {
        lastByte.set(System.nanoTime());
        if (n > limit - written) {
          tooLong = true;
          break;
        }
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        written += n;
      }
      if (!tooLong) {
        out.force(true);
      }
    } catch (IOException e) {
      if (stalled.get()) {
        throw new IOException(
            "no data from %s for %d s (read timeout)"
                .formatted(Printable.escape(url.getHost()), readTimeout.toSeconds()),
            e);
      }
      throw e;
    } finally {
      watch.cancel(false);
    }
    if (tooLong) {
      Files.deleteIfExists(part);
      throw new HubException(
          Reason.CORRUPT,
          "%s: %s: %s sent more than the %d bytes the hub announced; stopped at the first extra byte and deleted the partial file, run again"
              .formatted(repo, file, Printable.escape(url.getHost()), announced));
    }
  }

  private static void verify(HubRepo repo, String file, FileMetadata meta, Path part)
      throws IOException {
    long size = Files.size(part);
    if (size != meta.size()) {
      Files.delete(part);
      throw new HubException(
          Reason.CORRUPT,
          "%s: %s arrived with %d bytes but the hub announced %d; the partial file was deleted, run again"
              .formatted(repo, file, size, meta.size()));
    }
    Optional<String> digest = ContentCheck.digestFor(meta.etag(), part);
    if (digest.isPresent() && !digest.get().equalsIgnoreCase(meta.etag())) {
      Files.delete(part);
      throw new HubException(
          Reason.CORRUPT,
          "%s: %s failed its checksum: expected %s, got %s; the download was deleted, run again"
              .formatted(repo, file, meta.etag(), digest.get()));
    }
  }
}
