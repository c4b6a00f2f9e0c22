package io.github.mezo4j.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mezo4j.core.text.StrictUtf8;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} holding a WordPiece (BERT) tokenizer. Every error
 * names the source and the JSON field, and says what was expected; nothing half-loaded escapes.
 */
final class TokenizerJsonParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String source;

  TokenizerJsonParser(String source) {
    this.source = source;
  }

  static WordPieceTokenizer read(InputStream in, String source) throws IOException {
    return wordPiece(readTree(in, source), source);
  }

  static WordPieceTokenizer parse(String json, String source) {
    return wordPiece(readTree(json, source), source);
  }

  static WordPieceTokenizer wordPiece(JsonNode root, String source) {
    return new TokenizerJsonParser(source).tokenizer(root);
  }

  /**
   * Reads JSON as strict UTF-8 (as tokenizer files are written; left to guess, the JSON parser
   * would take some bytes for UTF-32); bytes that are not UTF-8 or malformed JSON are an
   * IllegalArgumentException naming the source and place.
   */
  static JsonNode readTree(InputStream in, String source) throws IOException {
    String text;
    try {
      text = StrictUtf8.decode(in.readAllBytes());
    } catch (StrictUtf8.NotUtf8Exception e) {
      throw new IllegalArgumentException(source + ": line " + e.line() + ": " + e.getMessage(), e);
    }
    return readTree(text, source);
  }

  static JsonNode readTree(String json, String source) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          source + ": not valid JSON: " + e.getOriginalMessage() + locationOf(e), e);
    }
  }

  private static String locationOf(JsonProcessingException e) {
    var loc = e.getLocation();
    return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private WordPieceTokenizer tokenizer(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw error("", "a JSON object at the top level");
    }
    BertNormalizer normalizer = normalizer(root.get("normalizer"));
    BertPreTokenizer preTokenizer = preTokenizer(root.get("pre_tokenizer"));
    WordPieceModel model = model(root.get("model"));
    List<AddedToken> added =
        addedTokens(root.get("added_tokens"), model::tokenToId, model.vocab().size());
    PostProcessor postProcessor = postProcessor(root.get("post_processor"));
    Truncation truncation = truncation(root.get("truncation"));
    Padding padding = padding(root.get("padding"));
    TokenDecoder decoder = BpeJsonParser.decoderOf(root, source);
    return new WordPieceTokenizer(
        normalizer, preTokenizer, model, added, postProcessor, truncation, padding, decoder);
  }

  // ---- model ----

  private WordPieceModel model(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw error("model", "an object describing the WordPiece model");
    }
    JsonNode type = node.get("type");
    if (type != null && !"WordPiece".equals(type.asText())) {
      throw error(
          "model.type",
          "\"WordPiece\" (this loader reads BERT-style WordPiece tokenizers only), found " + type);
    }
    JsonNode vocabNode = node.get("vocab");
    if (vocabNode == null || !vocabNode.isObject()) {
      throw error("model.vocab", "an object mapping each token to its id");
    }
    if (vocabNode.isEmpty()) {
      throw error("model.vocab", "a non-empty vocabulary");
    }
    Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
    for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
      JsonNode id = e.getValue();
      if (!id.canConvertToInt() || !id.isIntegralNumber() || id.intValue() < 0) {
        throw error(
            "model.vocab[" + quote(e.getKey()) + "]", "a non-negative integer id, found " + id);
      }
      vocab.put(e.getKey(), id.intValue());
    }
    String unk = string(node, "model.unk_token", "unk_token", "[UNK]");
    String prefix =
        string(node, "model.continuing_subword_prefix", "continuing_subword_prefix", "##");
    int maxChars = integer(node, "model.max_input_chars_per_word", "max_input_chars_per_word", 100);
    if (!vocab.containsKey(unk)) {
      throw error("model.unk_token", "a token of model.vocab, but " + quote(unk) + " is not");
    }
    try {
      return new WordPieceModel(vocab, unk, prefix, maxChars);
    } catch (IllegalArgumentException e) {
      throw error("model", "a valid WordPiece model: " + e.getMessage());
    }
  }

  // ---- normalizer and pre-tokenizer ----

  private BertNormalizer normalizer(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = typeOf(node, "normalizer");
    if (!"BertNormalizer".equals(type)) {
      throw error(
          "normalizer.type",
          "\"BertNormalizer\" or a null normalizer (others are not supported), found "
              + quote(type));
    }
    JsonNode strip = node.get("strip_accents");
    Boolean stripAccents = null;
    if (strip != null && !strip.isNull()) {
      if (!strip.isBoolean()) {
        throw error("normalizer.strip_accents", "true, false or null, found " + strip);
      }
      stripAccents = strip.booleanValue();
    }
    return BertNormalizer.of(
        bool(node, "normalizer.clean_text", "clean_text", true),
        bool(node, "normalizer.handle_chinese_chars", "handle_chinese_chars", true),
        stripAccents,
        bool(node, "normalizer.lowercase", "lowercase", true));
  }

  private BertPreTokenizer preTokenizer(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = typeOf(node, "pre_tokenizer");
    if (!"BertPreTokenizer".equals(type)) {
      throw error(
          "pre_tokenizer.type",
          "\"BertPreTokenizer\" or a null pre-tokenizer (others are not supported), found "
              + quote(type));
    }
    return new BertPreTokenizer();
  }

  // ---- added tokens ----

  /**
   * Added tokens with the ids Hugging Face tokenizers gives them: a token of the vocabulary keeps
   * its vocabulary id; any other takes the next id after the vocabulary. A file whose ids disagree
   * is rejected rather than silently renumbered.
   */
  List<AddedToken> addedTokens(
      JsonNode node, java.util.function.ToIntFunction<String> vocabId, int vocabSize) {
    List<AddedToken> result = new ArrayList<>();
    if (node == null || node.isNull()) {
      return result;
    }
    if (!node.isArray()) {
      throw error("added_tokens", "an array of added tokens");
    }
    Map<String, Integer> assigned = new LinkedHashMap<>();
    int maxAssigned = -1;
    for (int i = 0; i < node.size(); i++) {
      String path = "added_tokens[" + i + "]";
      JsonNode t = node.get(i);
      if (!t.isObject()) {
        throw error(path, "an object with id and content");
      }
      JsonNode contentNode = t.get("content");
      if (contentNode == null || !contentNode.isTextual()) {
        throw error(path + ".content", "the token text as a string");
      }
      String content = contentNode.asText();
      if (content.isEmpty()) {
        continue; // the reference ignores empty added tokens
      }
      boolean special = bool(t, path + ".special", "special", false);
      Integer id = assigned.get(content);
      if (id == null) {
        int inVocab = vocabId.applyAsInt(content);
        if (inVocab >= 0) {
          id = inVocab;
        } else if (maxAssigned < 0 || maxAssigned < vocabSize) {
          id = vocabSize;
        } else {
          id = maxAssigned + 1;
        }
        assigned.put(content, id);
        maxAssigned = Math.max(maxAssigned, id);
      }
      JsonNode idNode = t.get("id");
      if (idNode == null || !idNode.isIntegralNumber()) {
        throw error(path + ".id", "an integer id");
      }
      if (idNode.intValue() != id) {
        throw error(
            path + ".id",
            id
                + " for "
                + quote(content)
                + " (Hugging Face tokenizers assigns vocabulary ids to tokens of the vocabulary"
                + " and the ids after the vocabulary to the others), found "
                + idNode.intValue());
      }
      result.add(
          new AddedToken(
              id,
              content,
              bool(t, path + ".single_word", "single_word", false),
              bool(t, path + ".lstrip", "lstrip", false),
              bool(t, path + ".rstrip", "rstrip", false),
              bool(t, path + ".normalized", "normalized", !special),
              special));
    }
    return result;
  }

  // ---- post-processor ----

  PostProcessor postProcessor(JsonNode node) {
    if (node == null || node.isNull()) {
      return new PostProcessor.None();
    }
    String type = typeOf(node, "post_processor");
    return switch (type) {
      case "TemplateProcessing" -> template(node);
      case "BertProcessing" -> {
        JsonNode sep = node.get("sep");
        JsonNode cls = node.get("cls");
        checkTokenPair(sep, "post_processor.sep");
        checkTokenPair(cls, "post_processor.cls");
        yield new PostProcessor.Bert(
            cls.get(0).asText(), cls.get(1).intValue(), sep.get(0).asText(), sep.get(1).intValue());
      }
      default ->
          throw error(
              "post_processor.type",
              "\"TemplateProcessing\", \"BertProcessing\" or null, found " + quote(type));
    };
  }

  private void checkTokenPair(JsonNode pair, String path) {
    if (pair == null
        || !pair.isArray()
        || pair.size() != 2
        || !pair.get(0).isTextual()
        || !pair.get(1).isIntegralNumber()) {
      throw error(path, "a [token, id] pair such as [\"[SEP]\", 102]");
    }
  }

  PostProcessor.Template template(JsonNode node) {
    Map<String, PostProcessor.SpecialToken> specials = new HashMap<>();
    JsonNode specialNode = node.get("special_tokens");
    if (specialNode != null && !specialNode.isNull()) {
      if (!specialNode.isObject()) {
        throw error("post_processor.special_tokens", "an object of special tokens");
      }
      for (Map.Entry<String, JsonNode> e : specialNode.properties()) {
        String path = "post_processor.special_tokens[" + quote(e.getKey()) + "]";
        JsonNode ids = e.getValue().get("ids");
        JsonNode tokens = e.getValue().get("tokens");
        if (ids == null || !ids.isArray() || tokens == null || !tokens.isArray()) {
          throw error(path, "an object with arrays \"ids\" and \"tokens\"");
        }
        int[] idArray = new int[ids.size()];
        List<String> tokenList = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
          if (!ids.get(i).isIntegralNumber()) {
            throw error(path + ".ids[" + i + "]", "an integer id");
          }
          idArray[i] = ids.get(i).intValue();
        }
        for (JsonNode tok : tokens) {
          tokenList.add(tok.asText());
        }
        if (idArray.length != tokenList.size()) {
          throw error(path, "as many tokens as ids");
        }
        specials.put(e.getKey(), new PostProcessor.SpecialToken(e.getKey(), idArray, tokenList));
      }
    }
    List<PostProcessor.Piece> single =
        pieces(node.get("single"), "post_processor.single", specials);
    List<PostProcessor.Piece> pair = pieces(node.get("pair"), "post_processor.pair", specials);
    return new PostProcessor.Template(single, pair, specials);
  }

  private List<PostProcessor.Piece> pieces(
      JsonNode node, String path, Map<String, PostProcessor.SpecialToken> specials) {
    if (node == null || !node.isArray()) {
      throw error(path, "an array of template pieces");
    }
    List<PostProcessor.Piece> result = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String piecePath = path + "[" + i + "]";
      JsonNode piece = node.get(i);
      JsonNode seq = piece.get("Sequence");
      JsonNode special = piece.get("SpecialToken");
      if (seq != null) {
        String id = seq.path("id").asText();
        if (!id.equals("A") && !id.equals("B")) {
          throw error(piecePath + ".Sequence.id", "\"A\" or \"B\", found " + seq.get("id"));
        }
        result.add(PostProcessor.Piece.text(id.equals("B"), typeId(seq, piecePath + ".Sequence")));
      } else if (special != null) {
        String id = special.path("id").asText();
        if (!specials.containsKey(id)) {
          throw error(
              piecePath + ".SpecialToken.id",
              "a token defined in post_processor.special_tokens, found " + quote(id));
        }
        result.add(PostProcessor.Piece.special(id, typeId(special, piecePath + ".SpecialToken")));
      } else {
        throw error(piecePath, "{\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    return result;
  }

  private int typeId(JsonNode node, String path) {
    JsonNode t = node.get("type_id");
    if (t == null || !t.isIntegralNumber() || t.intValue() < 0) {
      throw error(path + ".type_id", "a non-negative integer");
    }
    return t.intValue();
  }

  // ---- truncation and padding ----

  Truncation truncation(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    int max = integer(node, "truncation.max_length", "max_length", -1);
    if (max < 0) {
      throw error("truncation.max_length", "a non-negative integer");
    }
    String strategy = string(node, "truncation.strategy", "strategy", "LongestFirst");
    Truncation.Strategy s =
        switch (strategy) {
          case "LongestFirst" -> Truncation.Strategy.LONGEST_FIRST;
          case "OnlyFirst" -> Truncation.Strategy.ONLY_FIRST;
          case "OnlySecond" -> Truncation.Strategy.ONLY_SECOND;
          default ->
              throw error(
                  "truncation.strategy",
                  "\"LongestFirst\", \"OnlyFirst\" or \"OnlySecond\", found " + quote(strategy));
        };
    // stride only shapes the overflowing windows, which this tokenizer does not produce.
    return new Truncation(max, s, side(node, "truncation.direction"));
  }

  Padding padding(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonNode strategy = node.get("strategy");
    int fixed;
    if (strategy != null && strategy.isTextual() && strategy.asText().equals("BatchLongest")) {
      fixed = 0;
    } else if (strategy != null
        && strategy.isObject()
        && strategy.has("Fixed")
        && strategy.get("Fixed").isIntegralNumber()
        && strategy.get("Fixed").intValue() > 0) {
      fixed = strategy.get("Fixed").intValue();
    } else {
      throw error("padding.strategy", "\"BatchLongest\" or {\"Fixed\": length > 0}");
    }
    JsonNode multiple = node.get("pad_to_multiple_of");
    int multipleOf = 0;
    if (multiple != null && !multiple.isNull()) {
      if (!multiple.isIntegralNumber() || multiple.intValue() < 0) {
        throw error("padding.pad_to_multiple_of", "null or a non-negative integer");
      }
      multipleOf = multiple.intValue();
    }
    return new Padding(
        fixed,
        side(node, "padding.direction"),
        multipleOf,
        integer(node, "padding.pad_id", "pad_id", 0),
        integer(node, "padding.pad_type_id", "pad_type_id", 0),
        string(node, "padding.pad_token", "pad_token", "[PAD]"));
  }

  private Side side(JsonNode node, String path) {
    String direction = string(node, path, "direction", "Right");
    return switch (direction) {
      case "Right" -> Side.RIGHT;
      case "Left" -> Side.LEFT;
      default -> throw error(path, "\"Left\" or \"Right\", found " + quote(direction));
    };
  }

  // ---- small readers ----

  String typeOf(JsonNode node, String path) {
    if (!node.isObject()) {
      throw error(path, "an object with a \"type\"");
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw error(path + ".type", "a type name such as \"BertNormalizer\"");
    }
    return type.asText();
  }

  boolean bool(JsonNode node, String path, String field, boolean fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw error(path, "true or false, found " + v);
    }
    return v.booleanValue();
  }

  int integer(JsonNode node, String path, String field, int fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw error(path, "an integer, found " + v);
    }
    return v.intValue();
  }

  String string(JsonNode node, String path, String field, String fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw error(path, "a string, found " + v);
    }
    return v.asText();
  }

  static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }

  IllegalArgumentException error(String field, String expected) {
    String where = field.isEmpty() ? "" : " field " + field + ":";
    return new IllegalArgumentException(source + ":" + where + " expected " + expected);
  }
}
