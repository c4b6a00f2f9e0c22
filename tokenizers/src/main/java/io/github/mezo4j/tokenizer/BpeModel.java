package io.github.mezo4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of Hugging Face tokenizers ({@code "model": {"type": "BPE"}}): a word is split into
 * characters, then the adjacent pair with the best (lowest) merge rank is merged, leftmost first,
 * until no pair can be merged. Characters missing from the vocabulary become {@code <0xXX>} byte
 * tokens ({@code byte_fallback}) or the unknown token (consecutive ones fused with {@code
 * fuse_unk}), or are dropped when there is neither.
 */
public final class BpeModel {
  private static final int CACHE_LIMIT = 50_000;
  private static final int CACHE_WORD_LIMIT = 256;

  private final Map<String, Integer> vocab;
  private final String[] tokensById;
  private final Map<Long, long[]> merges; // (left id, right id) -> {rank, merged id}
  private final String unkToken; // null: none
  private final boolean fuseUnk;
  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final String continuingSubwordPrefix; // null: none
  private final String endOfWordSuffix; // null: none
  private final int[] byteIds = new int[256]; // <0xXX> ids, -1 where missing
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /** One merge rule: {@code left} and {@code right} become {@code left + right}. */
  public record Merge(String left, String right) {
    /** Checks the parts. */
    public Merge {
      Objects.requireNonNull(left, "left");
      Objects.requireNonNull(right, "right");
    }
  }

  /**
   * A BPE model.
   *
   * @param vocab token to id
   * @param merges merge rules, best (rank 0) first
   * @param unkToken the unknown token, or {@code null}
   * @param fuseUnk fuse consecutive unknown characters into one unknown token
   * @param byteFallback encode unknown characters as {@code <0xXX>} byte tokens when the vocabulary
   *     has them
   * @param ignoreMerges a word that is itself in the vocabulary is one token, merges or not
   * @param continuingSubwordPrefix prefix of non-initial characters, or {@code null}
   * @param endOfWordSuffix suffix of the final character, or {@code null}
   * @throws IllegalArgumentException if a merge names a token, or makes one, that is not in the
   *     vocabulary, or ids are negative
   */
  public BpeModel(
      Map<String, Integer> vocab,
      List<Merge> merges,
      String unkToken,
      boolean fuseUnk,
      boolean byteFallback,
      boolean ignoreMerges,
      String continuingSubwordPrefix,
      String endOfWordSuffix) {
    this.vocab = Collections.unmodifiableMap(new HashMap<>(vocab));
    int maxId = -1;
    for (Map.Entry<String, Integer> e : this.vocab.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException(
            "token '" + e.getKey() + "' has negative id " + e.getValue());
      }
      maxId = Math.max(maxId, e.getValue());
    }
    tokensById = new String[maxId + 1];
    this.vocab.forEach((token, id) -> tokensById[id] = token);
    this.unkToken = unkToken;
    this.fuseUnk = fuseUnk;
    this.byteFallback = byteFallback;
    this.ignoreMerges = ignoreMerges;
    this.continuingSubwordPrefix = continuingSubwordPrefix;
    this.endOfWordSuffix = endOfWordSuffix;
    int prefixLength = continuingSubwordPrefix == null ? 0 : continuingSubwordPrefix.length();
    this.merges = new HashMap<>(merges.size() * 2);
    for (int rank = 0; rank < merges.size(); rank++) {
      Merge m = merges.get(rank);
      Integer a = this.vocab.get(m.left());
      Integer b = this.vocab.get(m.right());
      if (a == null || b == null) {
        throw new IllegalArgumentException(
            "merge "
                + rank
                + " ('"
                + m.left()
                + "' '"
                + m.right()
                + "'): token '"
                + (a == null ? m.left() : m.right())
                + "' is not in the vocabulary");
      }
      String right =
          prefixLength > 0 && m.right().startsWith(continuingSubwordPrefix)
              ? m.right().substring(prefixLength)
              : m.right();
      String merged = m.left() + right;
      Integer id = this.vocab.get(merged);
      if (id == null) {
        throw new IllegalArgumentException(
            "merge " + rank + " makes '" + merged + "', which is not in the vocabulary");
      }
      // A pair listed twice keeps its first (best) rank.
      this.merges.putIfAbsent(key(a, b), new long[] {rank, id});
    }
    for (int b = 0; b < 256; b++) {
      Integer id = this.vocab.get(byteToken(b));
      byteIds[b] = id == null ? -1 : id;
    }
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  /** SentencePiece's name of a byte token, such as {@code <0x0A>}. */
  static String byteToken(int b) {
    return String.format("<0x%02X>", b);
  }

  /** Receives one token: its id and its code point range in the word. */
  @FunctionalInterface
  interface TokenSink {
    void token(int id, int from, int to);
  }

  /** The vocabulary (token to id), unmodifiable. */
  public Map<String, Integer> vocab() {
    return vocab;
  }

  /** The number of entries of the vocabulary. */
  public int vocabSize() {
    return vocab.size();
  }

  /** The number of merge rules. */
  public int mergeCount() {
    return merges.size();
  }

  /** The id of {@code token}, or -1. */
  public int tokenToId(String token) {
    Integer id = vocab.get(token);
    return id == null ? -1 : id;
  }

  /** The token with this id, or {@code null}. */
  public String idToToken(int id) {
    return id >= 0 && id < tokensById.length ? tokensById[id] : null;
  }

  /** The unknown token, or {@code null}. */
  public String unkToken() {
    return unkToken;
  }

  /** Whether unknown characters become byte tokens. */
  public boolean byteFallback() {
    return byteFallback;
  }

