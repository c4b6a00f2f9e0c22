/**
 * Classifier heads for sentence encoders: the label-prompt head (cosine to encoded label sentences,
 * zero-shot) and the linear head with its deterministic linear-probing fit.
 */
package io.github.mezo4j.train.head;
