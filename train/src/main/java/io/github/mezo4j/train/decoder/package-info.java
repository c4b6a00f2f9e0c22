/**
 * MeZO fine-tuning of decoder language models (llama2.c, Llama, OPT, GPT-2): prompted
 * classification by candidate log-likelihood ({@link
 * io.github.mezo4j.train.decoder.DecoderClassifier}, the MeZO paper's OPT setting), the
 * language-model objective and perplexity for domain adaptation ({@link
 * io.github.mezo4j.train.decoder.LanguageModeling}), and the run loop with checkpoints, resume and
 * replay ({@link io.github.mezo4j.train.decoder.DecoderFineTuner}).
 *
 * <pre>{@code
 * DecoderLm lm = DecoderLm.of(checkpoint.model(), tokenizer);
 * DecoderClassifier c = new DecoderClassifier(
 *     lm, DecoderTemplates.forTask("sst2"), 2, CandidateScore.MEAN, 32);
 * DecoderClassifier.Tokenized dev = c.tokenize(data.dev());
 * double accuracy = c.evaluate(dev, workers).accuracy();
 * }</pre>
 */
package io.github.mezo4j.train.decoder;
