/**
 * Prompts: label prompts for encoder heads ({@link io.github.mezo4j.train.prompt.EncoderPrompts},
 * LM-BFF's verbalisers) and decoder templates ({@link
 * io.github.mezo4j.train.prompt.DecoderTemplates}, the MeZO paper's OPT prompts) that turn an
 * example into a context and candidate continuations scored by log-likelihood.
 */
package io.github.mezo4j.train.prompt;
