package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Forward passes of a {@link BertEncoder} whose embeddings and first {@code frozenLayers} layers
 * never change (MeZO training only the top layers): the hidden states after layer {@code
 * frozenLayers - 1} are computed once per distinct sequence and kept, and each pass runs only the
 * layers above them ({@link BertEncoder#forwardFromInto}, {@link BertEncoder#forwardFromPairInto}),
 * on every step, both signs of every probe, and every evaluation.
 *
 * <p>What is cached, and why per sequence. An entry is one sequence's real tokens' hidden states,
 * {@code [tokens, hidden]} unpadded, keyed by its token ids and token type ids (everything the
 * frozen prefix reads of a sequence: positions follow from them). A padded bucket's input states
 * are assembled from its sequences' entries (padded positions get zeros; nothing reads them but
 * themselves). Keying whole padded buckets would be simpler, but training batches are drawn anew on
 * every step, so the same bucket rarely comes back, while the same example comes back often: a
 * training example, the dev split at each evaluation, and the label sentences that the prompt and
 * similarity heads encode on every forward pass. Keying by content rather than by a split index
 * needs no bookkeeping from callers, makes equal sequences share an entry, and cannot go stale when
 * a split is re-tokenized.
 *
 * <p>Exactness. A real token's hidden states do not depend on the sequence's padding or its
 * neighbours in the batch (see {@link BertEncoder}, "Padding"), so an entry computed in any bucket
 * equals what a full forward pass computes for that sequence in any other, bit for bit, and a pass
 * here gives a full {@link BertEncoder#forwardInto}'s bits at every real position: losses, the step
 * log, replay and evaluation of a checkpoint by a full forward pass agree exactly, for any thread
 * count and whichever pass first met a sequence. Padded positions differ from a full pass (zeros
 * enter them here); pooling with the mask never reads them. Inputs that are not right-padded (a
 * mask with a gap) run the full encoder instead.
 *
 * <p>Frozen means frozen. Entries assume the prefix weights ({@link BertEncoder#prefixParameters})
 * keep their values while the cache is used: a pass whose perturbation covers one of them is
 * refused, and a caller that changes them in place must make a new cache.
 *
 * <p>Memory: the entries hold {@code sum over cached sequences of tokens * hidden * 4} bytes
 * ({@link #bytes()}), plus their keys (8 bytes a token, 0.5% of that for hidden 384). Above {@code
 * maxBytes} no new entry is kept: sequences met after that recompute the frozen layers on every
 * pass (exact, only slower), and {@code warnings} gets one line saying so, once. Thread-safe;
 * entries are computed under a lock, so each is computed once.
 */
public final class FrozenPrefixCache {
  /** The default cap on {@link #bytes()}: 512 MiB. */
  public static final long DEFAULT_MAX_BYTES = 512L << 20;

  private final BertEncoder encoder;
  private final int frozenLayers;
  private final long maxBytes;
  private final Consumer<String> warnings;
  private final List<Parameter> frozen;
  private final int hidden;
  private final ConcurrentHashMap<Key, float[]> entries = new ConcurrentHashMap<>();
  private long bytes; // guarded by this
  private boolean warned; // guarded by this

  /**
   * An empty cache for the passes of {@code encoder} above its first {@code frozenLayers} layers.
   *
   * @param encoder the encoder
   * @param frozenLayers how many layers (after the embeddings) are frozen: 0 to {@code
   *     encoder.layerCount()}
   * @param maxBytes the cap on the entries' floats, in bytes ({@code >= 0}; 0 keeps nothing)
   * @param warnings gets one line when the cap is first reached (e.g. {@code System.err::println})
   */
  public FrozenPrefixCache(
      BertEncoder encoder, int frozenLayers, long maxBytes, Consumer<String> warnings) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.frozen = encoder.prefixParameters(frozenLayers).list(); // checks the range
    this.frozenLayers = frozenLayers;
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.warnings = Objects.requireNonNull(warnings, "warnings");
    this.hidden = encoder.hiddenSize();
  }

  /** The bytes {@code tokens} cached tokens take in an encoder of width {@code hidden}. */
  public static long bytesFor(long tokens, int hidden) {
    return tokens * hidden * Float.BYTES;
  }

  /** The encoder whose passes this cache serves. */
  public BertEncoder encoder() {
    return encoder;
  }

  /** Layers below the trained ones (the embeddings are always frozen here). */
  public int frozenLayers() {
    return frozenLayers;
  }

  /** The cap on the entries' bytes; beyond it sequences are recomputed, not kept. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The bytes the entries' hidden states take now. */
  public synchronized long bytes() {
    return bytes;
  }

  /** The number of sequences cached now. */
  public int sequences() {
    return entries.size();
  }

  /**
   * The last hidden states of {@code input} at {@code perturbation}, into {@code out} under the
   * contract of {@link BertEncoder#forwardInto}: the frozen layers' output from the cache (computed
   * for the sequences met for the first time), then the layers above.
   *
   * @throws IllegalArgumentException if {@code perturbation} covers a frozen weight, or as {@link
   *     BertEncoder#forwardInto}
   */
  public void forwardInto(
      EncoderInput input, Workers workers, VirtualPerturbation perturbation, float[] out) {
    checkFrozen(perturbation);
    encoder.checkOutput("out", out, input);
    if (!rightPadded(input)) {
      encoder.forwardInto(input, workers, perturbation, out);
      return;
    }
    assemble(input, workers, out);
    encoder.forwardFromInto(input, frozenLayers, workers, perturbation, out);
  }

  /**
   * Both halves of a two-sided sample, as {@link BertEncoder#forwardPairInto}: both start from the
   * same cached states and run the layers above them with the noise generated once for both signs.
   * Each half is bit for bit what {@link #forwardInto} gives at that sign.
   *
   * @throws IllegalArgumentException if {@code plus} covers a frozen weight, or as {@link
   *     BertEncoder#forwardPairInto}
   */
  public void forwardPairInto(
      EncoderInput input,
      Workers workers,
      VirtualPerturbation plus,
      float[] outPlus,
      float[] outMinus) {
    checkFrozen(plus);
    encoder.checkOutput("outPlus", outPlus, input);
    encoder.checkOutput("outMinus", outMinus, input);
    if (outPlus == outMinus) {
      throw new IllegalArgumentException("outPlus and outMinus must be two different arrays");
    }
    if (!rightPadded(input)) {
      encoder.forwardPairInto(input, workers, plus, outPlus, outMinus);
      return;
    }
    assemble(input, workers, outPlus);
    encoder.forwardFromPairInto(input, frozenLayers, workers, plus, outPlus, outPlus, outMinus);
  }

  private void checkFrozen(VirtualPerturbation perturbation) {
    if (perturbation.isNone()) {
      return;
    }
    for (Parameter p : frozen) {
      if (perturbation.covers(p)) {
        throw new IllegalArgumentException(
            ("%s is perturbed, but it is one of the frozen weights (the embeddings and layers"
                    + " below %d) whose output this cache holds")
                .formatted(p.name(), frozenLayers));
      }
    }
  }

  /** Writes the cached states of {@code input}'s sequences into {@code out}, padding zeroed. */
  private void assemble(EncoderInput input, Workers workers, float[] out) {
    int seq = input.seq();
    int batch = input.batch();
    Key[] keys = new Key[batch];
    float[][] rows = new float[batch][];
    List<Integer> missing = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      keys[b] = Key.of(input, b);
      rows[b] = entries.get(keys[b]);
      if (rows[b] == null) {
        missing.add(b);
      }
    }
    if (!missing.isEmpty()) {
      compute(keys, rows, missing, workers);
    }
    for (int b = 0; b < batch; b++) {
      int len = keys[b].ids.length;
      int o = b * seq * hidden;
      System.arraycopy(rows[b], 0, out, o, len * hidden);
      Arrays.fill(out, o + len * hidden, o + seq * hidden, 0f);
    }
  }

  /** Runs the frozen prefix on the sequences {@code missing} (one padded batch), keeps them. */
  private synchronized void compute(
      Key[] keys, float[][] rows, List<Integer> missing, Workers workers) {
    // another thread may have added some since the lookup
    List<Key> todo = new ArrayList<>();
    for (int b : missing) {
      rows[b] = entries.get(keys[b]);
      if (rows[b] == null && !todo.contains(keys[b])) {
        todo.add(keys[b]);
      }
    }
    if (todo.isEmpty()) {
      return;
    }
    int[][] ids = new int[todo.size()][];
    int[][] types = new int[todo.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = todo.get(i).ids;
      types[i] = todo.get(i).types;
    }
    EncoderInput sub = EncoderInput.padded(ids, types, encoder.config().padTokenId());
    float[] states = new float[sub.positions() * hidden];
    encoder.forwardPrefixInto(sub, frozenLayers, workers, states);
    for (int i = 0; i < ids.length; i++) {
      Key key = todo.get(i);
      float[] row =
          Arrays.copyOfRange(
              states, i * sub.seq() * hidden, (i * sub.seq() + key.ids.length) * hidden);
      long size = bytesFor(key.ids.length, hidden);
      if (bytes + size <= maxBytes) {
        entries.put(key, row);
        bytes += size;
      } else if (!warned) {
        warned = true;
        warnings.accept(
            String.format(
                Locale.ROOT,
                "frozen-prefix cache full: %d sequences, %.1f MB of the %.1f MB cap; sequences"
                    + " not cached yet recompute the embeddings and layers 0-%d on every forward"
                    + " pass (same results, slower)",
                entries.size(),
                bytes / 1e6,
                maxBytes / 1e6,
                frozenLayers - 1));
      }
      for (int b : missing) {
        if (rows[b] == null && keys[b].equals(key)) {
          rows[b] = row;
        }
      }
    }
  }

  /** True if every sequence's real tokens come first (1...1 0...0), as in padded buckets. */
  private static boolean rightPadded(EncoderInput input) {
    int seq = input.seq();
    int[] mask = input.attentionMask();
    for (int b = 0; b < input.batch(); b++) {
      int t = 0;
      while (t < seq && mask[b * seq + t] == 1) {
        t++;
      }
      if (t == 0) {
        return false; // an empty sequence: let the encoder define its output
      }
      for (; t < seq; t++) {
        if (mask[b * seq + t] != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** A sequence as the frozen prefix sees it: its real tokens' ids and token type ids. */
  private static final class Key {
    final int[] ids;
    final int[] types;
    final int hash;

    private Key(int[] ids, int[] types) {
      this.ids = ids;
      this.types = types;
      this.hash = 31 * Arrays.hashCode(ids) + Arrays.hashCode(types);
    }

    static Key of(EncoderInput input, int b) {
      int seq = input.seq();
      int len = 0;
      while (len < seq && input.attentionMask()[b * seq + len] == 1) {
        len++;
      }
      int from = b * seq;
      return new Key(
          Arrays.copyOfRange(input.inputIds(), from, from + len),
          Arrays.copyOfRange(input.tokenTypeIds(), from, from + len));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && hash == k.hash
          && Arrays.equals(ids, k.ids)
          && Arrays.equals(types, k.types);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  @Override
  public String toString() {
    return "FrozenPrefixCache[embeddings + %d layers of %s, %d sequences, %d of %d bytes]"
        .formatted(frozenLayers, encoder, sequences(), bytes(), maxBytes);
  }
}
