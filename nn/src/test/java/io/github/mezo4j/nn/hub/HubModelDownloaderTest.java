package io.github.mezo4j.nn.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.hub.FakeHub.Entry;
import io.github.mezo4j.nn.hub.HubException.Reason;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.BertNames;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubModelDownloaderTest {
  static final String REPO = "acme/tiny-bert";
  static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

  @TempDir Path tmp;
  Path cacheDir;
  FakeHub hub;
  BertConfig config;
  ParameterSet params;

  @BeforeEach
  void start() throws IOException {
    hub = new FakeHub();
    cacheDir = tmp.resolve("hub-cache");
    config = new BertConfig("bert", List.of(), 40, 8, 2, 2, 16, "gelu", 16, 2, 1e-12, 0, Map.of());
    SplittableRandom r = new SplittableRandom(3);
    List<Parameter> list = new ArrayList<>();
    for (var e : BertNames.encoderShapes(config).entrySet()) {
      int n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) r.nextGaussian();
      }
      list.add(Parameter.f32(e.getKey(), e.getValue(), v));
    }
    params = ParameterSet.of(list);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  /** A model folder as transformers would write it; shards when maxShardBytes is small. */
  Path savedFolder(long maxShardBytes) throws IOException {
    Path folder = tmp.resolve("saved");
    HuggingFaceFolder.save(folder, config, params, MiniLm.tokenizerJson(), maxShardBytes);
    return folder;
  }

  /** The folder's files as the hub stores them: safetensors in LFS, the rest in git. */
  static Map<String, Entry> entries(Path folder) throws IOException {
    Map<String, Entry> files = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(folder)) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        files.put(name, new Entry(Files.readAllBytes(p), name.endsWith(".safetensors")));
      }
    }
    return files;
  }

  HubModelDownloader downloader(boolean offline) {
    return new HubModelDownloader(
        new HubClient(new HubSettings(hub.endpoint(), Optional.empty(), offline, cacheDir)));
  }

  void assertLoadsTheSavedModel(Path folder) throws IOException {
    BertCheckpoint loaded = HuggingFaceFolder.load(folder);
    assertEquals(config.hiddenSize(), loaded.config().hiddenSize());
    assertEquals(config.numHiddenLayers(), loaded.config().numHiddenLayers());
    assertTrue(loaded.parameters().contentEquals(params), "weights differ after the hub trip");
    assertTrue(loaded.tokenizer().isPresent());
  }

  @Test
  void aShardedModelDownloadsFromOneCommitAndLoads() throws IOException {
    Map<String, Entry> files = entries(savedFolder(1_500));
    assertTrue(
        files.keySet().stream().filter(n -> n.startsWith("model-")).count() >= 3,
        files.keySet().toString());
    hub.publish(REPO, "main", COMMIT, files);

    Path folder = downloader(false).download(HubRepo.parse(REPO));

    assertEquals(cacheDir.resolve("models--acme--tiny-bert/snapshots/" + COMMIT), folder);
    assertLoadsTheSavedModel(folder);
    // the branch is resolved once; every later request names the commit
    List<FakeHub.Request> resolves =
        hub.requests().stream().filter(r -> r.path().contains("/resolve/")).toList();
    assertEquals("/acme/tiny-bert/resolve/main/config.json", resolves.getFirst().path());
    for (FakeHub.Request r : resolves.subList(1, resolves.size())) {
      assertTrue(r.path().startsWith("/acme/tiny-bert/resolve/" + COMMIT + "/"), r.path());
    }
    // files the repository lacks are remembered in .no_exist, as huggingface_hub does
    assertTrue(
        Files.exists(
            cacheDir.resolve("models--acme--tiny-bert/.no_exist/" + COMMIT + "/vocab.json")));

    int before = hub.requests().size();
    assertEquals(folder, downloader(false).download(HubRepo.parse(REPO)));
    assertEquals(before, hub.requests().size(), "a complete cached snapshot needs no request");
  }

  @Test
  void aCacheWrittenByHuggingfaceHubIsUsedWithoutAnyRequest() throws IOException {
    Path saved = savedFolder(HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
    // lay the files out as huggingface_hub does: blobs by etag, relative links, a bare ref
    Path repo = cacheDir.resolve("models--acme--tiny-bert");
    Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
    Files.createDirectories(repo.resolve("blobs"));
    for (var e : entries(saved).entrySet()) {
      String etag = e.getValue().etag();
      Files.write(repo.resolve("blobs").resolve(etag), e.getValue().content());
      Files.createSymbolicLink(snapshot.resolve(e.getKey()), Path.of("../../blobs", etag));
    }
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), COMMIT);

    Path folder = downloader(false).download(HubRepo.parse(REPO));
    assertEquals(snapshot, folder);
    assertEquals(List.of(), hub.requests());
    assertLoadsTheSavedModel(folder);

    // offline, and pinned to the commit, the same snapshot answers
    assertEquals(snapshot, downloader(true).download(HubRepo.parse(REPO + "@" + COMMIT)));
    assertEquals(List.of(), hub.requests());
  }

  @Test
  void offlineOptionalFilesTheCacheLacksAreSkipped() throws IOException {
    Map<String, Entry> files = entries(savedFolder(HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES));
    files.remove("tokenizer.json");
    hub.publish(REPO, "main", COMMIT, files);
    HubClient online =
        new HubClient(new HubSettings(hub.endpoint(), Optional.empty(), false, cacheDir));
    // what `hf_hub_download` of just these two files leaves: no word on tokenizer.json
    online.download(HubRepo.parse(REPO), "config.json");
    online.download(HubRepo.parse(REPO), "model.safetensors");
    int before = hub.requests().size();

    Path folder = downloader(true).download(HubRepo.parse(REPO));
    assertEquals(before, hub.requests().size());
    assertTrue(Files.isRegularFile(folder.resolve("model.safetensors")));
    assertTrue(HuggingFaceFolder.load(folder).parameters().contentEquals(params));
  }

  @Test
  void offlineWithNothingCachedSaysSo() {
    HubException e =
        assertThrows(HubException.class, () -> downloader(true).download(HubRepo.parse(REPO)));
    assertEquals(Reason.UNREACHABLE, e.reason());
    assertTrue(
        e.getMessage().startsWith("cannot reach " + hub.endpoint() + " (HF_HUB_OFFLINE is set)"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("no cached copy of acme/tiny-bert@main in " + cacheDir),
        e.getMessage());
    assertEquals(List.of(), hub.requests());
  }

  @Test
  void aRepositoryWithoutConfigOrSafetensorsIsRefused() throws IOException {
    hub.publish("acme/data", "main", COMMIT, Map.of("README.md", FakeHub.git("# data\n")));
    HubException noConfig =
        assertThrows(
            HubException.class, () -> downloader(false).download(HubRepo.parse("acme/data")));
    assertEquals(Reason.NOT_FOUND, noConfig.reason());
    assertTrue(noConfig.getMessage().contains("has no config.json"), noConfig.getMessage());

    hub.publish(
        "acme/pickle",
        "main",
        COMMIT,
        Map.of(
            "config.json", FakeHub.git(config.toJson()),
            "pytorch_model.bin", FakeHub.lfs(new byte[] {1, 2, 3})));
    HubException noWeights =
        assertThrows(
            HubException.class, () -> downloader(false).download(HubRepo.parse("acme/pickle")));
    assertEquals(Reason.NOT_FOUND, noWeights.reason());
    assertTrue(noWeights.getMessage().contains("safetensors weights only"), noWeights.getMessage());
  }

  @Test
  void anIndexNamingAPathOutsideTheSnapshotIsRefused() throws IOException {
    hub.publish(
        REPO,
        "main",
        COMMIT,
        Map.of(
            "config.json", FakeHub.git(config.toJson()),
            "model.safetensors.index.json",
                FakeHub.git("{\"weight_map\": {\"a\": \"../../../../evil.safetensors\"}}")));
    HubException e =
        assertThrows(HubException.class, () -> downloader(false).download(HubRepo.parse(REPO)));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("weight_map[\"a\"]"), e.getMessage());
  }

  @Test
  void anIndexThatIsNotUtf8IsRefusedWithItsLine() throws IOException {
    // Latin-1 text: the 0xE9 of "modèle" is not UTF-8 (Jackson would have guessed an encoding)
    byte[] latin1 =
        "{\"weight_map\": {\"a\": \"mod\u00e8le.safetensors\"}}"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    hub.publish(
        REPO,
        "main",
        COMMIT,
        Map.of(
            "config.json",
            FakeHub.git(config.toJson()),
            "model.safetensors.index.json",
            new FakeHub.Entry(latin1, false)));
    HubException e =
        assertThrows(HubException.class, () -> downloader(false).download(HubRepo.parse(REPO)));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(
        e.getMessage().contains("model.safetensors.index.json")
            && e.getMessage().contains("line 1"),
        e.getMessage());
  }

  @Test
  void shardNamesFromTheRepositoryAreEscapedInMessages() throws IOException {
    // a shard named with escape sequences: retitle the terminal, clear the screen, print over
    // the line (refused as a name or missing from the repository: either way named, escaped)
    hub.publish(
        REPO,
        "main",
        COMMIT,
        Map.of(
            "config.json", FakeHub.git(config.toJson()),
            "model.safetensors.index.json",
                FakeHub.git(
                    "{\"weight_map\": {\"a\\u001b[31m\": \"x\\u001b]0;pwned\\u0007\\u001b[2J\\rfake.safetensors\"}}")));
    HubException e =
        assertThrows(HubException.class, () -> downloader(false).download(HubRepo.parse(REPO)));
    String m = e.getMessage();
    assertTrue(m.chars().noneMatch(c -> c < 0x20 && c != '\n'), m);
    assertTrue(
        m.contains("\\u001b]0;pwned\\u0007\\u001b[2J\\u000dfake.safetensors")
            || m.contains("\\u001b[31m"),
        m);
  }
}
