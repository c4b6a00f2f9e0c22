package io.github.mezo4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a BPE model, and GPT-2's original {@code
 * encoder.json} + {@code vocab.bpe}. Every error names the source and the JSON field (or file and
 * line) and says what was expected; unsupported components are refused by name.
 */
final class BpeJsonParser {
  private final String source;
  private final TokenizerJsonParser json;

  private BpeJsonParser(String source) {
    this.source = source;
    this.json = new TokenizerJsonParser(source);
  }

  static BpeTokenizer parse(JsonNode root, String source) {
    return new BpeJsonParser(source).tokenizer(root);
  }

  /** The {@code decoder} of any tokenizer.json ({@link TokenDecoder#NONE} when null). */
  static TokenDecoder decoderOf(JsonNode root, String source) {
    return new BpeJsonParser(source).decoder(root.get("decoder"), "decoder");
  }

  private BpeTokenizer tokenizer(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw json.error("", "a JSON object at the top level");
    }
    TextNormalizer normalizer = normalizer(root.get("normalizer"), "normalizer");
    PreTokenizer preTokenizer = preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
    BpeModel model = model(root.get("model"));
    List<AddedToken> added =
        json.addedTokens(root.get("added_tokens"), model::tokenToId, model.vocabSize());
    PostProcessor[] processor = {new PostProcessor.None()};
    Boolean[] trim = {null};
    postProcessor(root.get("post_processor"), "post_processor", processor, trim);
    TokenDecoder decoder = decoder(root.get("decoder"), "decoder");
    Truncation truncation = json.truncation(root.get("truncation"));
    Padding padding = json.padding(root.get("padding"));
    return new BpeTokenizer(
        normalizer,
        preTokenizer,
        model,
        added,
        processor[0],
        trim[0],
        decoder,
        truncation,
        padding,
        null);
  }

  // ---- model ----

  private BpeModel model(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw json.error("model", "an object describing the BPE model");
    }
    JsonNode type = node.get("type");
    if (type != null && !"BPE".equals(type.asText())) {
      throw json.error("model.type", "\"BPE\", found " + type);
    }
    JsonNode dropout = node.get("dropout");
    if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
      throw json.error(
          "model.dropout",
          "null or 0 (BPE dropout makes encoding random; it is a training-time option), found "
              + dropout);
    }
    JsonNode vocabNode = node.get("vocab");
    if (vocabNode == null || !vocabNode.isObject() || vocabNode.isEmpty()) {
      throw json.error("model.vocab", "a non-empty object mapping each token to its id");
    }
    Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
    for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
        throw json.error(
            "model.vocab[" + TokenizerJsonParser.quote(e.getKey()) + "]",
            "a non-negative integer id, found " + id);
      }
      vocab.put(e.getKey(), id.intValue());
    }
    JsonNode mergesNode = node.get("merges");
    List<BpeModel.Merge> merges = new ArrayList<>();
    if (mergesNode != null && !mergesNode.isNull()) {
      if (!mergesNode.isArray()) {
        throw json.error("model.merges", "an array of merges");
      }
      for (int i = 0; i < mergesNode.size(); i++) {
        JsonNode m = mergesNode.get(i);
        String path = "model.merges[" + i + "]";
        if (m.isTextual()) {
          merges.add(mergeLine(m.asText(), path));
        } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
          merges.add(new BpeModel.Merge(m.get(0).asText(), m.get(1).asText()));
        } else {
          throw json.error(path, "a merge as \"left right\" or [\"left\", \"right\"], found " + m);
        }
      }
    }
    try {
      return new BpeModel(
          vocab,
          merges,
          json.string(node, "model.unk_token", "unk_token", null),
          json.bool(node, "model.fuse_unk", "fuse_unk", false),
          json.bool(node, "model.byte_fallback", "byte_fallback", false),
          json.bool(node, "model.ignore_merges", "ignore_merges", false),
          json.string(node, "model.continuing_subword_prefix", "continuing_subword_prefix", null),
          json.string(node, "model.end_of_word_suffix", "end_of_word_suffix", null));
    } catch (IllegalArgumentException e) {
      throw json.error("model", "a valid BPE model: " + e.getMessage());
    }
  }

  private BpeModel.Merge mergeLine(String line, String where) {
    String[] parts = line.split(" ", -1);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw json.error(where, "two tokens separated by one space, found \"" + line + "\"");
    }
    return new BpeModel.Merge(parts[0], parts[1]);
  }

  // ---- normalizers ----

  private TextNormalizer normalizer(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = json.typeOf(node, path);
    return switch (type) {
      case "Sequence" -> {
        JsonNode list = node.get("normalizers");
        if (list == null || !list.isArray()) {
          throw json.error(path + ".normalizers", "an array of normalizers");
        }
        List<TextNormalizer> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          TextNormalizer n = normalizer(list.get(i), path + ".normalizers[" + i + "]");
          if (n != null) {
            steps.add(n);
          }
        }
        yield Normalizers.sequence(steps);
      }
      case "Prepend" -> Normalizers.prepend(requiredString(node, path, "prepend"));
      case "Replace" ->
          Normalizers.replace(
              pattern(node.get("pattern"), path + ".pattern"),
              requiredString(node, path, "content"));
      case "NFC" -> Normalizers.unicode(Normalizer.Form.NFC);
      case "NFD" -> Normalizers.unicode(Normalizer.Form.NFD);
      case "NFKC" -> Normalizers.unicode(Normalizer.Form.NFKC);
      case "NFKD" -> Normalizers.unicode(Normalizer.Form.NFKD);
      case "Lowercase" -> Normalizers.lowercase();
      case "Strip" ->
          Normalizers.strip(
              json.bool(node, path + ".strip_left", "strip_left", true),
              json.bool(node, path + ".strip_right", "strip_right", true));
      case "BertNormalizer" -> {
        JsonNode strip = node.get("strip_accents");
        Boolean stripAccents = strip == null || strip.isNull() ? null : strip.asBoolean();
        yield TextNormalizer.of(
            BertNormalizer.of(
                json.bool(node, path + ".clean_text", "clean_text", true),
                json.bool(node, path + ".handle_chinese_chars", "handle_chinese_chars", true),
                stripAccents,
                json.bool(node, path + ".lowercase", "lowercase", true)));
      }
      default ->
          throw json.error(
              path + ".type",
              "a supported normalizer (Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD,"
                  + " Lowercase, Strip, BertNormalizer), found "
                  + TokenizerJsonParser.quote(type));
    };
  }

  // ---- pre-tokenizers ----

  private PreTokenizer preTokenizer(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = json.typeOf(node, path);
    return switch (type) {
      case "Sequence" -> {
        JsonNode list = node.get("pretokenizers");
        if (list == null || !list.isArray()) {
          throw json.error(path + ".pretokenizers", "an array of pre-tokenizers");
        }
        List<PreTokenizer> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          PreTokenizer p = preTokenizer(list.get(i), path + ".pretokenizers[" + i + "]");
          if (p != null) {
            steps.add(p);
          }
        }
        yield PreTokenizer.sequence(steps);
      }
      case "ByteLevel" ->
          PreTokenizer.byteLevel(
              json.bool(node, path + ".add_prefix_space", "add_prefix_space", true),
              json.bool(node, path + ".use_regex", "use_regex", true));
      case "Split" ->
          PreTokenizer.split(
              pattern(node.get("pattern"), path + ".pattern"),
              behavior(node, path, null),
              json.bool(node, path + ".invert", "invert", false));
      case "Digits" ->
          PreTokenizer.split(
              NUMERIC,
              json.bool(node, path + ".individual_digits", "individual_digits", false)
                  ? PreTokenizer.Behavior.ISOLATED
                  : PreTokenizer.Behavior.CONTIGUOUS,
              false);
      case "Punctuation" ->
          PreTokenizer.split(PUNCTUATION, behavior(node, path, "Isolated"), false);
      case "Whitespace" -> PreTokenizer.split(WORDS, PreTokenizer.Behavior.REMOVED, true);
      case "WhitespaceSplit" ->
          PreTokenizer.split(WHITESPACE, PreTokenizer.Behavior.REMOVED, false);
      case "Metaspace" ->
          PreTokenizer.metaspace(
              replacement(node, path), prependScheme(node, path), split(node, path));
      default ->
          throw json.error(
              path + ".type",
              "a supported pre-tokenizer for BPE (ByteLevel, Split, Metaspace, Digits, Punctuation,"
                  + " Whitespace, WhitespaceSplit, Sequence), found "
                  + TokenizerJsonParser.quote(type));
    };
  }

  // Rust's char::is_numeric, Hugging Face's punctuation (ASCII punctuation or Unicode P*), the
  // Whitespace pre-tokenizer's words, and char::is_whitespace.
  private static final Pattern NUMERIC = Pattern.compile("\\p{N}");
  private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}!-/:-@\\[-`{-~]");
  private static final Pattern WORDS =
      Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern WHITESPACE = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);

  private PreTokenizer.Behavior behavior(JsonNode node, String path, String fallback) {
    String behavior = json.string(node, path + ".behavior", "behavior", fallback);
    if (behavior == null) {
      throw json.error(path + ".behavior", "a string");
    }
    return switch (behavior) {
      case "Removed" -> PreTokenizer.Behavior.REMOVED;
      case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
      case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
      case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
      default ->
          throw json.error(
              path + ".behavior",
              "Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous, found "
                  + TokenizerJsonParser.quote(behavior));
    };
  }

  private boolean split(JsonNode node, String path) {
    return json.bool(node, path + ".split", "split", true);
  }

  private int replacement(JsonNode node, String path) {
    String r = requiredString(node, path, "replacement");
    if (r.codePointCount(0, r.length()) != 1) {
      throw json.error(path + ".replacement", "one character, found \"" + r + "\"");
    }
    return r.codePointAt(0);
  }

  private PreTokenizer.PrependScheme prependScheme(JsonNode node, String path) {
    JsonNode scheme = node.get("prepend_scheme");
    if (scheme == null || scheme.isNull()) {
      // Files written before prepend_scheme existed say add_prefix_space.
      return json.bool(node, path + ".add_prefix_space", "add_prefix_space", true)
          ? PreTokenizer.PrependScheme.ALWAYS
          : PreTokenizer.PrependScheme.NEVER;
    }
    return switch (scheme.asText()) {
      case "always" -> PreTokenizer.PrependScheme.ALWAYS;
      case "first" -> PreTokenizer.PrependScheme.FIRST;
      case "never" -> PreTokenizer.PrependScheme.NEVER;
      default ->
          throw json.error(
              path + ".prepend_scheme", "\"always\", \"first\" or \"never\", found " + scheme);
    };
  }

  private Pattern pattern(JsonNode node, String path) {
    if (node != null
        && node.isObject()
        && node.get("String") != null
        && node.get("String").isTextual()) {
      return Pattern.compile(Pattern.quote(node.get("String").asText()));
    }
    if (node != null
        && node.isObject()
        && node.get("Regex") != null
        && node.get("Regex").isTextual()) {
      try {
        return Pattern.compile(node.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
      } catch (PatternSyntaxException e) {
        throw json.error(
            path + ".Regex", "a regular expression Java can compile: " + e.getMessage());
      }
    }
    throw json.error(path, "{\"String\": text} or {\"Regex\": pattern}");
  }

  // ---- post-processor ----

  private void postProcessor(
      JsonNode node, String path, PostProcessor[] processor, Boolean[] trim) {
    if (node == null || node.isNull()) {
      return;
    }
    String type = json.typeOf(node, path);
    switch (type) {
      case "Sequence" -> {
        JsonNode list = node.get("processors");
        if (list == null || !list.isArray()) {
          throw json.error(path + ".processors", "an array of post-processors");
        }
        for (int i = 0; i < list.size(); i++) {
          postProcessor(list.get(i), path + ".processors[" + i + "]", processor, trim);
        }
      }
      case "ByteLevel" -> {
        if (json.bool(node, path + ".trim_offsets", "trim_offsets", true)) {
          trim[0] = json.bool(node, path + ".add_prefix_space", "add_prefix_space", true);
        }
      }
      case "RobertaProcessing" -> {
        if (!(processor[0] instanceof PostProcessor.None)) {
          throw json.error(path, "at most one post-processor that adds special tokens");
        }
        JsonNode sep = node.get("sep");
        JsonNode cls = node.get("cls");
        if (!tokenPair(sep) || !tokenPair(cls)) {
          throw json.error(
              path + (tokenPair(sep) ? ".cls" : ".sep"),
              "a [token, id] pair such as [\"</s>\", 2]");
        }
        processor[0] =
            new PostProcessor.Roberta(
                cls.get(0).asText(),
                cls.get(1).intValue(),
                sep.get(0).asText(),
                sep.get(1).intValue());
        if (json.bool(node, path + ".trim_offsets", "trim_offsets", true)) {
          trim[0] = json.bool(node, path + ".add_prefix_space", "add_prefix_space", true);
        }
      }
      case "TemplateProcessing", "BertProcessing" -> {
        if (!(processor[0] instanceof PostProcessor.None)) {
          throw json.error(path, "at most one post-processor that adds special tokens");
        }
        processor[0] = json.postProcessor(node);
      }
      default ->
          throw json.error(
              path + ".type",
              "a supported post-processor (ByteLevel, TemplateProcessing, BertProcessing,"
                  + " RobertaProcessing, Sequence), found "
                  + TokenizerJsonParser.quote(type));
    }
  }

  private static boolean tokenPair(JsonNode pair) {
    return pair != null
        && pair.isArray()
        && pair.size() == 2
        && pair.get(0).isTextual()
        && pair.get(1).isIntegralNumber();
  }

  // ---- decoders ----

  private TokenDecoder decoder(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return TokenDecoder.NONE;
    }
    String type = json.typeOf(node, path);
    return switch (type) {
      case "Sequence" -> {
        JsonNode list = node.get("decoders");
        if (list == null || !list.isArray()) {
          throw json.error(path + ".decoders", "an array of decoders");
        }
        List<TokenDecoder> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          steps.add(decoder(list.get(i), path + ".decoders[" + i + "]"));
        }
        yield TokenDecoder.sequence(steps);
      }
      case "ByteLevel" -> TokenDecoder.byteLevel();
      case "ByteFallback" -> TokenDecoder.byteFallback();
      case "Fuse" -> TokenDecoder.fuse();
      case "Replace" ->
          TokenDecoder.replace(
              pattern(node.get("pattern"), path + ".pattern"),
              requiredString(node, path, "content"));
      case "Strip" -> {
        String content = requiredString(node, path, "content");
        if (content.codePointCount(0, content.length()) != 1) {
          throw json.error(path + ".content", "one character, found \"" + content + "\"");
        }
        yield TokenDecoder.strip(
            content.codePointAt(0),
            json.integer(node, path + ".start", "start", 0),
            json.integer(node, path + ".stop", "stop", 0));
      }
      case "Metaspace" ->
          TokenDecoder.metaspace(
              replacement(node, path),
              prependScheme(node, path) != PreTokenizer.PrependScheme.NEVER);
      case "WordPiece" ->
          TokenDecoder.wordPiece(
              json.string(node, path + ".prefix", "prefix", "##"),
              json.bool(node, path + ".cleanup", "cleanup", true));
      default ->
          throw json.error(
              path + ".type",
              "a supported decoder (ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace,"
                  + " WordPiece, Sequence), found "
                  + TokenizerJsonParser.quote(type));
    };
  }

  private String requiredString(JsonNode node, String path, String field) {
    String v = json.string(node, path + "." + field, field, null);
    if (v == null) {
      throw json.error(path + "." + field, "a string");
    }
    return v;
  }

  // ---- GPT-2's original files ----

  static BpeTokenizer gpt2(Path encoderJson, Path vocabBpe) throws IOException {
    JsonNode root;
    try (InputStream in = Files.newInputStream(encoderJson)) {
      root = TokenizerJsonParser.readTree(in, encoderJson.toString());
    }
    BpeJsonParser p = new BpeJsonParser(encoderJson.toString());
    if (root == null || !root.isObject() || root.isEmpty()) {
      throw p.json.error("", "a non-empty object mapping each token to its id");
    }
    Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
        throw p.json.error(
            TokenizerJsonParser.quote(e.getKey()), "a non-negative integer id, found " + id);
      }
      vocab.put(e.getKey(), id.intValue());
    }
    List<BpeModel.Merge> merges = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(vocabBpe, StandardCharsets.UTF_8)) {
      int lineNumber = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNumber++;
        if ((lineNumber == 1 && line.startsWith("#version")) || line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
          throw new IllegalArgumentException(
              vocabBpe
                  + ": line "
                  + lineNumber
                  + ": expected two tokens separated by one space, found \""
                  + line
                  + "\"");
        }
        merges.add(new BpeModel.Merge(parts[0], parts[1]));
      }
    }
    BpeModel model;
    try {
      model = new BpeModel(vocab, merges, null, false, false, false, null, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          vocabBpe + ": merges do not fit " + encoderJson + ": " + e.getMessage(), e);
    }
    List<AddedToken> added = new ArrayList<>();
    Integer eot = vocab.get("<|endoftext|>");
    if (eot != null) {
      added.add(new AddedToken(eot, "<|endoftext|>", false, false, false, false, true));
    }
    return new BpeTokenizer(
        null,
        PreTokenizer.byteLevel(false, true),
        model,
        added,
        new PostProcessor.None(),
        null,
        TokenDecoder.byteLevel(),
        null,
        null,
        null);
  }
}
