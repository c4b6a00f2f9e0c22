package io.github.mezo4j.nn.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.mezo4j.nn.hub.FakeHub.Entry;
import io.github.mezo4j.nn.hub.HubException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {
  static final String REPO = "acme/tiny";
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String CONFIG_TEXT = "{\"model_type\": \"bert\"}\n";

  @TempDir Path cacheDir;
  FakeHub hub;
  Entry config;
  Entry weights;

  @BeforeEach
  void start() throws IOException {
    hub = new FakeHub();
    config = FakeHub.git(CONFIG_TEXT);
    weights = FakeHub.lfs(randomBytes(200_000, 7));
    hub.publish(REPO, "main", COMMIT, Map.of("config.json", config, "model.safetensors", weights));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  HubClient client() {
    return client(Optional.empty());
  }

  HubClient client(Optional<String> token) {
    return new HubClient(new HubSettings(hub.endpoint(), token, false, cacheDir));
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  Path repoDir() {
    return cacheDir.resolve("models--acme--tiny");
  }

  @Test
  void gitBlobIdsFollowGitsDefinition() throws IOException {
    // published values: `printf 'hello\n' | git hash-object --stdin`, and git's empty blob
    Path hello = Files.writeString(cacheDir.resolve("hello"), "hello\n");
    Path empty = Files.write(cacheDir.resolve("empty"), new byte[0]);
    assertEquals(
        Optional.of("ce013625030ba8dba906f756967f9e9ca394464a"),
        ContentCheck.digestFor("ce013625030ba8dba906f756967f9e9ca394464a", hello));
    assertEquals(
        Optional.of("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
        ContentCheck.digestFor("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", empty));
    // sha256("hello\n"), from `sha256sum`
    assertEquals(
        Optional.of("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"),
        ContentCheck.digestFor(
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", hello));
    assertEquals(Optional.empty(), ContentCheck.digestFor("not-a-hash", hello));
  }

  @Test
  void downloadsIntoTheHuggingfaceHubLayout() throws IOException {
    HubClient client = client();
    HubFile c = client.download(HubRepo.parse(REPO), "config.json");
    HubFile w = client.download(HubRepo.parse(REPO), "model.safetensors");

    assertEquals(COMMIT, c.commit());
    // refs/main holds the bare hash, as huggingface_hub writes and reads it
    assertEquals(COMMIT, Files.readString(repoDir().resolve("refs/main")));
    for (var pair :
        List.of(Map.entry("config.json", config), Map.entry("model.safetensors", weights))) {
      Path pointer = repoDir().resolve("snapshots").resolve(COMMIT).resolve(pair.getKey());
      assertTrue(Files.isSymbolicLink(pointer), pointer + " should be a symlink");
      assertEquals(
          Path.of("../../blobs/" + pair.getValue().etag()), Files.readSymbolicLink(pointer));
      assertArrayEquals(pair.getValue().content(), Files.readAllBytes(pointer));
      assertArrayEquals(
          pair.getValue().content(),
          Files.readAllBytes(repoDir().resolve("blobs").resolve(pair.getValue().etag())));
    }
    assertEquals(Optional.of(repoDir().resolve("snapshots/" + COMMIT + "/config.json")), c.path());
    assertEquals(64, weights.etag().length()); // the LFS blob is named by its sha256
    assertEquals(40, config.etag().length()); // the git file by its blob id
    assertTrue(w.path().isPresent());
    try (var blobs = Files.list(repoDir().resolve("blobs"))) {
      assertFalse(blobs.anyMatch(p -> p.toString().endsWith(".incomplete")));
    }
  }

  @Test
  void aCommitAlreadyCachedCostsNoRequest() throws IOException {
    client().download(HubRepo.parse(REPO), "model.safetensors");
    int before = hub.requests().size();
    HubFile again = client().download(HubRepo.parse(REPO + "@" + COMMIT), "model.safetensors");
    assertEquals(before, hub.requests().size());
    assertArrayEquals(weights.content(), Files.readAllBytes(again.path().orElseThrow()));
  }

  @Test
  void aBlobAlreadyPresentIsLinkedNotDownloadedAgain() throws IOException {
    client().download(HubRepo.parse(REPO), "model.safetensors");
    String commit2 = "1111111111111111111111111111111111111111";
    hub.publish(REPO, "main", commit2, Map.of("model.safetensors", weights));
    long served = hub.bodyBytesServed();
    HubFile f = client().download(HubRepo.parse(REPO), "model.safetensors");
    assertEquals(commit2, f.commit());
    assertEquals(served, hub.bodyBytesServed());
    assertEquals(commit2, Files.readString(repoDir().resolve("refs/main")));
    assertArrayEquals(weights.content(), Files.readAllBytes(f.path().orElseThrow()));
  }

  @Test
  void theTokenGoesToTheHubButNotToTheCdn() throws IOException {
    hub.gate(REPO, "hf_secret");
    client(Optional.of("hf_secret")).download(HubRepo.parse(REPO), "model.safetensors");
    List<FakeHub.Request> requests = hub.requests();
    assertTrue(requests.stream().anyMatch(r -> r.path().startsWith("/cdn/")));
    for (FakeHub.Request r : requests) {
      if (r.path().startsWith("/cdn/")) {
        assertNull(r.authorization(), "token sent to the CDN");
      } else {
        assertEquals("Bearer hf_secret", r.authorization());
      }
    }
  }

  @Test
  void aGatedRepositoryWithoutTheRightTokenNamesHfToken() {
    hub.gate(REPO, "hf_secret");
    HubException none =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "config.json"));
    assertEquals(Reason.UNAUTHORIZED, none.reason());
    assertTrue(
        none.getMessage().contains("gated") && none.getMessage().contains("HF_TOKEN"),
        none.getMessage());
    HubException wrong =
        assertThrows(
            HubException.class,
            () -> client(Optional.of("hf_other")).download(HubRepo.parse(REPO), "config.json"));
    assertEquals(Reason.UNAUTHORIZED, wrong.reason());
    assertTrue(wrong.getMessage().contains("HF_TOKEN"), wrong.getMessage());
    assertFalse(Files.exists(repoDir().resolve("refs/main")));
  }

  @Test
  void missingRepositoryRevisionAndFileAreToldApart() throws IOException {
    HubException repo =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse("acme/nope"), "config.json"));
    assertEquals(Reason.NOT_FOUND, repo.reason());
    assertTrue(repo.getMessage().contains("repository acme/nope not found"), repo.getMessage());

    HubException rev =
        assertThrows(
            HubException.class,
            () -> client().download(HubRepo.parse(REPO + "@v9"), "config.json"));
    assertEquals(Reason.NOT_FOUND, rev.reason());
    assertTrue(rev.getMessage().contains("no revision 'v9'"), rev.getMessage());

    // a file the repository lacks is an answer, remembered as huggingface_hub does
    HubFile none = client().download(HubRepo.parse(REPO), "tokenizer.json");
    assertEquals(Optional.empty(), none.path());
    assertTrue(Files.isRegularFile(repoDir().resolve(".no_exist/" + COMMIT + "/tokenizer.json")));
  }

  @Test
  void aBrokenTransferIsResumedWithARangeRequest() throws IOException {
    hub.breakTransfers(weights, 50_000, 2);
    HubFile f = client().download(HubRepo.parse(REPO), "model.safetensors");
    assertArrayEquals(weights.content(), Files.readAllBytes(f.path().orElseThrow()));
    List<String> ranges =
        hub.requests().stream()
            .filter(r -> r.path().startsWith("/cdn/"))
            .map(FakeHub.Request::range)
            .toList();
    // Each cut is resumed from what reached the disk: at most the 50,000 bytes the server sent
    // per attempt (a reset connection may drop the last bytes in flight), and always forward.
    assertEquals(3, ranges.size(), ranges.toString());
    assertNull(ranges.get(0));
    long previous = 0;
    for (int i = 1; i < ranges.size(); i++) {
      String range = ranges.get(i);
      assertTrue(range.matches("bytes=\\d+-"), range);
      long offset = Long.parseLong(range.substring(6, range.length() - 1));
      assertTrue(offset > previous && offset <= 50_000L * i, ranges.toString());
      previous = offset;
    }
    assertTrue(hub.bodyBytesServed() >= weights.content().length);
  }

  @Test
  void aPartialFileLeftByAnEarlierRunIsResumed() throws IOException {
    Path blobs = Files.createDirectories(repoDir().resolve("blobs"));
    Files.write(
        blobs.resolve(weights.etag() + ".incomplete"), Arrays.copyOf(weights.content(), 123_456));
    List<Long> starts = new ArrayList<>();
    HubClient client =
        new HubClient(
            new HubSettings(hub.endpoint(), Optional.empty(), false, cacheDir),
            (repo, file, size, from) -> {
              assertEquals(weights.content().length, size);
              starts.add(from);
            });
    HubFile f = client.download(HubRepo.parse(REPO), "model.safetensors");
    assertEquals(List.of(123_456L), starts);
    assertArrayEquals(weights.content(), Files.readAllBytes(f.path().orElseThrow()));
    assertEquals(weights.content().length - 123_456, hub.bodyBytesServed());
    assertTrue(hub.requests().stream().anyMatch(r -> "bytes=123456-".equals(r.range())));
  }

  @Test
  void aTransferThatKeepsBreakingStopsAndTheNextRunResumes() throws IOException {
    hub.breakTransfers(weights, 10_000, 100);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.UNREACHABLE, e.reason());
    assertTrue(e.getMessage().contains("run again to resume"), e.getMessage());
    Path part = repoDir().resolve("blobs/" + weights.etag() + ".incomplete");
    assertEquals(50_000, Files.size(part)); // five attempts of 10,000 bytes each
    hub.breakTransfers(weights, 0, 0);
    HubFile f = client().download(HubRepo.parse(REPO), "model.safetensors");
    assertArrayEquals(weights.content(), Files.readAllBytes(f.path().orElseThrow()));
    assertFalse(Files.exists(part));
  }

  @Test
  void aCorruptDownloadIsDeletedAndNamed() throws IOException {
    hub.corrupt(weights);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("model.safetensors failed its checksum"), e.getMessage());
    assertTrue(e.getMessage().contains(weights.etag()), e.getMessage());
    try (var blobs = Files.list(repoDir().resolve("blobs"))) {
      assertEquals(List.of(), blobs.toList());
    }
    assertFalse(Files.exists(repoDir().resolve("snapshots/" + COMMIT + "/model.safetensors")));
  }

  @Test
  void aSizeOtherThanAnnouncedIsRefused() {
    hub.lieAboutSize(weights, 1);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(
        e.getMessage().contains("model.safetensors arrived with 200000 bytes"), e.getMessage());
    assertFalse(Files.exists(repoDir().resolve("blobs/" + weights.etag() + ".incomplete")));
  }

  @Test
  void aBodyLongerThanAnnouncedStopsAtTheFirstExtraByteAndIsDeleted() {
    // the hub announces 10 bytes, the CDN streams without end
    hub.lieAboutSize(weights, 10 - weights.content().length);
    hub.streamEndlessly(weights);
    long start = System.nanoTime();
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("more than the 10 bytes the hub announced"), e.getMessage());
    assertFalse(Files.exists(repoDir().resolve("blobs/" + weights.etag() + ".incomplete")));
    assertTrue(System.nanoTime() - start < 20e9, "took too long");
    // the transfer was cut short: the server got nowhere near its 256 MB
    assertTrue(hub.bodyBytesServed() < 64 << 20, "served " + hub.bodyBytesServed());
  }

  @Test
  void aBodyOneByteLongerThanAnnouncedIsRefused() {
    hub.lieAboutSize(weights, -1);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("more than the 199999 bytes"), e.getMessage());
    assertFalse(Files.exists(repoDir().resolve("blobs/" + weights.etag() + ".incomplete")));
  }

  @Test
  void anAnnouncedSizeOverTheLimitIsRefusedBeforeAnyTransfer() {
    hub.lieAboutSize(weights, HubClient.MAX_ANNOUNCED_BYTES);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("more than the 128 GiB"), e.getMessage());
    assertTrue(hub.requests().stream().noneMatch(r -> r.path().startsWith("/cdn/")));
  }

  @Test
  void aStalledTransferTimesOutWithAClearMessageAndIsResumed() throws IOException {
    HubClient fast =
        new HubClient(
            new HubSettings(hub.endpoint(), Optional.empty(), false, cacheDir),
            DownloadListener.NONE,
            java.time.Duration.ofMillis(300));
    // stalls once after 50,000 bytes: the next attempt resumes from there
    hub.stall(weights, 50_000, 1);
    HubFile f = fast.download(HubRepo.parse(REPO), "model.safetensors");
    assertArrayEquals(weights.content(), Files.readAllBytes(f.path().orElseThrow()));
    assertTrue(
        hub.requests().stream().anyMatch(r -> "bytes=50000-".equals(r.range())),
        hub.requests().toString());

    // stalls every time: the download stops saying so
    Path other = cacheDir.resolve("other");
    HubClient stalled =
        new HubClient(
            new HubSettings(hub.endpoint(), Optional.empty(), false, other),
            DownloadListener.NONE,
            java.time.Duration.ofMillis(300));
    hub.stall(weights, 1_000, 100);
    HubException e =
        assertThrows(
            HubException.class, () -> stalled.download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.UNREACHABLE, e.reason());
    assertTrue(e.getMessage().contains("read timeout"), e.getMessage());
    assertFalse(e.getMessage().contains("Exception"), e.getMessage());
  }

  @Test
  void aRedirectFromHttpsToHttpIsRefused() throws HubException {
    HubClient c = client();
    HubRepo repo = HubRepo.parse(REPO);
    URI https = URI.create("https://hub.example/acme/tiny/resolve/main/model.safetensors");
    HubException e =
        assertThrows(
            HubException.class,
            () -> c.redirectTarget(repo, "model.safetensors", https, "http://cdn.example/x"));
    assertTrue(e.getMessage().contains("https to plain http"), e.getMessage());
    assertEquals(
        URI.create("https://cdn.example/x"),
        c.redirectTarget(repo, "model.safetensors", https, "https://cdn.example/x"));
    assertEquals(
        URI.create("https://hub.example/b/resolve/main/f"),
        c.redirectTarget(repo, "model.safetensors", https, "/b/resolve/main/f"));
  }

  @Test
  void aRefusedDownloadLinkSaysToRunAgain() {
    hub.refuseOnCdn(weights, 403);
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("download link"), e.getMessage());
    assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
  }

  @Test
  void anEndpointThatIsNoHubIsNamed() throws IOException {
    HttpServer plain =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    plain.createContext(
        "/",
        ex -> {
          byte[] body = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
          if (!ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    plain.start();
    try {
      URI endpoint = URI.create("http://127.0.0.1:" + plain.getAddress().getPort());
      HubClient client =
          new HubClient(new HubSettings(endpoint, Optional.empty(), false, cacheDir));
      HubException e =
          assertThrows(
              HubException.class, () -> client.download(HubRepo.parse(REPO), "config.json"));
      assertEquals(Reason.PROTOCOL, e.reason());
      assertTrue(e.getMessage().contains("X-Repo-Commit"), e.getMessage());
      assertTrue(e.getMessage().contains("is " + endpoint + " a Hugging Face hub"), e.getMessage());
    } finally {
      plain.stop(0);
    }
  }

  @Test
  void offlineAnswersFromTheCacheOrSaysWhatIsMissing() throws IOException {
    client().download(HubRepo.parse(REPO), "config.json");
    int before = hub.requests().size();
    HubClient offline =
        new HubClient(new HubSettings(hub.endpoint(), Optional.empty(), true, cacheDir));
    HubFile c = offline.download(HubRepo.parse(REPO), "config.json");
    assertEquals(CONFIG_TEXT, Files.readString(c.path().orElseThrow()));
    HubException e =
        assertThrows(
            HubException.class, () -> offline.download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.UNREACHABLE, e.reason());
    assertTrue(e.getMessage().startsWith("cannot reach " + hub.endpoint()), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "no cached copy of acme/tiny@main in "
                    + cacheDir
                    + " (model.safetensors is missing)"),
        e.getMessage());
    assertEquals(before, hub.requests().size());
  }

  @Test
  void anUnreachableHubFallsBackToTheCache() throws IOException {
    client().download(HubRepo.parse(REPO), "config.json");
    hub.close(); // nothing listens on the port any more
    HubFile c = client().download(HubRepo.parse(REPO), "config.json");
    assertEquals(CONFIG_TEXT, Files.readString(c.path().orElseThrow()));
    HubException e =
        assertThrows(
            HubException.class, () -> client().download(HubRepo.parse(REPO), "model.safetensors"));
    assertEquals(Reason.UNREACHABLE, e.reason());
    assertTrue(e.getMessage().contains("no cached copy of acme/tiny@main"), e.getMessage());
  }

  @Test
  void aRenamedRepositoryIsFollowed() throws IOException {
    hub.rename("old/tiny", REPO);
    HubFile c = client().download(HubRepo.parse("old/tiny"), "config.json");
    assertEquals(CONFIG_TEXT, Files.readString(c.path().orElseThrow()));
    assertTrue(c.path().orElseThrow().startsWith(cacheDir.resolve("models--old--tiny")));
  }

  @Test
  void aRevisionWithSlashesIsOneUrlSegmentAndANestedRef() throws IOException {
    hub.publish(REPO, "refs/pr/1", COMMIT, Map.of("config.json", config));
    HubFile c = client().download(HubRepo.parse(REPO + "@refs/pr/1"), "config.json");
    assertEquals(COMMIT, c.commit());
    assertTrue(
        hub.requests().getFirst().path().equals("/acme/tiny/resolve/refs%2Fpr%2F1/config.json"));
    assertEquals(COMMIT, Files.readString(repoDir().resolve("refs/refs/pr/1")));
  }

  @Test
  void unsafeNamesAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> client().download(HubRepo.parse(REPO), "../x"));
    assertThrows(IllegalArgumentException.class, () -> HubCache.checkEtag("../../x"));
    assertThrows(IllegalArgumentException.class, () -> HubRepo.parse("a/b/c"));
    assertThrows(IllegalArgumentException.class, () -> HubRepo.parse("a/b@../main"));
    assertThrows(IllegalArgumentException.class, () -> HubRepo.parse("../b"));
    assertEquals(new HubRepo("a/b", "main"), HubRepo.parse("a/b"));
    assertEquals(new HubRepo("gpt2", "v1.0"), HubRepo.parse("gpt2@v1.0"));
  }

  @Test
  void etagsAreNormalizedAsHuggingfaceHubDoes() {
    assertEquals("abc", HubClient.normalizeEtag("W/\"abc\""));
    assertEquals("abc", HubClient.normalizeEtag("\"abc\""));
    assertEquals("abc", HubClient.normalizeEtag("abc"));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
