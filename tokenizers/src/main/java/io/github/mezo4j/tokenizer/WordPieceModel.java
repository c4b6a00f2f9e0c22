package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The WordPiece model: splits one pre-tokenized word into vocabulary pieces, greedily taking the
 * longest piece that matches at each position; pieces after the first carry the continuing subword
 * prefix ({@code "##"}). A word that cannot be covered completely, or that has more than {@code
 * maxInputCharsPerWord} code points, becomes the single unknown token.
 *
 * <pre>{@code
 * var model = new WordPieceModel(vocab, "[UNK]", "##", 100);
 * model.tokenize("unaffable");   // [un, ##aff, ##able] with BERT's vocabulary
 * }</pre>
 */
public final class WordPieceModel {
  private final Map<String, Integer> vocab;
  private final String[] tokensById;
  private final String unkToken;
  private final int unkId;
  private final String continuingSubwordPrefix;
  private final int maxInputCharsPerWord;
  // Lookups for a word's first piece and for continuing pieces (keyed without the prefix), so
  // that no prefix is concatenated per candidate.
  private final Map<String, Integer> firstPieces;
  private final Map<String, Integer> continuingPieces;
  // No vocabulary entry is longer (in code points) than this: longer candidates are skipped.
  private final int longestFirstPiece;
  private final int longestContinuingPiece;

  /**
   * Builds a model.
   *
   * @param vocab token to id; ids must be distinct and non-negative
   * @param unkToken the unknown token; must be in {@code vocab}
   * @param continuingSubwordPrefix the prefix of non-initial pieces, usually {@code "##"}
   * @param maxInputCharsPerWord longer words (in code points) become {@code unkToken}
   * @throws IllegalArgumentException if the vocabulary or the unknown token is invalid
   */
  public WordPieceModel(
      Map<String, Integer> vocab,
      String unkToken,
      String continuingSubwordPrefix,
      int maxInputCharsPerWord) {
    this.vocab = Collections.unmodifiableMap(new HashMap<>(vocab));
    this.unkToken = Objects.requireNonNull(unkToken, "unkToken");
    this.continuingSubwordPrefix =
        Objects.requireNonNull(continuingSubwordPrefix, "continuingSubwordPrefix");
    if (maxInputCharsPerWord < 0) {
      throw new IllegalArgumentException(
          "maxInputCharsPerWord must be >= 0, got " + maxInputCharsPerWord);
    }
    this.maxInputCharsPerWord = maxInputCharsPerWord;
    Integer unk = vocab.get(unkToken);
    if (unk == null) {
      throw new IllegalArgumentException(
          "the unknown token '" + unkToken + "' is not in the vocabulary");
    }
    this.unkId = unk;
    int maxId = -1;
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0) {
        throw new IllegalArgumentException(
            "vocabulary id of '" + e.getKey() + "' must be a non-negative integer");
      }
      maxId = Math.max(maxId, e.getValue());
    }
    this.tokensById = new String[maxId + 1];
    this.firstPieces = new HashMap<>(vocab.size() * 2);
    this.continuingPieces = new HashMap<>(vocab.size());
    int longestFirst = 0;
    int longestContinuing = 0;
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      String token = e.getKey();
      int id = e.getValue();
      if (tokensById[id] != null) {
        throw new IllegalArgumentException(
            "vocabulary id "
                + id
                + " is used by both '"
                + tokensById[id]
                + "' and '"
                + token
                + "'");
      }
      tokensById[id] = token;
      firstPieces.put(token, id);
      longestFirst = Math.max(longestFirst, token.codePointCount(0, token.length()));
      if (token.startsWith(continuingSubwordPrefix)) {
        String rest = token.substring(continuingSubwordPrefix.length());
        continuingPieces.put(rest, id);
        longestContinuing = Math.max(longestContinuing, rest.codePointCount(0, rest.length()));
      }
    }
    this.longestFirstPiece = longestFirst;
    this.longestContinuingPiece = longestContinuing;
  }

  /** Splits one word into vocabulary tokens (strings such as {@code "##ing"}). */
  public List<String> tokenize(String word) {
    NormalizedText text = NormalizedText.of(word, 0, word.length());
    List<String> tokens = new ArrayList<>();
    tokenize(text, 0, text.length(), (id, token, from, to) -> tokens.add(token));
    return tokens;
  }

  /** Receives one piece: its id, its vocabulary string and its code point range in the text. */
  @FunctionalInterface
  interface PieceSink {
    void piece(int id, String token, int from, int to);
  }

  /** Tokenizes the word made of code points {@code [from, to)} of {@code text}. */
  void tokenize(NormalizedText text, int from, int to, PieceSink sink) {
    int n = to - from;
    if (n > maxInputCharsPerWord) {
      sink.piece(unkId, unkToken, from, to);
      return;
    }
    // The word as a string plus the UTF-16 index of each code point, so that each candidate is
    // one substring of bounded length (no prefix concatenation, no quadratic rebuilding).
    StringBuilder sb = new StringBuilder(n + 4);
    int[] utf16 = new int[n + 1];
    for (int i = 0; i < n; i++) {
      utf16[i] = sb.length();
      sb.appendCodePoint(text.codePoint(from + i));
    }
    utf16[n] = sb.length();
    String word = sb.toString();

    // Collect pieces first: a word that fails anywhere becomes a single unknown token.
    int[] pieceIds = new int[n];
    int[] pieceEnds = new int[n];
    int pieces = 0;
    int start = 0;
    while (start < n) {
      Map<String, Integer> table = start == 0 ? firstPieces : continuingPieces;
      int longest = start == 0 ? longestFirstPiece : longestContinuingPiece;
      int end = Math.min(n, start + longest);
      int found = -1;
      for (; end > start; end--) {
        Integer id = table.get(word.substring(utf16[start], utf16[end]));
        if (id != null) {
          found = id;
          break;
        }
      }
      if (found < 0) {
        sink.piece(unkId, unkToken, from, to);
        return;
      }
      pieceIds[pieces] = found;
      pieceEnds[pieces] = end;
      pieces++;
      start = end;
    }
    int pieceStart = 0;
    for (int p = 0; p < pieces; p++) {
      sink.piece(pieceIds[p], tokensById[pieceIds[p]], from + pieceStart, from + pieceEnds[p]);
      pieceStart = pieceEnds[p];
    }
  }

  /** The vocabulary (token to id), unmodifiable. */
  public Map<String, Integer> vocab() {
    return vocab;
  }

  /** The id of {@code token}, or -1 if it is not in the vocabulary. */
  public int tokenToId(String token) {
    Integer id = vocab.get(token);
    return id == null ? -1 : id;
  }

  /** The token with id {@code id}, or {@code null} if no token has it. */
  public String idToToken(int id) {
    return id >= 0 && id < tokensById.length ? tokensById[id] : null;
  }

  /** The unknown token, for example {@code "[UNK]"}. */
  public String unkToken() {
    return unkToken;
  }

  /** The unknown token's id. */
  public int unkId() {
    return unkId;
  }

  /** The prefix of non-initial pieces, for example {@code "##"}. */
  public String continuingSubwordPrefix() {
    return continuingSubwordPrefix;
  }

  /** Words with more code points than this become the unknown token. */
  public int maxInputCharsPerWord() {
    return maxInputCharsPerWord;
  }
}