  /** Splits one word into vocabulary tokens (their strings). */
  public List<String> tokenize(String word) {
    NormalizedText text = NormalizedText.of(word, 0, word.length());
    List<String> out = new ArrayList<>();
    tokenize(text, (id, from, to) -> out.add(tokensById[id]));
    return out;
  }

  /** Tokenizes the whole of {@code word}. */
  void tokenize(NormalizedText word, TokenSink sink) {
    int n = word.length();
    if (n == 0) {
      return;
    }
    String key = word.toString();
    if (ignoreMerges) {
      Integer id = vocab.get(key);
      if (id != null) {
        sink.token(id, 0, n);
        return;
      }
    }
    int[] result = cache.get(key);
    if (result == null) {
      result = merge(word);
      if (n <= CACHE_WORD_LIMIT && cache.size() < CACHE_LIMIT) {
        cache.put(key, result);
      }
    }
    for (int i = 0; i < result.length; i += 3) {
      sink.token(result[i], result[i + 1], result[i + 2]);
    }
  }

  /** (id, from, to) triples of the merged word. */
  private int[] merge(NormalizedText word) {
    int n = word.length();
    Symbols s = new Symbols(n + 8);
    int unkId = -1;
    int unkFrom = 0;
    int unkTo = 0;
    byte[] buf = new byte[4];
    for (int i = 0; i < n; i++) {
      String c = new String(Character.toChars(word.codePoint(i)));
      if (i > 0 && continuingSubwordPrefix != null) {
        c = continuingSubwordPrefix + c;
      }
      if (i == n - 1 && endOfWordSuffix != null) {
        c = c + endOfWordSuffix;
      }
      Integer id = vocab.get(c);
      if (id != null) {
        if (unkId >= 0) {
          s.add(unkId, unkFrom, unkTo);
          unkId = -1;
        }
        s.add(id, i, i + 1);
        continue;
      }
      if (byteFallback && byteTokensFor(c, s, i)) {
        continue;
      }
      if (unkToken != null) {
        Integer unk = vocab.get(unkToken);
        if (unk == null) {
          throw new IllegalArgumentException(
              "the unknown token '" + unkToken + "' is not in the vocabulary");
        }
        if (unkId >= 0 && fuseUnk) {
          unkTo = i + 1;
        } else {
          if (unkId >= 0) {
            s.add(unkId, unkFrom, unkTo);
          }
          unkId = unk;
          unkFrom = i;
          unkTo = i + 1;
        }
      }
    }
    if (unkId >= 0) {
      s.add(unkId, unkFrom, unkTo);
    }
    s.mergeAll();
    return s.result();
  }

  /** Adds the byte tokens of {@code c}'s UTF-8 bytes, if all exist. */
  private boolean byteTokensFor(String c, Symbols s, int cp) {
    byte[] bytes = c.getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      if (byteIds[b & 0xFF] < 0) {
        return false;
      }
    }
    for (byte b : bytes) {
      s.add(byteIds[b & 0xFF], cp, cp + 1);
    }
    return true;
  }

  /** A word as a linked list of symbols, merged as Hugging Face's {@code Word::merge_all}. */
  private final class Symbols {
    int[] id;
    int[] from;
    int[] to;
    int[] prev;
    int[] next;
    boolean[] removed;
    int size;

    Symbols(int capacity) {
      id = new int[capacity];
      from = new int[capacity];
      to = new int[capacity];
      prev = new int[capacity];
      next = new int[capacity];
      removed = new boolean[capacity];
    }

    void add(int tokenId, int f, int t) {
      if (size == id.length) {
        int c = size * 2;
        id = Arrays.copyOf(id, c);
        from = Arrays.copyOf(from, c);
        to = Arrays.copyOf(to, c);
        prev = Arrays.copyOf(prev, c);
        next = Arrays.copyOf(next, c);
        removed = Arrays.copyOf(removed, c);
      }
      id[size] = tokenId;
      from[size] = f;
      to[size] = t;
      prev[size] = size - 1;
      next[size] = -1;
      if (size > 0) {
        next[size - 1] = size;
      }
      size++;
    }

    void mergeAll() {
      // Entries: {rank, pos, new id}; lowest rank first, then leftmost.
      PriorityQueue<int[]> queue =
          new PriorityQueue<>(
              Math.max(1, size),
              (x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
      for (int i = 0; i + 1 < size; i++) {
        push(queue, i, i + 1);
      }
      while (!queue.isEmpty()) {
        int[] top = queue.poll();
        int pos = top[1];
        if (removed[pos] || next[pos] < 0) {
          continue;
        }
        int right = next[pos];
        long[] m = merges.get(key(id[pos], id[right]));
        if (m == null || (int) m[1] != top[2]) {
          continue; // an entry for a pair that has changed since
        }
        id[pos] = top[2];
        to[pos] = to[right];
        next[pos] = next[right];
        removed[right] = true;
        if (next[right] >= 0) {
          prev[next[right]] = pos;
        }
        if (prev[pos] >= 0) {
          push(queue, prev[pos], pos);
        }
        if (next[pos] >= 0) {
          push(queue, pos, next[pos]);
        }
      }
    }

    private void push(PriorityQueue<int[]> queue, int left, int right) {
      long[] m = merges.get(key(id[left], id[right]));
      if (m != null) {
        queue.add(new int[] {(int) m[0], left, (int) m[1]});
      }
    }

    int[] result() {
      int count = 0;
      for (int i = 0; i < size; i++) {
        if (!removed[i]) {
          count++;
        }
      }
      int[] out = new int[count * 3];
      int k = 0;
      for (int i = 0; i < size; i++) {
        if (!removed[i]) {
          out[k++] = id[i];
          out[k++] = from[i];
          out[k++] = to[i];
        }
      }
      return out;
    }
  }
}
