package io.github.mezo4j.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Adds the special tokens around encoded texts and sets their token type ids: {@code [CLS] A [SEP]}
 * for one text, {@code [CLS] A [SEP] B [SEP]} (type ids 0 then 1) for a pair. Read from {@code
 * tokenizer.json}'s {@code post_processor}.
 */
public sealed interface PostProcessor
    permits PostProcessor.Template, PostProcessor.Bert, PostProcessor.Roberta, PostProcessor.None {

  /** How many special tokens this adds to one text ({@code pair == false}) or to a pair. */
  int addedTokens(boolean pair);

  /**
   * A special token of a template: its name and the ids and strings it expands to (usually one).
   *
   * @param name the name used in the template, e.g. {@code "[CLS]"}
   * @param ids the ids it stands for
   * @param tokens the token strings, one per id
   */
  record SpecialToken(String name, int[] ids, List<String> tokens) {
    /** Checks that ids and tokens match. */
    public SpecialToken {
      Objects.requireNonNull(name, "name");
      tokens = List.copyOf(tokens);
      if (ids.length != tokens.size()) {
        throw new IllegalArgumentException(
            "special token '"
                + name
                + "' has "
                + ids.length
                + " ids but "
                + tokens.size()
                + " tokens");
      }
      ids = ids.clone();
    }
  }

  /**
   * One element of a template: a special token or one of the texts.
   *
   * @param specialToken the special token's name, or {@code null} for a text
   * @param secondText for a text, whether it is the second text (B) rather than the first (A)
   * @param typeId the token type id given to this element's tokens
   */
  record Piece(String specialToken, boolean secondText, int typeId) {
    /** A special token element. */
    public static Piece special(String name, int typeId) {
      return new Piece(Objects.requireNonNull(name), false, typeId);
    }

    /** A text element: A ({@code second == false}) or B. */
    public static Piece text(boolean second, int typeId) {
      return new Piece(null, second, typeId);
    }
  }

  /**
   * {@code "type": "TemplateProcessing"}: templates for one text and for a pair.
   *
   * @param single the template for one text, e.g. {@code [CLS]:0 A:0 [SEP]:0}
   * @param pair the template for a pair, e.g. {@code [CLS]:0 A:0 [SEP]:0 B:1 [SEP]:1}
   * @param specialTokens the special tokens the templates name
   */
  record Template(List<Piece> single, List<Piece> pair, Map<String, SpecialToken> specialTokens)
      implements PostProcessor {

    /** Checks that every named special token is defined. */
    public Template {
      single = List.copyOf(single);
      pair = List.copyOf(pair);
      specialTokens = Map.copyOf(specialTokens);
      for (List<Piece> template : List.of(single, pair)) {
        for (Piece p : template) {
          if (p.specialToken() != null && !specialTokens.containsKey(p.specialToken())) {
            throw new IllegalArgumentException(
                "template names special token '" + p.specialToken() + "' but it is not defined");
          }
        }
      }
    }

    @Override
    public int addedTokens(boolean isPair) {
      int n = 0;
      for (Piece p : isPair ? pair : single) {
        if (p.specialToken() != null) {
          n += specialTokens.get(p.specialToken()).ids().length;
        }
      }
      return n;
    }
  }

  /**
   * {@code "type": "BertProcessing"}: {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}.
   *
   * @param cls the classification token and its id
   * @param clsId the id of {@code cls}
   * @param sep the separator token
   * @param sepId the id of {@code sep}
   */
  record Bert(String cls, int clsId, String sep, int sepId) implements PostProcessor {
    @Override
    public int addedTokens(boolean pair) {
      return pair ? 3 : 2;
    }
  }

  /**
   * {@code "type": "RobertaProcessing"}: {@code <s> A </s>} and {@code <s> A </s></s> B </s>},
   * every type id 0 (the second text's too, with or without special tokens).
   *
   * @param cls the start token
   * @param clsId the id of {@code cls}
   * @param sep the separator and end token
   * @param sepId the id of {@code sep}
   */
  record Roberta(String cls, int clsId, String sep, int sepId) implements PostProcessor {
    @Override
    public int addedTokens(boolean pair) {
      return pair ? 4 : 2;
    }
  }

  /** {@code "post_processor": null}: no special tokens; the second text gets type id 1. */
  record None() implements PostProcessor {
    @Override
    public int addedTokens(boolean pair) {
      return 0;
    }
  }
}
