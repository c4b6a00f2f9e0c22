/**
 * Tokenizers that read Hugging Face {@code tokenizer.json} files and give the same ids as Hugging
 * Face tokenizers.
 *
 * <p>{@link io.github.mezo4j.nn.tokenizer.WordPieceTokenizer} covers BERT-family encoders (such as
 * all-MiniLM-L6-v2): {@link io.github.mezo4j.nn.tokenizer.BertNormalizer}, {@link
 * io.github.mezo4j.nn.tokenizer.BertPreTokenizer}, {@link
 * io.github.mezo4j.nn.tokenizer.WordPieceModel}, added tokens, the {@link
 * io.github.mezo4j.nn.tokenizer.PostProcessor} that adds {@code [CLS]}/{@code [SEP]}, {@link
 * io.github.mezo4j.nn.tokenizer.Truncation} and {@link io.github.mezo4j.nn.tokenizer.Padding}.
 *
 * <pre>{@code
 * WordPieceTokenizer tokenizer =
 *     WordPieceTokenizer.loadResource("all-minilm-l6-v2-tokenizer.json").withoutPadding();
 * Encoding e = tokenizer.encode("A man is eating.", "Someone eats.");
 * int[] inputIds = e.ids(), tokenTypeIds = e.typeIds(), attentionMask = e.attentionMask();
 * }</pre>
 *
 * <p>Correctness evidence: the tests compare every case of golden files made by the Rust library
 * itself (see tools/tokenizer-reference) and check every Unicode code point.
 */
package io.github.mezo4j.nn.tokenizer;
