package io.github.mezo4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The tokenizer of Karpathy's llama2.c ({@code tokenizer.bin}): a SentencePiece BPE vocabulary with
 * one score per token, encoded and decoded exactly as llama2.c's {@code run.c} does.
 *
 * <p>File layout (little-endian): int32 {@code max_token_length}, then for each token float32
 * score, int32 byte length, the token's bytes. Ids 0, 1 and 2 are {@code <unk>}, BOS {@code <s>}
 * and EOS {@code </s>}; ids 3 to 258 are the byte tokens {@code <0x00>}..{@code <0xFF>}; pieces
 * write SentencePiece's "▁" as a plain space.
 *
 * <p>Encoding: BOS (optional); a space in front of non-empty text; every UTF-8 character that is a
 * token, else its bytes as byte tokens (id = byte + 3); then repeatedly the adjacent pair whose
 * concatenation is the token with the highest score is merged (leftmost on ties) until none is.
 * Decoding: pieces concatenated, the space after BOS dropped, {@code <0xXX>} pieces as raw bytes.
 *
 * <pre>{@code
 * Llama2cTokenizer tok = Llama2cTokenizer.load(Path.of("tok512.bin"), 512);
 * int[] ids = tok.encode("Once upon a time", true, false);   // [1, 403, 407, 261, 378]
 * }</pre>
 */
public final class Llama2cTokenizer implements Tokenizer {
  /** The unknown token's id. */
  public static final int UNK = 0;

  /** The beginning-of-sequence id. */
  public static final int BOS = 1;

  /** The end-of-sequence id. */
  public static final int EOS = 2;

  private final byte[][] pieces;
  private final float[] scores;
  private final int maxTokenLength;
  private final String[] keys; // piece bytes as Latin-1 strings: byte-exact map keys
  private final Map<String, Integer> ids; // key -> id
  private final Truncation truncation; // null: none
  private final Padding padding; // null: none

  private Llama2cTokenizer(
      byte[][] pieces, float[] scores, int maxTokenLength, Truncation truncation, Padding padding) {
    this.pieces = pieces;
    this.scores = scores;
    this.maxTokenLength = maxTokenLength;
    this.keys = new String[pieces.length];
    this.ids = new HashMap<>(pieces.length * 2);
    for (int i = 0; i < pieces.length; i++) {
      keys[i] = latin1(pieces[i]);
      ids.putIfAbsent(keys[i], i);
    }
    this.truncation = truncation;
    this.padding = padding;
  }

  private Llama2cTokenizer(Llama2cTokenizer base, Truncation truncation, Padding padding) {
    this.pieces = base.pieces;
    this.scores = base.scores;
    this.maxTokenLength = base.maxTokenLength;
    this.keys = base.keys;
    this.ids = base.ids;
    this.truncation = truncation;
    this.padding = padding;
  }

  /**
   * Reads a llama2.c {@code tokenizer.bin} holding {@code vocabSize} tokens (the model's vocab
   * size: the file does not store it).
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is shorter or longer than {@code vocabSize} tokens
   *     or has a negative length; the message names the file, token and byte offset
   */
  public static Llama2cTokenizer load(Path file, int vocabSize) throws IOException {
    return parse(Files.readAllBytes(file), vocabSize, file.toString());
  }

  /**
   * Reads a llama2.c {@code tokenizer.bin}, taking every token the file holds (llama2.c itself
   * takes the count from the model; use {@link #load(Path, int)} to check it).
   */
  public static Llama2cTokenizer load(Path file) throws IOException {
    return parse(Files.readAllBytes(file), -1, file.toString());
  }

