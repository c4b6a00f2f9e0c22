package io.github.mezo4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads any supported tokenizer from a file or a model folder:
 *
 * <ul>
 *   <li>a Hugging Face {@code tokenizer.json}, by its {@code model.type}: {@code "WordPiece"} gives
 *       a {@link WordPieceTokenizer}, {@code "BPE"} a {@link BpeTokenizer};
 *   <li>a llama2.c {@code tokenizer.bin} (any file ending in {@code .bin}): a {@link
 *       Llama2cTokenizer};
 *   <li>a folder holding {@code tokenizer.json}, or else {@code tokenizer.bin}, or else the
 *       GPT-2-style pair {@code vocab.json} + {@code merges.txt} (as OPT ships it; a {@code
 *       tokenizer_config.json} beside it names the special tokens and whether to add BOS), or
 *       OpenAI's {@code encoder.json} + {@code vocab.bpe}.
 * </ul>
 *
 * A {@code tokenizer_config.json} beside a BPE {@code tokenizer.json} supplies the special token
 * ids ({@code bos_token}, {@code eos_token}, {@code pad_token}).
 *
 * <pre>{@code
 * Tokenizer t = Tokenizers.load(Path.of("models/TinyLlama"));   // reads tokenizer.json
 * }</pre>
 */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * Loads the tokenizer at {@code path} (file or folder, see the class comment).
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if nothing loadable is there or the file is not supported; the
   *     message names the path and what was expected
   */
  public static Tokenizer load(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      Path json = path.resolve("tokenizer.json");
      if (Files.isRegularFile(json)) {
        return load(json);
      }
      Path bin = path.resolve("tokenizer.bin");
      if (Files.isRegularFile(bin)) {
        return Llama2cTokenizer.load(bin);
      }
      for (String[] pair :
          new String[][] {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}}) {
        Path vocab = path.resolve(pair[0]);
        Path merges = path.resolve(pair[1]);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
          BpeTokenizer bpe = BpeTokenizer.loadGpt2(vocab, merges);
          Path config = path.resolve("tokenizer_config.json");
          if (Files.isRegularFile(config)) {
            try (InputStream in = Files.newInputStream(config)) {
              bpe = withSlowConfig(bpe, TokenizerJsonParser.readTree(in, config.toString()));
            }
          }
          return bpe;
        }
      }
      throw new IllegalArgumentException(
          path
              + ": expected a folder with tokenizer.json, tokenizer.bin, vocab.json and merges.txt,"
              + " or encoder.json and vocab.bpe; found none");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(path + ": no such tokenizer file or folder");
    }
    if (path.getFileName().toString().endsWith(".bin")) {
      return Llama2cTokenizer.load(path);
    }
    JsonNode root;
    try (InputStream in = Files.newInputStream(path)) {
      root = TokenizerJsonParser.readTree(in, path.toString());
    }
    Tokenizer tokenizer = fromJson(root, path.toString());
    Path config = path.resolveSibling("tokenizer_config.json");
    if (tokenizer instanceof BpeTokenizer bpe && Files.isRegularFile(config)) {
      try (InputStream in = Files.newInputStream(config)) {
        tokenizer = withConfig(bpe, TokenizerJsonParser.readTree(in, config.toString()));
      }
    }
    return tokenizer;
  }

  /** Parses {@code tokenizer.json} text of any supported model type. */
  public static Tokenizer fromJson(String json, String sourceName) {
    return fromJson(TokenizerJsonParser.readTree(json, sourceName), sourceName);
  }

  private static Tokenizer fromJson(JsonNode root, String source) {
    JsonNode type = root == null ? null : root.path("model").get("type");
    String name = type == null || !type.isTextual() ? null : type.asText();
    if (name == null) {
      // Old files may omit the type; a merges list means BPE, continuing_subword_prefix WordPiece.
      JsonNode model = root == null ? null : root.get("model");
      if (model != null && model.has("merges")) {
        name = "BPE";
      } else if (model != null && model.has("vocab")) {
        name = "WordPiece";
      }
    }
    if ("WordPiece".equals(name)) {
      return TokenizerJsonParser.wordPiece(root, source);
    }
    if ("BPE".equals(name)) {
      return BpeJsonParser.parse(root, source);
    }
    throw new IllegalArgumentException(
        source
            + ": field model.type: expected \"WordPiece\" or \"BPE\" (the supported tokenizer"
            + " models), found "
            + (name == null ? "none" : "\"" + name + "\""));
  }

  /** Special token ids named in a {@code tokenizer_config.json}. */
  static BpeTokenizer withConfig(BpeTokenizer tokenizer, JsonNode config) {
    SpecialTokens ids = tokenizer.specialTokens();
    int bos = idOf(tokenizer, config.get("bos_token"));
    int eos = idOf(tokenizer, config.get("eos_token"));
    int pad = idOf(tokenizer, config.get("pad_token"));
    if (bos >= 0) {
      ids = ids.withBos(bos);
    }
    if (eos >= 0) {
      ids = ids.withEos(eos);
    }
    if (pad >= 0) {
      ids = ids.withPad(pad);
    }
    return tokenizer.withSpecialTokens(ids);
  }

  /**
   * A {@code tokenizer_config.json} applied to GPT-2-style {@code vocab.json}+{@code merges.txt}
   * (as OPT ships them): its bos/eos/unk/pad tokens become special added tokens, and {@code
   * add_bos_token}/{@code add_eos_token} put them around each text, as transformers' GPT2Tokenizer
   * does.
   */
  static BpeTokenizer withSlowConfig(BpeTokenizer tokenizer, JsonNode config) {
    List<AddedToken> added = new ArrayList<>(tokenizer.addedTokens());
    Set<String> known = new HashSet<>();
    added.forEach(t -> known.add(t.content()));
    String[] names = new String[4];
    String[] fields = {"bos_token", "eos_token", "unk_token", "pad_token"};
    for (int i = 0; i < fields.length; i++) {
      names[i] = contentOf(config.get(fields[i]));
      if (names[i] != null && known.add(names[i])) {
        int id = tokenizer.model().tokenToId(names[i]);
        if (id < 0) {
          throw new IllegalArgumentException(
              "tokenizer_config.json: field "
                  + fields[i]
                  + ": expected a token of vocab.json, found '"
                  + names[i]
                  + "'");
        }
        added.add(new AddedToken(id, names[i], false, false, false, false, true));
      }
    }
    boolean addBos = config.path("add_bos_token").asBoolean(false);
    boolean addEos = config.path("add_eos_token").asBoolean(false);
    PostProcessor processor = tokenizer.postProcessor();
    if (addBos || addEos) {
      Map<String, PostProcessor.SpecialToken> specials = new HashMap<>();
      List<PostProcessor.Piece> single = new ArrayList<>();
      List<PostProcessor.Piece> pair = new ArrayList<>();
      for (int text = 0; text < 2; text++) {
        List<PostProcessor.Piece> target = text == 0 ? single : pair;
        for (int copy = 0; copy <= text; copy++) {
          int typeId = copy;
          if (addBos) {
            target.add(special(specials, tokenizer, names[0], "bos_token", typeId));
          }
          target.add(PostProcessor.Piece.text(copy == 1, typeId));
          if (addEos) {
            target.add(special(specials, tokenizer, names[1], "eos_token", typeId));
          }
        }
      }
      processor = new PostProcessor.Template(single, pair, specials);
    }
    return withConfig(tokenizer.withPipeline(added, processor), config);
  }

  private static PostProcessor.Piece special(
      Map<String, PostProcessor.SpecialToken> specials,
      BpeTokenizer tokenizer,
      String name,
      String field,
      int typeId) {
    if (name == null) {
      throw new IllegalArgumentException(
          "tokenizer_config.json: add_" + field + " is true but " + field + " is missing");
    }
    specials.computeIfAbsent(
        name,
        n -> new PostProcessor.SpecialToken(n, new int[] {tokenizer.tokenToId(n)}, List.of(n)));
    return PostProcessor.Piece.special(name, typeId);
  }

  private static String contentOf(JsonNode token) {
    if (token == null || token.isNull()) {
      return null;
    }
    return token.isTextual() ? token.asText() : token.path("content").asText(null);
  }

  private static int idOf(Tokenizer tokenizer, JsonNode token) {
    if (token == null || token.isNull()) {
      return -1;
    }
    String content = token.isTextual() ? token.asText() : token.path("content").asText(null);
    return content == null ? -1 : tokenizer.tokenToId(content);
  }
}
