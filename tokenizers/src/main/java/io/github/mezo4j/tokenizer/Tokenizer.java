package io.github.mezo4j.tokenizer;

import java.util.List;
import java.util.OptionalInt;

/**
 * A text tokenizer: text to token ids ({@link #encode}) and back ({@link #decode}). Implemented by
 * {@link WordPieceTokenizer} (BERT), {@link BpeTokenizer} (byte-level BPE as in GPT-2, OPT, Llama 3
 * and Qwen2; SentencePiece-style BPE with byte fallback as in Llama 2, Mistral and TinyLlama) and
 * {@link Llama2cTokenizer} (llama2.c's {@code tokenizer.bin}). {@link Tokenizers#load} picks the
 * right one for a file or model folder.
 *
 * <pre>{@code
 * Tokenizer tokenizer = Tokenizers.load(Path.of("models/gpt2"));
 * Encoding e = tokenizer.encode("Hello world");        // ids [15496, 995]
 * String text = tokenizer.decode(e.ids());             // "Hello world"
 * int eos = tokenizer.eosId().orElseThrow();
 * }</pre>
 *
 * <p>Implementations are immutable and safe to share between threads. Offsets in encodings are
 * UTF-16 indices into the text the token came from.
 */
public interface Tokenizer {

  /** Encodes one text with the special tokens the tokenizer adds (BOS, {@code [CLS]}...). */
  default Encoding encode(String text) {
    return encode(text, null, true);
  }

  /** Encodes a pair of texts with special tokens. */
  default Encoding encode(String first, String second) {
    return encode(first, second, true);
  }

  /**
   * Encodes one text ({@code second == null}) or a pair.
   *
   * @param addSpecialTokens whether to add the special tokens of the post-processor
   * @throws IllegalArgumentException if truncation cannot satisfy its limit, or the tokenizer
   *     cannot encode pairs
   */
  Encoding encode(String first, String second, boolean addSpecialTokens);

  /** Encodes texts with special tokens, padded together as configured. */
  List<Encoding> encodeBatch(List<String> texts);

  /** The text of {@code ids}, special tokens included. */
  default String decode(int[] ids) {
    return decode(ids, false);
  }

  /**
   * The text of {@code ids}.
   *
   * @param skipSpecialTokens leave out special tokens ({@code <s>}, {@code <|endoftext|>}...)
   * @throws IllegalArgumentException if an id is not in the vocabulary
   */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** The number of distinct ids: the vocabulary plus added tokens outside it. */
  int vocabSize();

  /** The id of {@code token} (added tokens included), or -1. */
  int tokenToId(String token);

  /** The token with this id (added tokens included), or {@code null}. */
  String idToToken(int id);

  /** Special token ids, where the tokenizer knows them. */
  SpecialTokens specialTokens();

  /** The beginning-of-sequence id, if known. */
  default OptionalInt bosId() {
    return specialTokens().bos();
  }

  /** The end-of-sequence id, if known. */
  default OptionalInt eosId() {
    return specialTokens().eos();
  }

  /** The padding id, if known. */
  default OptionalInt padId() {
    return specialTokens().pad();
  }

  /** The unknown-token id, if the tokenizer has one. */
  default OptionalInt unkId() {
    return specialTokens().unk();
  }

  /** This tokenizer with another truncation. */
  Tokenizer withTruncation(Truncation truncation);

  /** This tokenizer without truncation. */
  Tokenizer withoutTruncation();

  /** This tokenizer with another padding. */
  Tokenizer withPadding(Padding padding);

  /** This tokenizer without padding. */
  Tokenizer withoutPadding();
}
