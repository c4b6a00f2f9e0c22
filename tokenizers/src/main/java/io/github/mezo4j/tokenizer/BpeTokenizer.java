package io.github.mezo4j.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A BPE tokenizer loaded from a Hugging Face {@code tokenizer.json} ({@code "model": {"type":
 * "BPE"}}), producing the same ids, tokens and offsets as Hugging Face tokenizers. Covers
 *
 * <ul>
 *   <li>byte-level BPE: GPT-2, RoBERTa ({@code RobertaProcessing}), OPT, Llama 3 and Qwen2 (the
 *       {@code ByteLevel} pre-tokenizer with GPT-2's pattern, or a {@code Split} pattern followed
 *       by {@code ByteLevel}; the {@code ByteLevel} decoder);
 *   <li>SentencePiece-style BPE with byte fallback: Llama 2, Mistral, TinyLlama ({@code
 *       Prepend}+{@code Replace} normalizers or the {@code Metaspace} pre-tokenizer; {@code <0xXX>}
 *       byte tokens; the {@code Replace}/{@code ByteFallback}/{@code Fuse}/{@code Strip} decoders).
 * </ul>
 *
 * <p>Pipeline, per text: added tokens are cut out first; the rest is normalized, pre-tokenized into
 * pieces, and each piece is merged into vocabulary tokens ({@link BpeModel}). Then truncation, the
 * post-processor's special tokens (such as Llama's {@code <s>}) and padding, as for {@link
 * WordPieceTokenizer}.
 *
 * <pre>{@code
 * BpeTokenizer gpt2 = BpeTokenizer.load(Path.of("gpt2/tokenizer.json"));
 * Encoding e = gpt2.encode("Hello world");   // ids [15496, 995], tokens [Hello, Ġworld]
 * gpt2.decode(e.ids());                      // "Hello world"
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class BpeTokenizer implements Tokenizer {
  private final TextNormalizer normalizer; // null: none
  private final PreTokenizer preTokenizer; // null: each piece is one word
  private final BpeModel model;
  private final List<AddedToken> addedTokens;
  private final AddedVocabulary addedVocabulary;
  private final Map<Integer, AddedToken> addedById;
  private final Map<String, AddedToken> addedByContent;
  private final PostProcessor postProcessor;
  private final Boolean trimOffsetsAddPrefixSpace; // null: no ByteLevel offset trimming
  private final TokenDecoder decoder;
  private final Truncation truncation; // null: none
  private final Padding padding; // null: none
  private final SpecialTokens specialTokens;

  BpeTokenizer(
      TextNormalizer normalizer,
      PreTokenizer preTokenizer,
      BpeModel model,
      List<AddedToken> addedTokens,
      PostProcessor postProcessor,
      Boolean trimOffsetsAddPrefixSpace,
      TokenDecoder decoder,
      Truncation truncation,
      Padding padding,
      SpecialTokens specialTokens) {
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.model = Objects.requireNonNull(model, "model");
    this.addedTokens = List.copyOf(addedTokens);
    this.addedVocabulary = new AddedVocabulary(this.addedTokens, normalizer);
    Map<Integer, AddedToken> byId = new HashMap<>();
    Map<String, AddedToken> byContent = new HashMap<>();
    for (AddedToken t : this.addedTokens) {
      byId.putIfAbsent(t.id(), t);
      byContent.putIfAbsent(t.content(), t);
    }
    this.addedById = byId;
    this.addedByContent = byContent;
    this.postProcessor = Objects.requireNonNull(postProcessor, "postProcessor");
    this.trimOffsetsAddPrefixSpace = trimOffsetsAddPrefixSpace;
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.truncation = truncation;
    this.padding = padding;
    this.specialTokens =
        specialTokens != null
            ? specialTokens
            : SpecialTokens.guess(
                this::tokenToId, model.unkToken() == null ? -1 : tokenToId(model.unkToken()));
  }

  private BpeTokenizer(
      BpeTokenizer base, Truncation truncation, Padding padding, SpecialTokens specialTokens) {
    this.normalizer = base.normalizer;
    this.preTokenizer = base.preTokenizer;
    this.model = base.model;
    this.addedTokens = base.addedTokens;
    this.addedVocabulary = base.addedVocabulary;
    this.addedById = base.addedById;
    this.addedByContent = base.addedByContent;
    this.postProcessor = base.postProcessor;
    this.trimOffsetsAddPrefixSpace = base.trimOffsetsAddPrefixSpace;
    this.decoder = base.decoder;
    this.truncation = truncation;
    this.padding = padding;
    this.specialTokens = specialTokens;
  }

  // ---- loading ----

  /**
   * Loads a {@code tokenizer.json} file with a BPE model.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not valid JSON or uses a component this library does
   *     not support; the message names the file and the field
   */
  public static BpeTokenizer load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in, file.toString());
    }
  }

  /** Loads a {@code tokenizer.json} from a stream; {@code sourceName} names it in errors. */
  public static BpeTokenizer load(InputStream in, String sourceName) throws IOException {
    return BpeJsonParser.parse(TokenizerJsonParser.readTree(in, sourceName), sourceName);
  }

  /** Parses {@code tokenizer.json} text; {@code sourceName} names it in error messages. */
  public static BpeTokenizer fromJson(String json, String sourceName) {
    return BpeJsonParser.parse(TokenizerJsonParser.readTree(json, sourceName), sourceName);
  }

  /**
   * GPT-2's tokenizer from OpenAI's original files: {@code encoder.json} (token to id) and {@code
   * vocab.bpe} (merges, one "a b" pair a line after a {@code #version} line). Configured as the
   * {@code gpt2} tokenizer on the Hugging Face hub: byte-level without prefix space, {@code
   * <|endoftext|>} as a special added token.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if a file is malformed (the message names file and line)
   */
  public static BpeTokenizer loadGpt2(Path encoderJson, Path vocabBpe) throws IOException {
    // Hugging Face folders call the same two files vocab.json and merges.txt.
    return BpeJsonParser.gpt2(encoderJson, vocabBpe);
  }

  // ---- configuration ----

  @Override
  public BpeTokenizer withTruncation(Truncation newTruncation) {
    return new BpeTokenizer(
        this, Objects.requireNonNull(newTruncation, "truncation"), padding, specialTokens);
  }

  @Override
  public BpeTokenizer withoutTruncation() {
    return new BpeTokenizer(this, null, padding, specialTokens);
  }

  @Override
  public BpeTokenizer withPadding(Padding newPadding) {
    return new BpeTokenizer(
        this, truncation, Objects.requireNonNull(newPadding, "padding"), specialTokens);
  }

  @Override
  public BpeTokenizer withoutPadding() {
    return new BpeTokenizer(this, truncation, null, specialTokens);
  }

  /** This tokenizer with other special token ids (for example from tokenizer_config.json). */
  public BpeTokenizer withSpecialTokens(SpecialTokens ids) {
    return new BpeTokenizer(this, truncation, padding, Objects.requireNonNull(ids, "ids"));
  }

  /**
   * This tokenizer with other added tokens and post-processor (used to apply a {@code
   * tokenizer_config.json} to files that carry neither, such as {@code vocab.json}+{@code
   * merges.txt}).
   */
  BpeTokenizer withPipeline(List<AddedToken> added, PostProcessor processor) {
    return new BpeTokenizer(
        normalizer,
        preTokenizer,
        model,
        added,
        processor,
        trimOffsetsAddPrefixSpace,
        decoder,
        truncation,
        padding,
        null);
  }

  /** The truncation in force, if any. */
  public Optional<Truncation> truncation() {
    return Optional.ofNullable(truncation);
  }

  /** The padding in force, if any. */
  public Optional<Padding> padding() {
    return Optional.ofNullable(padding);
  }

  /** The BPE model (vocabulary and merges). */
  public BpeModel model() {
    return model;
  }

  /** The added tokens of the file, in file order. */
  public List<AddedToken> addedTokens() {
    return addedTokens;
  }

  /** The post-processor that adds special tokens. */
  public PostProcessor postProcessor() {
    return postProcessor;
  }

  @Override
  public SpecialTokens specialTokens() {
    return specialTokens;
  }

  @Override
  public int vocabSize() {
    Set<Integer> ids = new HashSet<>();
    for (AddedToken t : addedTokens) {
      if (model.idToToken(t.id()) == null) {
        ids.add(t.id());
      }
    }
    return model.vocabSize() + ids.size();
  }

  @Override
  public int tokenToId(String token) {
    AddedToken t = addedByContent.get(token);
    return t != null ? t.id() : model.tokenToId(token);
  }

  @Override
  public String idToToken(int id) {
    AddedToken t = addedById.get(id);
    return t != null ? t.content() : model.idToToken(id);
  }

  // ---- decoding ----

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      AddedToken added = addedById.get(id);
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

  // ---- encoding ----

  @Override
  public Encoding encode(String first, String second, boolean addSpecialTokens) {
    return EncodingSteps.padded(encodeUnpadded(first, second, addSpecialTokens), padding);
  }

  @Override
  public List<Encoding> encodeBatch(List<String> texts) {
    List<TokenSequence> sequences = new ArrayList<>(texts.size());
    for (String text : texts) {
      sequences.add(encodeUnpadded(text, null, true));
    }
    return EncodingSteps.paddedTogether(sequences, padding);
  }

  /** The token ids of {@code text} without special tokens, truncation or padding. */
  public int[] tokenIds(String text) {
    return tokenize(Objects.requireNonNull(text, "text"), 0, 0, Integer.MAX_VALUE)
        .toEncoding()
        .ids();
  }

  private TokenSequence encodeUnpadded(String first, String second, boolean addSpecialTokens) {
    Objects.requireNonNull(first, "text");
    int cap =
        truncation != null && truncation.side() == Side.RIGHT
            ? truncation.maxLength()
            : Integer.MAX_VALUE;
    TokenSequence a = tokenize(first, 0, 0, cap);
    TokenSequence b = second == null ? null : tokenize(second, 1, 1, cap);
    if (truncation != null) {
      EncodingSteps.truncate(a, b, truncation, postProcessor, addSpecialTokens);
    }
    if (trimOffsetsAddPrefixSpace != null) {
      trimOffsets(a);
      if (b != null) {
        trimOffsets(b);
      }
    }
    return PostProcessing.apply(postProcessor, a, b, addSpecialTokens);
  }

  /**
   * The ByteLevel post-processor's {@code trim_offsets}: offsets leave out the spaces a token
   * starts or ends with (except the one {@code add_prefix_space} put before the first word).
   */
  private void trimOffsets(TokenSequence s) {
    for (int i = 0; i < s.length(); i++) {
      String token = s.token(i);
      int leading = 0;
      while (leading < token.length() && isTrimmedSpace(token.charAt(leading))) {
        leading++;
      }
      int trailing = 0;
      while (trailing < token.length()
          && isTrimmedSpace(token.charAt(token.length() - 1 - trailing))) {
        trailing++;
      }
      int start = s.start(i);
      int end = s.end(i);
      if (leading > 0) {
        boolean first = i == 0 || start == 0;
        if (first && trimOffsetsAddPrefixSpace && leading == 1) {
          leading = 0;
        }
        start = Math.min(start + leading, end);
      }
      if (trailing > 0 && end >= trailing) {
        end = Math.max(end - trailing, start);
      }
      s.setOffsets(i, start, end);
    }
  }

  private static boolean isTrimmedSpace(char c) {
    return c == 'Ġ' || Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  /**
   * The tokens of one text before truncation and special tokens. With right truncation a text stops
   * after the word (or added token) that brings it to {@code cap} tokens, as tokenizers 0.23 does;
   * with left truncation the same cut is made from the end.
   */
  private TokenSequence tokenize(String text, int typeId, int sequenceId, int cap) {
    Collector c = new Collector(text.length() / 3 + 4, typeId, sequenceId, cap);
    addedVocabulary.split(text, c);
    if (truncation != null && truncation.side() == Side.LEFT) {
      c.cutLeft(truncation.maxLength());
    }
    return c.out;
  }

  /** Collects the tokens of one text, unit by unit (a pre-tokenized piece or an added token). */
  private final class Collector extends UnitCollector {
    final List<NormalizedText> pieces = new ArrayList<>();

    Collector(int capacity, int typeId, int sequenceId, int stopAt) {
      super(capacity, typeId, sequenceId, stopAt);
    }

    @Override
    public void text(NormalizedText text, int from, int to) {
      if (stopped || to <= from) {
        return;
      }
      pieces.clear();
      NormalizedText piece = from == 0 && to == text.length() ? text : text.slice(from, to);
      if (preTokenizer == null) {
        pieces.add(piece);
      } else {
        preTokenizer.split(piece, pieces);
      }
      for (NormalizedText word : pieces) {
        if (stopped) {
          return;
        }
        startUnit(true);
        model.tokenize(
            word,
            (id, f, t) ->
                out.add(
                    id,
                    model.idToToken(id),
                    typeId,
                    1,
                    word.originalStart(f),
                    word.originalEnd(t - 1),
                    sequenceId));
        stopped = out.length() >= stopAt;
      }
    }
  }
}
