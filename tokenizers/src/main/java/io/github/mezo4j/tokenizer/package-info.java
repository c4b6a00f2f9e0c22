/**
 * Tokenizers that read Hugging Face {@code tokenizer.json} files (and llama2.c's {@code
 * tokenizer.bin}) and give the same ids as Hugging Face tokenizers.
 *
 * <p>{@link io.github.mezo4j.tokenizer.Tokenizer} is the common interface; {@link
 * io.github.mezo4j.tokenizer.Tokenizers#load} picks the implementation for a file or a model
 * folder:
 *
 * <ul>
 *   <li>{@link io.github.mezo4j.tokenizer.WordPieceTokenizer}: BERT-family encoders (such as
 *       all-MiniLM-L6-v2): {@link io.github.mezo4j.tokenizer.BertNormalizer}, {@link
 *       io.github.mezo4j.tokenizer.BertPreTokenizer}, {@link
 *       io.github.mezo4j.tokenizer.WordPieceModel}.
 *   <li>{@link io.github.mezo4j.tokenizer.BpeTokenizer}: byte-level BPE (GPT-2, OPT, Llama 3,
 *       Qwen2) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyLlama), with
 *       the {@link io.github.mezo4j.tokenizer.BpeModel}. Supported components: normalizers
 *       Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD, Lowercase, Strip, BertNormalizer;
 *       pre-tokenizers ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace,
 *       WhitespaceSplit, Sequence; post-processors ByteLevel, RobertaProcessing,
 *       TemplateProcessing, BertProcessing, Sequence; decoders ByteLevel, ByteFallback, Fuse,
 *       Replace, Strip, Metaspace, WordPiece, Sequence. Anything else is refused with an error
 *       naming the field.
 *   <li>{@link io.github.mezo4j.tokenizer.Llama2cTokenizer}: llama2.c's format, encoded and decoded
 *       as its run.c does.
 * </ul>
 *
 * Added tokens, the {@link io.github.mezo4j.tokenizer.PostProcessor} that adds special tokens,
 * {@link io.github.mezo4j.tokenizer.Truncation} and {@link io.github.mezo4j.tokenizer.Padding} are
 * shared.
 *
 * <pre>{@code
 * Tokenizer tokenizer = Tokenizers.load(Path.of("models/gpt2"));
 * Encoding e = tokenizer.encode("Hello world");       // [15496, 995]
 * String text = tokenizer.decode(e.ids());            // "Hello world"
 * }</pre>
 *
 * <p>Correctness evidence: the tests compare every case of golden files made by the Rust library
 * itself (see tools/tokenizer-reference): WordPiece on MiniLM, byte-level BPE on GPT-2's real
 * vocabulary with Llama 3 and Qwen2 split patterns, and a SentencePiece-style BPE with byte
 * fallback; llama2.c's tokenizer reproduces the stories260K reference generation.
 */
package io.github.mezo4j.tokenizer;
