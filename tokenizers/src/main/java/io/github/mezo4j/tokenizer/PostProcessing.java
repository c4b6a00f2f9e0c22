package io.github.mezo4j.tokenizer;

import java.util.List;

/** Applies a {@link PostProcessor} to encoded texts. */
final class PostProcessing {
  private PostProcessing() {}

  /**
   * Joins the tokens of the first and (nullable) second text into the final sequence. Without
   * special tokens the texts are only concatenated, still with their type ids.
   */
  static TokenSequence apply(
      PostProcessor processor, TokenSequence first, TokenSequence second, boolean addSpecial) {
    int capacity = first.length() + (second == null ? 0 : second.length()) + 4;
    TokenSequence out = new TokenSequence(capacity);
    switch (processor) {
      case PostProcessor.Template t -> {
        List<PostProcessor.Piece> template = second == null ? t.single() : t.pair();
        for (PostProcessor.Piece p : template) {
          if (p.specialToken() == null) {
            TokenSequence text = p.secondText() ? second : first;
            if (text != null) {
              out.addAll(text, p.typeId());
            }
          } else if (addSpecial) {
            PostProcessor.SpecialToken s = t.specialTokens().get(p.specialToken());
            for (int i = 0; i < s.ids().length; i++) {
              out.add(s.ids()[i], s.tokens().get(i), p.typeId(), 1, 0, 0, -1);
            }
          }
        }
      }
      case PostProcessor.Bert b -> {
        if (addSpecial) {
          out.add(b.clsId(), b.cls(), 0, 1, 0, 0, -1);
        }
        out.addAll(first, 0);
        if (addSpecial) {
          out.add(b.sepId(), b.sep(), 0, 1, 0, 0, -1);
        }
        if (second != null) {
          out.addAll(second, 1);
          if (addSpecial) {
            out.add(b.sepId(), b.sep(), 1, 1, 0, 0, -1);
          }
        }
      }
      case PostProcessor.Roberta r -> {
        if (addSpecial) {
          out.add(r.clsId(), r.cls(), 0, 1, 0, 0, -1);
        }
        out.addAll(first, 0);
        if (addSpecial) {
          out.add(r.sepId(), r.sep(), 0, 1, 0, 0, -1);
        }
        if (second != null) {
          if (addSpecial) {
            out.add(r.sepId(), r.sep(), 0, 1, 0, 0, -1);
          }
          out.addAll(second, 0);
          if (addSpecial) {
            out.add(r.sepId(), r.sep(), 0, 1, 0, 0, -1);
          }
        }
      }
      case PostProcessor.None n -> {
        out.addAll(first, 0);
        if (second != null) {
          out.addAll(second, 1);
        }
      }
    }
    return out;
  }
}
