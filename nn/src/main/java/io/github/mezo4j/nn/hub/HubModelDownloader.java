package io.github.mezo4j.nn.hub;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.text.Printable;
import io.github.mezo4j.nn.hub.HubException.Reason;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.ModelText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Fetches what a Hugging Face model folder needs from the hub, into the shared cache, and returns
 * the snapshot folder, which then loads like any local model folder:
 *
 * <ul>
 *   <li>{@code config.json} (required);
 *   <li>the tokenizer and generation files that exist: {@code tokenizer.json}, {@code
 *       tokenizer_config.json}, {@code special_tokens_map.json}, {@code generation_config.json},
 *       and the older tokenizer formats {@code vocab.txt}, {@code vocab.json}, {@code merges.txt},
 *       {@code tokenizer.model};
 *   <li>the weights: {@code model.safetensors}, or else {@code model.safetensors.index.json} and
 *       every shard its {@code weight_map} names. PyTorch pickles are not fetched (mezo4j reads
 *       safetensors only).
 * </ul>
 *
 * <p>The cache answers first: when the revision's ref (or the commit hash given) leads to a
 * snapshot that holds config.json, tokenizer.json (or the mark that the repository has none) and
 * complete weights, no request is made, so a model that huggingface_hub or transformers already
 * downloaded is used offline as it is. Otherwise the revision is resolved to a commit once, and
 * every file is fetched at that commit, so a branch that moves during the download cannot mix files
 * of two commits. Offline, or when the hub cannot be reached, optional files the cache lacks are
 * skipped. A branch is not checked for newer commits once its snapshot is complete: name the new
 * commit, or delete {@code refs/<branch>} in the cache, to move on.
 */
public final class HubModelDownloader {
  /** The model configuration. */
  public static final String CONFIG = "config.json";

  /** The single weights file. */
  public static final String WEIGHTS = "model.safetensors";

  /** The index of sharded weights. */
  public static final String INDEX = "model.safetensors.index.json";

  /** The tokenizer in the tokenizers library's format, used when present. */
  public static final String TOKENIZER = "tokenizer.json";

  /** Files fetched when the repository has them. */
  public static final List<String> OPTIONAL_FILES =
      List.of(
          TOKENIZER,
          "tokenizer_config.json",
          "special_tokens_map.json",
          "generation_config.json",
          "vocab.txt",
          "vocab.json",
          "merges.txt",
          "tokenizer.model");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HubClient client;

  /** A downloader that uses {@code client}'s hub, token and cache. */
  public HubModelDownloader(HubClient client) {
    this.client = client;
  }

  /**
   * The local snapshot folder of {@code repo}, downloading what the cache lacks.
   *
   * @throws HubException when the hub refuses or cannot be reached and the cache is incomplete,
   *     when the repository has no config.json or no safetensors weights, or when a download is
   *     corrupt
   */
  public Path download(HubRepo repo) throws IOException {
    Optional<Path> cached = cachedSnapshot(repo);
    if (cached.isPresent()) {
      return cached.get();
    }
    HubFile config = client.download(repo, CONFIG);
    if (config.path().isEmpty()) {
      throw new HubException(
          Reason.NOT_FOUND,
          "%s has no %s: it is not a transformers model repository".formatted(repo, CONFIG));
    }
    // pin the commit the first answer named, so every file comes from one commit
    HubRepo pinned = repo.at(config.commit());
    for (String file : OPTIONAL_FILES) {
      try {
        client.download(pinned, file);
      } catch (HubException e) {
        if (e.reason() != Reason.UNREACHABLE) {
          throw e;
        }
        // offline or cut off: an optional file the cache lacks is skipped, not fatal
      }
    }
    if (client.download(pinned, WEIGHTS).path().isEmpty()) {
      HubFile index = client.download(pinned, INDEX);
      if (index.path().isEmpty()) {
        throw new HubException(
            Reason.NOT_FOUND,
            "%s has neither %s nor %s: mezo4j reads safetensors weights only (not pytorch_model.bin)"
                .formatted(repo, WEIGHTS, INDEX));
      }
      for (String shard : shards(index.path().get())) {
        if (client.download(pinned, shard).path().isEmpty()) {
          throw new HubException(
              Reason.NOT_FOUND,
              "%s: %s names the shard %s, which the repository does not have"
                  .formatted(repo, INDEX, Printable.escape(shard)));
        }
      }
    }
    return client.cache().snapshotFolder(repo, config.commit());
  }

  /**
   * The snapshot folder of {@code repo} if the cache alone holds a complete model (see the class
   * comment), without any request.
   */
  public Optional<Path> cachedSnapshot(HubRepo repo) throws IOException {
    HubCache cache = client.cache();
    Optional<String> commit = cache.commitOf(repo);
    if (commit.isEmpty()) {
      return Optional.empty();
    }
    Path folder = cache.snapshotFolder(repo, commit.get());
    boolean tokenizerKnown =
        Files.isRegularFile(folder.resolve(TOKENIZER))
            || cache.knownMissing(repo, commit.get(), TOKENIZER);
    if (!Files.isRegularFile(folder.resolve(CONFIG)) || !tokenizerKnown) {
      return Optional.empty();
    }
    if (Files.isRegularFile(folder.resolve(WEIGHTS))) {
      return Optional.of(folder);
    }
    Path index = folder.resolve(INDEX);
    if (!Files.isRegularFile(index)) {
      return Optional.empty();
    }
    for (String shard : shards(index)) {
      if (!Files.isRegularFile(folder.resolve(shard))) {
        return Optional.empty();
      }
    }
    return Optional.of(folder);
  }

  /** The distinct shard files an index's weight_map names, each checked to be a plain file name. */
  static List<String> shards(Path index) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(ModelText.read(index)); // strict UTF-8, not Jackson's encoding guess
    } catch (ModelFormatException e) {
      throw new HubException(Reason.CORRUPT, e.getMessage(), e);
    } catch (JacksonException e) {
      throw new HubException(
          Reason.CORRUPT, "%s is not valid JSON: %s".formatted(index, e.getOriginalMessage()), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new HubException(
          Reason.CORRUPT,
          "%s: expected a non-empty object \"weight_map\": {tensor: shard file}".formatted(index));
    }
    TreeSet<String> names = new TreeSet<>();
    for (var entry : map.properties()) {
      JsonNode value = entry.getValue();
      if (!value.isTextual()) {
        throw new HubException(
            Reason.CORRUPT,
            "%s: weight_map[\"%s\"] should be a shard file name, got %s"
                .formatted(
                    index, Printable.escape(entry.getKey()), Printable.escape(value.toString())));
      }
      try {
        names.add(HubCache.checkFile(value.asText()));
      } catch (IllegalArgumentException e) {
        throw new HubException(
            Reason.CORRUPT,
            "%s: weight_map[\"%s\"]: %s"
                .formatted(
                    index, Printable.escape(entry.getKey()), Printable.escape(e.getMessage())));
      }
    }
    return new ArrayList<>(names);
  }
}