  /** Parses the bytes of a {@code tokenizer.bin}; {@code vocabSize < 0}: as many as it holds. */
  public static Llama2cTokenizer parse(byte[] bytes, int vocabSize, String source) {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 4) {
      throw new IllegalArgumentException(
          source
              + ": expected a llama2.c tokenizer (int32 max_token_length first), file has "
              + bytes.length
              + " bytes");
    }
    int maxLength = in.getInt();
    // no token can be longer than the file: a larger value is corruption, not a vocabulary
    if (maxLength <= 0 || maxLength > bytes.length) {
      throw new IllegalArgumentException(
          "%s: max_token_length must be in [1, %d] (the file's size), found %d"
              .formatted(source, bytes.length, maxLength));
    }
    List<byte[]> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    while (vocabSize < 0 ? in.hasRemaining() : pieces.size() < vocabSize) {
      int at = in.position();
      if (in.remaining() < 8) {
        throw new IllegalArgumentException(
            source
                + ": token "
                + pieces.size()
                + " at byte "
                + at
                + ": expected score and length"
                + (vocabSize < 0 ? "" : " (the model has " + vocabSize + " tokens)")
                + ", but the file ends");
      }
      float score = in.getFloat();
      int length = in.getInt();
      if (length < 0 || length > in.remaining()) {
        throw new IllegalArgumentException(
            source
                + ": token "
                + pieces.size()
                + " at byte "
                + at
                + ": length "
                + length
                + " does not fit the "
                + in.remaining()
                + " bytes left");
      }
      byte[] piece = new byte[length];
      in.get(piece);
      pieces.add(piece);
      scores.add(score);
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(
          source
              + ": "
              + in.remaining()
              + " bytes left after the "
              + vocabSize
              + " tokens of the model: is this the model's tokenizer?");
    }
    if (pieces.size() < 3) {
      throw new IllegalArgumentException(
          source + ": expected at least <unk>, <s> and </s>, found " + pieces.size() + " tokens");
    }
    float[] s = new float[scores.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = scores.get(i);
    }
    return new Llama2cTokenizer(pieces.toArray(new byte[0][]), s, maxLength, null, null);
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /**
   * The ids of {@code text} as run.c's {@code encode} gives them.
   *
   * @param bos put BOS (1) first
   * @param eos put EOS (2) last
   */
  public int[] encode(String text, boolean bos, boolean eos) {
    Objects.requireNonNull(text, "text");
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int[] tokens = new int[utf8.length + 3];
    int n = 0;
    if (bos) {
      tokens[n++] = BOS;
    }
    if (utf8.length > 0) {
      Integer space = ids.get(" ");
      if (space == null) {
        throw new IllegalArgumentException("the vocabulary has no \" \" token for the prefix");
      }
      tokens[n++] = space;
    }
    // One UTF-8 character at a time (at most 4 bytes, as run.c buffers them).
    int i = 0;
    while (i < utf8.length) {
      int end = i + 1;
      while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - i < 4) {
        end++;
      }
      Integer id = ids.get(new String(utf8, i, end - i, StandardCharsets.ISO_8859_1));
      if (id != null) {
        tokens[n++] = id;
      } else {
        for (int k = i; k < end; k++) {
          tokens[n++] = byteToken(utf8[k]);
        }
      }
      i = end;
    }
    n = mergeAll(tokens, n);
    if (eos) {
      tokens[n++] = EOS;
    }
    return Arrays.copyOf(tokens, n);
  }

  /** The id of the byte token {@code <0xXX>} (byte + 3), which a corrupt vocabulary may lack. */
  private int byteToken(byte b) {
    int id = (b & 0xFF) + 3;
    if (id >= pieces.length) {
      throw new IllegalArgumentException(
          ("the vocabulary has %d tokens, too few for the byte token <0x%02X> (id %d) that"
                  + " encodes a character it lacks: a llama2.c tokenizer holds 3 special tokens,"
                  + " then the 256 byte tokens")
              .formatted(pieces.length, b & 0xFF, id));
    }
    return id;
  }

  /**
   * run.c's merge loop (merge the pair whose concatenation is the highest-scoring token, leftmost
   * on ties, until none is in the vocabulary) without its quadratic rescans: candidate pairs wait
   * in a heap ordered as run.c's scan would choose them, and entries made stale by a neighbouring
   * merge are skipped. Returns the new token count.
   */
  private int mergeAll(int[] tokens, int n) {
    int[] next = new int[n];
    int[] prev = new int[n];
    boolean[] gone = new boolean[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Entries {left node, right node, left id, right id, merged id}; best score first, then the
    // leftmost (node numbers keep sequence order, since a merge keeps the left node).
    PriorityQueue<int[]> queue =
        new PriorityQueue<>(
            Math.max(1, n),
            (x, y) -> {
              float a = scores[x[4]];
              float b = scores[y[4]];
              if (a > b) {
                return -1;
              }
              if (b > a) {
                return 1;
              }
              return Integer.compare(x[0], y[0]);
            });
    StringBuilder pair = new StringBuilder();
    for (int i = 0; i + 1 < n; i++) {
      offer(queue, pair, tokens, i, i + 1);
    }
    int count = n;
    while (!queue.isEmpty()) {
      int[] e = queue.poll();
      int left = e[0];
      int right = e[1];
      if (gone[left] || next[left] != right || tokens[left] != e[2] || tokens[right] != e[3]) {
        continue;
      }
      tokens[left] = e[4];
      gone[right] = true;
      next[left] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = left;
      }
      count--;
      if (prev[left] >= 0) {
        offer(queue, pair, tokens, prev[left], left);
      }
      if (next[left] >= 0) {
        offer(queue, pair, tokens, left, next[left]);
      }
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!gone[i]) {
        tokens[k++] = tokens[i];
      }
    }
    return count;
  }

  private void offer(
      PriorityQueue<int[]> queue, StringBuilder pair, int[] tokens, int left, int right) {
    pair.setLength(0);
    pair.append(keys[tokens[left]]).append(keys[tokens[right]]);
    Integer id = ids.get(pair.toString());
    // run.c starts its search at -1e10: a pair scoring no better is never merged.
    if (id != null && scores[id] > -1e10f) {
      queue.add(new int[] {left, right, tokens[left], tokens[right], id});
    }
  }

  /**
   * The bytes token {@code token} prints after {@code previous}, as run.c's {@code decode}: the
   * leading space of the first piece after BOS is dropped, {@code <0xXX>} is that raw byte.
   */
  public byte[] pieceBytes(int previous, int token) {
    checkId(token);
    byte[] piece = pieces[token];
    int from = previous == BOS && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
    int b = TokenDecoder.byteValue(latin1(piece));
    if (b >= 0) {
      return new byte[] {(byte) b};
    }
    return Arrays.copyOfRange(piece, from, piece.length);
  }

  /**
   * The text of {@code ids}: the pieces' bytes as run.c prints them, decoded as UTF-8 (invalid
   * bytes become U+FFFD). BOS and EOS print nothing.
   */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int previous = -1;
    for (int id : ids) {
      if (id == BOS || id == EOS || (id == UNK && skipSpecialTokens)) {
        previous = id;
        continue;
      }
      out.writeBytes(pieceBytes(previous, id));
      previous = id;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private void checkId(int id) {
    if (id < 0 || id >= pieces.length) {
      throw new IllegalArgumentException(
          "token id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
    }
  }

  /** The score of a token (higher merges first). */
  public float score(int id) {
    checkId(id);
    return scores[id];
  }

  /** The longest piece in bytes, as the file says. */
  public int maxTokenLength() {
    return maxTokenLength;
  }

  // ---- Tokenizer ----

  /**
   * Encodes with BOS (as llama2.c's generation does; {@code addSpecialTokens == false}: without).
   * Offsets are not tracked (every token reports 0, 0); pairs are refused.
   */
  @Override
  public Encoding encode(String first, String second, boolean addSpecialTokens) {
    TokenSequence s = sequence(first, second, addSpecialTokens);
    if (padding != null) {
      s.pad(padding.targetLength(s.length()), padding);
    }
    return s.toEncoding();
  }

  private TokenSequence sequence(String first, String second, boolean addSpecialTokens) {
    if (second != null) {
      throw new IllegalArgumentException("the llama2.c tokenizer encodes single texts, not pairs");
    }
    int[] tokenIds = encode(first, addSpecialTokens, false);
    TokenSequence s = new TokenSequence(tokenIds.length);
    for (int id : tokenIds) {
      s.add(id, idToToken(id), 0, 1, 0, 0, id == BOS ? -1 : 0);
    }
    if (truncation != null) {
      s.truncate(truncation.maxLength(), truncation.side());
    }
    return s;
  }

  @Override
  public List<Encoding> encodeBatch(List<String> texts) {
    List<TokenSequence> sequences = new ArrayList<>();
    int longest = 0;
    for (String t : texts) {
      TokenSequence s = sequence(t, null, true);
      sequences.add(s);
      longest = Math.max(longest, s.length());
    }
    List<Encoding> out = new ArrayList<>();
    for (TokenSequence s : sequences) {
      if (padding != null) {
        s.pad(padding.targetLength(longest), padding);
      }
      out.add(s.toEncoding());
    }
    return out;
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public int tokenToId(String token) {
    Integer id = ids.get(latin1(token.getBytes(StandardCharsets.UTF_8)));
    return id == null ? -1 : id;
  }

  /** The piece of {@code id} as UTF-8 text (byte tokens read {@code <0xXX>}), or null. */
  @Override
  public String idToToken(int id) {
    return id < 0 || id >= pieces.length ? null : new String(pieces[id], StandardCharsets.UTF_8);
  }

  @Override
  public SpecialTokens specialTokens() {
    return new SpecialTokens(BOS, EOS, -1, UNK);
  }

  @Override
  public Llama2cTokenizer withTruncation(Truncation t) {
    return new Llama2cTokenizer(this, Objects.requireNonNull(t, "truncation"), padding);
  }

  @Override
  public Llama2cTokenizer withoutTruncation() {
    return new Llama2cTokenizer(this, null, padding);
  }

  @Override
  public Llama2cTokenizer withPadding(Padding p) {
    return new Llama2cTokenizer(this, truncation, Objects.requireNonNull(p, "padding"));
  }

  @Override
  public Llama2cTokenizer withoutPadding() {
    return new Llama2cTokenizer(this, truncation, null);
  }
}
