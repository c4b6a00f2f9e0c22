package io.github.mezo4j.nn.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A Hugging Face hub on 127.0.0.1 for tests, serving the URL layout and headers the real hub uses:
 *
 * <ul>
 *   <li>{@code HEAD|GET /{repo}/resolve/{revision}/{file}}: a plain git file answers 200 with
 *       {@code ETag: "<git blob sha1>"} and its body; an LFS file answers 302 to {@code
 *       /cdn/<sha256>} with {@code X-Linked-Etag: "<sha256>"} and {@code X-Linked-Size}; both carry
 *       {@code X-Repo-Commit}. Errors carry {@code X-Error-Code} (RepoNotFound, RevisionNotFound,
 *       EntryNotFound, GatedRepo) as the hub's do.
 *   <li>{@code GET /cdn/<sha256>} on a second port (another origin, like the hub's CDN): the LFS
 *       content, honouring {@code Range: bytes=N-} with 206.
 * </ul>
 *
 * Faults can be injected: a transfer that breaks off after some bytes, a corrupted body, a size
 * announced wrong, a body without end, a transfer that stalls. Every request is logged.
 */
final class FakeHub implements AutoCloseable {
  /** One logged request. */
  record Request(String method, String path, String range, String authorization) {}

  /** A file of a commit. */
  record Entry(byte[] content, boolean lfs) {
    String etag() {
      return lfs ? sha256(content) : gitBlobSha1(content);
    }
  }

  private static final class Repo {
    final Map<String, String> branches = new HashMap<>();
    final Map<String, Map<String, Entry>> commits = new HashMap<>();
    String token; // a gated repository's accepted token; null: public
    String renamedTo; // answered with a relative redirect, as the hub does for renamed repos
  }

  private final HttpServer server;
  private final HttpServer cdnServer; // another port, so another origin, as the real CDN is
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, byte[]> cdn = new ConcurrentHashMap<>();
  private final List<Request> log = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, int[]> breaks = new ConcurrentHashMap<>(); // sha -> {afterBytes, times}
  private final Map<String, Boolean> corrupt = new ConcurrentHashMap<>();
  private final Map<String, Long> sizeLies = new ConcurrentHashMap<>();
  private final Map<String, Boolean> endless = new ConcurrentHashMap<>();
  private final Map<String, int[]> stalls = new ConcurrentHashMap<>(); // sha -> {afterBytes, times}
  private volatile boolean closed;
  private final Map<String, Integer> cdnRefusals = new ConcurrentHashMap<>();
  private volatile long bodyBytesServed;

  FakeHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    // a thread per exchange: a stalled transfer must not hold up the next request
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    cdnServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cdnServer.createContext("/", this::handle);
    cdnServer.setExecutor(Executors.newCachedThreadPool());
    cdnServer.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Adds a commit holding {@code files} and points {@code branch} at it. */
  void publish(String repoId, String branch, String commit, Map<String, Entry> files) {
    Repo repo = repos.computeIfAbsent(repoId, k -> new Repo());
    repo.commits.put(commit, new LinkedHashMap<>(files));
    repo.branches.put(branch, commit);
    for (Entry e : files.values()) {
      if (e.lfs()) {
        cdn.put(e.etag(), e.content());
      }
    }
  }

  void gate(String repoId, String token) {
    repos.get(repoId).token = token;
  }

  void rename(String oldId, String newId) {
    Repo stub = new Repo();
    stub.renamedTo = newId;
    repos.put(oldId, stub);
  }

  /** The next {@code times} transfers of the LFS file break off after {@code afterBytes}. */
  void breakTransfers(Entry entry, int afterBytes, int times) {
    breaks.put(entry.etag(), new int[] {afterBytes, times});
  }

  /** Serves the LFS file with one byte flipped (its headers unchanged). */
  void corrupt(Entry entry) {
    corrupt.put(entry.etag(), true);
  }

  /** Announces the LFS file's size off by {@code delta} bytes. */
  void lieAboutSize(Entry entry, long delta) {
    sizeLies.put(entry.etag(), delta);
  }

  /** Serves the LFS file and then more bytes without end (chunked, up to 256 MB). */
  void streamEndlessly(Entry entry) {
    endless.put(entry.etag(), true);
  }

  /** The next {@code times} transfers of the LFS file send {@code afterBytes}, then nothing. */
  void stall(Entry entry, int afterBytes, int times) {
    stalls.put(entry.etag(), new int[] {afterBytes, times});
  }

  /** The CDN answers {@code status} for the LFS file, as it does for an expired signed link. */
  void refuseOnCdn(Entry entry, int status) {
    cdnRefusals.put(entry.etag(), status);
  }

  List<Request> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  long bodyBytesServed() {
    return bodyBytesServed;
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    cdnServer.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      log.add(
          new Request(
              ex.getRequestMethod(),
              path,
              ex.getRequestHeaders().getFirst("Range"),
              ex.getRequestHeaders().getFirst("Authorization")));
      if (path.startsWith("/cdn/")) {
        serveCdn(ex, path.substring("/cdn/".length()));
      } else {
        serveResolve(ex, path);
      }
    }
  }

  private void serveResolve(HttpExchange ex, String path) throws IOException {
    int at = path.indexOf("/resolve/");
    if (at < 0) {
      error(ex, 404, null, null, "not a resolve URL");
      return;
    }
    String repoId = path.substring(1, at);
    String rest = path.substring(at + "/resolve/".length());
    int slash = rest.indexOf('/');
    String revision = URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
    String file = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
    Repo repo = repos.get(repoId);
    if (repo == null) {
      error(ex, 404, "RepoNotFound", null, "Repository not found");
      return;
    }
    if (repo.renamedTo != null) {
      ex.getResponseHeaders().set("Location", "/" + repo.renamedTo + "/resolve/" + rest);
      ex.sendResponseHeaders(307, -1);
      return;
    }
    if (repo.token != null) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth == null) {
        error(ex, 401, "GatedRepo", null, "Access to model " + repoId + " is restricted.");
        return;
      }
      if (!auth.equals("Bearer " + repo.token)) {
        error(ex, 403, "GatedRepo", null, "Access to model " + repoId + " is restricted.");
        return;
      }
    }
    String commit = repo.branches.getOrDefault(revision, revision);
    Map<String, Entry> files = repo.commits.get(commit);
    if (files == null) {
      error(ex, 404, "RevisionNotFound", null, "Invalid rev id: " + revision);
      return;
    }
    Entry entry = files.get(file);
    if (entry == null) {
      error(ex, 404, "EntryNotFound", commit, "Entry not found");
      return;
    }
    var h = ex.getResponseHeaders();
    h.set("X-Repo-Commit", commit);
    if (entry.lfs()) {
      h.set("X-Linked-Etag", "\"" + entry.etag() + "\"");
      h.set(
          "X-Linked-Size",
          Long.toString(entry.content().length + sizeLies.getOrDefault(entry.etag(), 0L)));
      h.set("ETag", "\"resolve-redirect-" + entry.content().length + "\"");
      h.set(
          "Location",
          "http://127.0.0.1:"
              + cdnServer.getAddress().getPort()
              + "/cdn/"
              + entry.etag()
              + "?X-Amz-Signature=abc");
      ex.sendResponseHeaders(302, -1);
      return;
    }
    h.set("ETag", "\"" + entry.etag() + "\"");
    body(ex, 200, entry.content(), 0, entry.content().length, false);
  }

  private void serveCdn(HttpExchange ex, String sha) throws IOException {
    byte[] content = cdn.get(sha);
    if (content == null) {
      error(ex, 404, null, null, "no such object");
      return;
    }
    Integer refusal = cdnRefusals.get(sha);
    if (refusal != null) {
      error(ex, refusal, null, null, "Request has expired");
      return;
    }
    if (Boolean.TRUE.equals(corrupt.get(sha))) {
      content = Arrays.copyOf(content, content.length);
      content[content.length / 2] ^= 1;
    }
    int start = 0;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
      start = Integer.parseInt(range.substring(6, range.length() - 1));
      if (start >= content.length) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
        ex.sendResponseHeaders(416, -1);
        return;
      }
      ex.getResponseHeaders()
          .set(
              "Content-Range",
              "bytes %d-%d/%d".formatted(start, content.length - 1, content.length));
    }
    if (Boolean.TRUE.equals(endless.get(sha)) && ex.getRequestMethod().equals("GET")) {
      ex.sendResponseHeaders(200, 0); // chunked: no length announced
      OutputStream out = ex.getResponseBody();
      for (long sent = 0; sent < 256L << 20 && !closed; sent += content.length) {
        out.write(content); // fails once the client hangs up
        bodyBytesServed += content.length;
      }
      return;
    }
    int[] stall = stalls.get(sha);
    if (stall != null && stall[1] > 0 && ex.getRequestMethod().equals("GET")) {
      stall[1]--;
      ex.sendResponseHeaders(range == null ? 200 : 206, content.length - start);
      OutputStream out = ex.getResponseBody();
      out.write(content, start, Math.min(stall[0], content.length - start));
      out.flush();
      for (int i = 0; i < 200 && !closed; i++) {
        try {
          Thread.sleep(50); // silent, connection open
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      throw new IOException("stalled on purpose");
    }
    int end = content.length;
    int[] brk = breaks.get(sha);
    boolean broken = false;
    if (brk != null && brk[1] > 0 && ex.getRequestMethod().equals("GET")) {
      brk[1]--;
      end = Math.min(end, start + brk[0]);
      broken = true;
    }
    ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
    body(ex, range == null ? 200 : 206, content, start, end, broken, content.length - start);
  }

  private void body(HttpExchange ex, int status, byte[] content, int from, int to, boolean broken)
      throws IOException {
    body(ex, status, content, from, to, broken, to - from);
  }

  private void body(
      HttpExchange ex, int status, byte[] content, int from, int to, boolean broken, long length)
      throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Long.toString(length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, length);
    OutputStream out = ex.getResponseBody();
    out.write(content, from, to - from);
    out.flush();
    bodyBytesServed += to - from;
    if (broken) {
      // announce the full length, send less, drop the connection: a transfer that breaks off
      throw new IOException("transfer broken on purpose");
    }
  }

  private static void error(HttpExchange ex, int status, String code, String commit, String msg)
      throws IOException {
    if (code != null) {
      ex.getResponseHeaders().set("X-Error-Code", code);
    }
    if (commit != null) {
      ex.getResponseHeaders().set("X-Repo-Commit", commit);
    }
    ex.getResponseHeaders().set("X-Error-Message", msg);
    byte[] body = ("{\"error\":\"" + msg + "\"}").getBytes(StandardCharsets.UTF_8);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
  }

  static Entry lfs(byte[] content) {
    return new Entry(content, true);
  }

  static Entry git(String text) {
    return new Entry(text.getBytes(StandardCharsets.UTF_8), false);
  }

  static String sha256(byte[] content) {
    return hex("SHA-256", content, null);
  }

  // git's blob id, written here from git's definition so the client's check is tested against it
  static String gitBlobSha1(byte[] content) {
    return hex(
        "SHA-1", content, ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  private static String hex(String algorithm, byte[] content, byte[] prefix) {
    try {
      MessageDigest d = MessageDigest.getInstance(algorithm);
      if (prefix != null) {
        d.update(prefix);
      }
      return HexFormat.of().formatHex(d.digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
