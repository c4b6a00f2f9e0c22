package io.github.mezo4j.tokenizer;

import java.util.OptionalInt;
import java.util.function.ToIntFunction;

/**
 * The ids of a tokenizer's special tokens, each -1 when the tokenizer has none or cannot tell.
 * {@code tokenizer.json} does not name them; loaders take them from {@code tokenizer_config.json}
 * when a model folder has one, and otherwise recognise the usual names ({@code <s>}, {@code </s>},
 * {@code <|endoftext|>}, {@code <|begin_of_text|>}, {@code [PAD]}...). Model code should prefer the
 * ids of the model's {@code config.json} where it has them.
 *
 * @param bosId beginning of sequence, or -1
 * @param eosId end of sequence, or -1
 * @param padId padding, or -1
 * @param unkId unknown token, or -1
 */
public record SpecialTokens(int bosId, int eosId, int padId, int unkId) {

  /** No special tokens known. */
  public static final SpecialTokens NONE = new SpecialTokens(-1, -1, -1, -1);

  /** Beginning of sequence. */
  public OptionalInt bos() {
    return of(bosId);
  }

  /** End of sequence. */
  public OptionalInt eos() {
    return of(eosId);
  }

  /** Padding. */
  public OptionalInt pad() {
    return of(padId);
  }

  /** Unknown token. */
  public OptionalInt unk() {
    return of(unkId);
  }

  /** These ids with another beginning-of-sequence id (-1: none). */
  public SpecialTokens withBos(int id) {
    return new SpecialTokens(id, eosId, padId, unkId);
  }

  /** These ids with another end-of-sequence id (-1: none). */
  public SpecialTokens withEos(int id) {
    return new SpecialTokens(bosId, id, padId, unkId);
  }

  /** These ids with another padding id (-1: none). */
  public SpecialTokens withPad(int id) {
    return new SpecialTokens(bosId, eosId, id, unkId);
  }

  private static OptionalInt of(int id) {
    return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
  }

  // The conventional names, most specific first.
  private static final String[] BOS = {"<|begin_of_text|>", "<s>", "<|startoftext|>", "[CLS]"};
  private static final String[] EOS = {"<|end_of_text|>", "</s>", "<|endoftext|>", "[SEP]"};
  private static final String[] PAD = {"<pad>", "[PAD]", "<|pad|>", "<|finetune_right_pad_id|>"};

  /**
   * Guesses the ids from the usual token names; GPT-2's {@code <|endoftext|>} serves as both BOS
   * and EOS, as in its Hugging Face configuration.
   */
  static SpecialTokens guess(ToIntFunction<String> tokenToId, int unkId) {
    int bos = first(tokenToId, BOS);
    int eos = first(tokenToId, EOS);
    if (bos < 0 && eos >= 0 && tokenToId.applyAsInt("<|endoftext|>") == eos) {
      bos = eos;
    }
    return new SpecialTokens(bos, eos, first(tokenToId, PAD), unkId);
  }

  private static int first(ToIntFunction<String> tokenToId, String[] names) {
    for (String name : names) {
      int id = tokenToId.applyAsInt(name);
      if (id >= 0) {
        return id;
      }
    }
    return -1;
  }
}
