package io.github.mezo4j.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A BERT WordPiece tokenizer loaded from a Hugging Face {@code tokenizer.json}, producing the same
 * ids, type ids, attention masks and offsets as Hugging Face tokenizers (the Rust library behind
 * {@code transformers}' fast tokenizers).
 *
 * <p>Pipeline, per text: added tokens ({@code [CLS]}, {@code [MASK]}, ... written in the text) are
 * cut out first; the rest is normalized ({@link BertNormalizer}), split into words ({@link
 * BertPreTokenizer}) and each word into vocabulary pieces ({@link WordPieceModel}). Then the texts
 * are truncated ({@link Truncation}), special tokens are added ({@link PostProcessor}) and the
 * result is padded ({@link Padding}). Truncation and padding start as {@code tokenizer.json} says
 * (all-MiniLM-L6-v2's file truncates and pads to 128) and can be replaced:
 *
 * <pre>{@code
 * WordPieceTokenizer tokenizer = WordPieceTokenizer.load(Path.of("tokenizer.json"))
 *     .withTruncation(Truncation.longestFirst(64))
 *     .withPadding(Padding.batchLongest());
 * Encoding one = tokenizer.encode("The movie was great!");
 * Encoding pair = tokenizer.encode("A man is eating.", "Someone eats.");
 * List<Encoding> batch = tokenizer.encodeBatch(List.of("first text", "second text"));
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads. Offsets are UTF-16 indices into the
 * text each token came from (see {@link Encoding#sequenceIds()}); a lone surrogate in the input is
 * read as U+FFFD, as it is when a Java string reaches the Rust library.
 */
public final class WordPieceTokenizer implements Tokenizer {
  private final BertNormalizer normalizer; // null: none
  private final BertPreTokenizer preTokenizer; // null: each piece is one word
  private final WordPieceModel model;
  private final AddedVocabulary addedVocabulary;
  private final List<AddedToken> addedTokens;
  private final PostProcessor postProcessor;
  private final Truncation truncation; // null: none
  private final Padding padding; // null: none
  private final TokenDecoder decoder;
  private final SpecialTokens specialTokens;

  WordPieceTokenizer(
      BertNormalizer normalizer,
      BertPreTokenizer preTokenizer,
      WordPieceModel model,
      List<AddedToken> addedTokens,
      PostProcessor postProcessor,
      Truncation truncation,
      Padding padding,
      TokenDecoder decoder) {
    this(
        normalizer,
        preTokenizer,
        model,
        List.copyOf(addedTokens),
        new AddedVocabulary(addedTokens, TextNormalizer.of(normalizer)),
        postProcessor,
        truncation,
        padding,
        decoder,
        null);
  }

  private WordPieceTokenizer(
      BertNormalizer normalizer,
      BertPreTokenizer preTokenizer,
      WordPieceModel model,
      List<AddedToken> addedTokens,
      AddedVocabulary addedVocabulary,
      PostProcessor postProcessor,
      Truncation truncation,
      Padding padding,
      TokenDecoder decoder,
      SpecialTokens specialTokens) {
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.model = Objects.requireNonNull(model, "model");
    this.addedTokens = addedTokens;
    this.addedVocabulary = addedVocabulary;
    this.postProcessor = Objects.requireNonNull(postProcessor, "postProcessor");
    this.truncation = truncation;
    this.padding = padding;
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.specialTokens =
        specialTokens != null
            ? specialTokens
            : SpecialTokens.guess(this::tokenToId, model.unkId())
                .withBos(tokenToId("[CLS]"))
                .withEos(tokenToId("[SEP]"))
                .withPad(padding != null ? padding.padId() : tokenToId("[PAD]"));
  }

  /**
   * Loads a {@code tokenizer.json} file.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not valid JSON or not a supported WordPiece
   *     tokenizer; the message names the file and the field
   */
  public static WordPieceTokenizer load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in, file.toString());
    }
  }

  /**
   * Loads a {@code tokenizer.json} from a stream; {@code sourceName} names it in error messages.
   *
   * @throws IOException if the stream cannot be read
   * @throws IllegalArgumentException if it is not a supported WordPiece tokenizer
   */
  public static WordPieceTokenizer load(InputStream in, String sourceName) throws IOException {
    return TokenizerJsonParser.read(in, sourceName);
  }

  /**
   * Loads a {@code tokenizer.json} from the class path, for example all-MiniLM-L6-v2's {@code
   * "all-minilm-l6-v2-tokenizer.json"} from the langchain4j resource jar.
   *
   * @throws IOException if the resource is missing or unreadable
   */
  public static WordPieceTokenizer loadResource(String resource) throws IOException {
    ClassLoader loader = WordPieceTokenizer.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("class path resource not found: " + resource);
      }
      return load(in, resource);
    }
  }

  /** Parses {@code tokenizer.json} text; {@code sourceName} names it in error messages. */
  public static WordPieceTokenizer fromJson(String json, String sourceName) {
    return TokenizerJsonParser.parse(json, sourceName);
  }

  // ---- configuration ----

  /** This tokenizer with another truncation. */
  @Override
  public WordPieceTokenizer withTruncation(Truncation newTruncation) {
    return with(Objects.requireNonNull(newTruncation, "truncation"), padding);
  }

  /** This tokenizer without truncation. */
  @Override
  public WordPieceTokenizer withoutTruncation() {
    return with(null, padding);
  }

  /** This tokenizer with another padding. */
  @Override
  public WordPieceTokenizer withPadding(Padding newPadding) {
    return with(truncation, Objects.requireNonNull(newPadding, "padding"));
  }

  /** This tokenizer without padding. */
  @Override
  public WordPieceTokenizer withoutPadding() {
    return with(truncation, null);
  }

  private WordPieceTokenizer with(Truncation newTruncation, Padding newPadding) {
    return new WordPieceTokenizer(
        normalizer,
        preTokenizer,
        model,
        addedTokens,
        addedVocabulary,
        postProcessor,
        newTruncation,
        newPadding,
        decoder,
        specialTokens);
  }

  /** The truncation in force, if any. */
  public Optional<Truncation> truncation() {
    return Optional.ofNullable(truncation);
  }

  /** The padding in force, if any. */
  public Optional<Padding> padding() {
    return Optional.ofNullable(padding);
  }

  /** The normalizer, if the file has one. */
  public Optional<BertNormalizer> normalizer() {
    return Optional.ofNullable(normalizer);
  }

  /** The WordPiece model (vocabulary). */
  public WordPieceModel model() {
    return model;
  }

  /** The post-processor that adds special tokens. */
  public PostProcessor postProcessor() {
    return postProcessor;
  }

  /** The added tokens of the file, in file order. */
  public List<AddedToken> addedTokens() {
    return addedTokens;
  }

  @Override
  public SpecialTokens specialTokens() {
    return specialTokens;
  }

  @Override
  public int vocabSize() {
    int extra = 0;
    Set<Integer> seen = new HashSet<>();
    for (AddedToken t : addedTokens) {
      if (model.idToToken(t.id()) == null && seen.add(t.id())) {
        extra++;
      }
    }
    return model.vocab().size() + extra;
  }

  /**
   * The text of {@code ids} through the file's decoder (WordPiece: "##" pieces joined, spaces
   * before punctuation cleaned up).
   *
   * @throws IllegalArgumentException if an id is not in the vocabulary
   */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      AddedToken added = null;
      for (AddedToken t : addedTokens) {
        if (t.id() == id) {
          added = t;
          break;
        }
      }
      if (added != null) {
        if (!(skipSpecialTokens && added.special())) {
          tokens.add(added.content());
        }
        continue;
      }
      String token = model.idToToken(id);
      if (token == null) {
        throw new IllegalArgumentException(
            "cannot decode id " + id + ": no token of this tokenizer has it");
      }
      tokens.add(token);
    }
    return decoder.decode(tokens);
  }

  /** The id of {@code token} (added tokens included), or -1. */
  @Override
  public int tokenToId(String token) {
    for (AddedToken t : addedTokens) {
      if (t.content().equals(token)) {
        return t.id();
      }
    }
    return model.tokenToId(token);
  }

  /** The token with this id (added tokens included), or {@code null}. */
  @Override
  public String idToToken(int id) {
    for (AddedToken t : addedTokens) {
      if (t.id() == id) {
        return t.content();
      }
    }
    return model.idToToken(id);
  }

  // ---- encoding ----

  /** Encodes one text with special tokens. */
  public Encoding encode(String text) {
    return encode(text, null, true);
  }

  /** Encodes a pair of texts with special tokens: {@code [CLS] first [SEP] second [SEP]}. */
  public Encoding encode(String first, String second) {
    return encode(first, second, true);
  }

  /**
   * Encodes one text ({@code second == null}) or a pair.
   *
   * @param addSpecialTokens whether to add {@code [CLS]}/{@code [SEP]}; type ids are set either way
   * @throws IllegalArgumentException if truncation cannot satisfy its limit (a too small {@code
   *     maxLength}, or ONLY_FIRST/ONLY_SECOND with a text too short to remove enough tokens)
   */
  @Override
  public Encoding encode(String first, String second, boolean addSpecialTokens) {
    return EncodingSteps.padded(encodeUnpadded(first, second, addSpecialTokens), padding);
  }

  /** Encodes texts with special tokens, padding them together as configured. */
  @Override
  public List<Encoding> encodeBatch(List<String> texts) {
    return encodeBatch(texts, null, true);
  }

  /** Encodes pairs {@code (firsts[i], seconds[i])} with special tokens, padded together. */
  public List<Encoding> encodePairBatch(List<String> firsts, List<String> seconds) {
    return encodeBatch(firsts, Objects.requireNonNull(seconds, "seconds"), true);
  }

  /**
   * Encodes a batch of texts, or of pairs when {@code seconds} is not null (same size as {@code
   * firsts}). With batch-longest padding every encoding gets the length of the longest.
   */
  public List<Encoding> encodeBatch(
      List<String> firsts, List<String> seconds, boolean addSpecialTokens) {
    if (seconds != null && seconds.size() != firsts.size()) {
      throw new IllegalArgumentException(
          "a pair batch needs as many second texts as first texts: "
              + firsts.size()
              + " firsts, "
              + seconds.size()
              + " seconds");
    }
    List<TokenSequence> sequences = new ArrayList<>(firsts.size());
    for (int i = 0; i < firsts.size(); i++) {
      sequences.add(
          encodeUnpadded(firsts.get(i), seconds == null ? null : seconds.get(i), addSpecialTokens));
    }
    return EncodingSteps.paddedTogether(sequences, padding);
  }

  private TokenSequence encodeUnpadded(String first, String second, boolean addSpecialTokens) {
    Objects.requireNonNull(first, "text");
    TokenSequence a = tokenize(first, 0, 0);
    TokenSequence b = second == null ? null : tokenize(second, 1, 1);
    if (truncation != null) {
      EncodingSteps.truncate(a, b, truncation, postProcessor, addSpecialTokens);
    }
    return PostProcessing.apply(postProcessor, a, b, addSpecialTokens);
  }

  /**
   * The tokens of one text, before truncation and special tokens. With truncation on, a text is
   * first cut to whole words, as tokenizers 0.23 does: words are taken from the kept side until,
   * after a word, at least {@code maxLength} tokens are in (added tokens such as {@code [MASK]}
   * count but never end the cut). The cut is visible in results: it decides which text of a long
   * pair counts as the longer one.
   */
  private TokenSequence tokenize(String text, int typeId, int sequenceId) {
    int stopAt =
        truncation != null && truncation.side() == Side.RIGHT
            ? truncation.maxLength()
            : Integer.MAX_VALUE;
    WordCollector collector = new WordCollector(text.length() / 3 + 4, typeId, sequenceId, stopAt);
    addedVocabulary.split(text, collector);
    if (truncation != null && truncation.side() == Side.LEFT) {
      collector.cutLeft(truncation.maxLength()); // the same cut from the end
    }
    return collector.out;
  }

  /**
   * Turns the pieces of one text into tokens, unit by unit (a unit is a pre-tokenized word or an
   * added token), remembering where units start.
   */
  private final class WordCollector extends UnitCollector {
    WordCollector(int capacity, int typeId, int sequenceId, int stopAt) {
      super(capacity, typeId, sequenceId, stopAt);
    }

    @Override
    public void text(NormalizedText piece, int from, int to) {
      WordPieceModel.PieceSink pieces =
          (id, token, pieceFrom, pieceTo) ->
              out.add(
                  id,
                  token,
                  typeId,
                  1,
                  piece.originalStart(pieceFrom),
                  piece.originalEnd(pieceTo - 1),
                  sequenceId);
      if (preTokenizer == null) {
        if (to > from) {
          word(piece, from, to, pieces);
        }
      } else {
        preTokenizer.split(piece, from, to, (w0, w1) -> word(piece, w0, w1, pieces));
      }
    }

    private void word(NormalizedText piece, int from, int to, WordPieceModel.PieceSink pieces) {
      if (stopped) {
        return;
      }
      startUnit(true);
      model.tokenize(piece, from, to, pieces);
      stopped = out.length() >= stopAt;
    }
  }
}
