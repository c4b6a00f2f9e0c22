package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.hub.HubException;
import io.github.mezo4j.nn.hub.HubSettings;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.BertNames;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MemoryPlan;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsTest {
  static final String COMMIT = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";

  // offline: these tests must never open a connection, whatever the cache holds
  static HubSettings offline(Path cache) {
    return new HubSettings(URI.create("http://127.0.0.1:9"), Optional.empty(), true, cache);
  }

  @Test
  void aHubModelInTheCacheResolvesToItsSnapshotAndLoads(@TempDir Path dir) throws IOException {
    BertConfig config =
        new BertConfig("bert", List.of(), 30, 8, 1, 2, 16, "gelu", 16, 2, 1e-12, 0, Map.of());
    SplittableRandom r = new SplittableRandom(1);
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
    ParameterSet params = ParameterSet.of(list);
    Path saved = dir.resolve("saved");
    HuggingFaceFolder.save(saved, config, params);
    // a hub cache holding acme/tiny@main (copies instead of links: allowed by the layout too)
    Path cache = dir.resolve("cache");
    Path snapshot =
        Files.createDirectories(cache.resolve("models--acme--tiny/snapshots").resolve(COMMIT));
    try (Stream<Path> files = Files.list(saved)) {
      for (Path f : files.toList()) {
        Files.copy(f, snapshot.resolve(f.getFileName()));
      }
    }
    Files.createDirectories(cache.resolve("models--acme--tiny/.no_exist").resolve(COMMIT));
    Files.createFile(
        cache.resolve("models--acme--tiny/.no_exist").resolve(COMMIT).resolve("tokenizer.json"));
    Files.createDirectories(cache.resolve("models--acme--tiny/refs"));
    Files.writeString(cache.resolve("models--acme--tiny/refs/main"), COMMIT);

    Path folder = Models.localPath("hf:acme/tiny", offline(cache));
    assertEquals(snapshot, folder);
    assertEquals(snapshot, Models.localPath("hf:acme/tiny@" + COMMIT, offline(cache)));
    BertCheckpoint loaded = Models.load(folder.toString());
    assertTrue(loaded.parameters().contentEquals(params));
    assertEquals(Path.of("some/folder"), Models.localPath("some/folder", offline(cache)));
  }

  @Test
  void aLocalPathNeverReadsTheHubSettings() throws Exception {
    // a bad HF_ENDPOINT or an unreadable token file must not break a model that is on disk
    assertEquals(
        Path.of("some/model.bin"),
        Models.localPath(
            "some/model.bin",
            () -> {
              throw new AssertionError("hub settings read for a local path");
            }));
  }

  @Test
  void badHubModelsAreNamed(@TempDir Path dir) {
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class, () -> Models.localPath("hf:a/b/c", offline(dir)));
    assertTrue(bad.getMessage().startsWith("--model 'hf:a/b/c': "), bad.getMessage());
    HubException missing =
        assertThrows(HubException.class, () -> Models.localPath("hf:acme/tiny@v1", offline(dir)));
    assertTrue(
        missing.getMessage().contains("no cached copy of acme/tiny@v1 in " + dir),
        missing.getMessage());
  }

  @Test
  void anEncoderPlansTheActivationsOfOneBucketWhateverTheBatch() throws Exception {
    // batches run a bucket of sentences at a time, so a large batch needs no more activation
    // memory than a bucket's (a batch-sized estimate refused batch 256 on 1.5 GB executors)
    MemoryPlan bucket = Models.plan("minilm", LoadDType.F32, EncoderClassifier.BUCKET_SIZE, 64, 0);
    MemoryPlan large = Models.plan("minilm", LoadDType.F32, 256, 64, 0);
    MemoryPlan small = Models.plan("minilm", LoadDType.F32, 2, 64, 0);
    assertEquals(bucket.activationBytes(), large.activationBytes());
    assertTrue(small.activationBytes() < bucket.activationBytes());
    assertTrue(large.planned().contains("batch 256"), large.planned());
  }
}
