package io.github.mezo4j.tokenizer;

import java.util.Arrays;

/**
 * Collects the tokens of one text unit by unit (a unit is a pre-tokenized word or an added token),
 * remembering where units start, so truncation can cut whole words as tokenizers 0.23 does. Shared
 * by the WordPiece and BPE tokenizers; they differ only in how a text piece becomes words.
 */
abstract class UnitCollector implements AddedVocabulary.SegmentSink {
  final TokenSequence out;
  final int typeId;
  final int sequenceId;
  final int stopAt; // once a word brings the count here, nothing more is taken
  boolean stopped;
  private int[] unitStarts = new int[16];
  private boolean[] unitIsWord = new boolean[16];
  private int units;

  UnitCollector(int capacity, int typeId, int sequenceId, int stopAt) {
    this.out = new TokenSequence(capacity);
    this.typeId = typeId;
    this.sequenceId = sequenceId;
    this.stopAt = stopAt;
  }

  /** Marks that the next token starts a unit ({@code word}: a model word, else an added token). */
  final void startUnit(boolean word) {
    if (units == unitStarts.length) {
      unitStarts = Arrays.copyOf(unitStarts, units * 2);
      unitIsWord = Arrays.copyOf(unitIsWord, units * 2);
    }
    unitStarts[units] = out.length();
    unitIsWord[units] = word;
    units++;
  }

  @Override
  public final void token(int id, String value, int start, int end) {
    if (!stopped) {
      startUnit(false);
      out.add(id, value, typeId, 1, start, end, sequenceId);
    }
  }

  /**
   * Left truncation's cut of whole words: keeps the last units up to the first word (counting
   * backwards) that brings the count to {@code maxLength}.
   */
  final void cutLeft(int maxLength) {
    for (int u = units - 1; u >= 0; u--) {
      int start = unitStarts[u];
      if (unitIsWord[u] && out.length() - start >= maxLength) {
        out.truncate(out.length() - start, Side.LEFT);
        break;
      }
    }
  }
}
