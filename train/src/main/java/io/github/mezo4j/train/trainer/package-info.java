/**
 * The MeZO fine-tuning loop for encoder classifiers ({@link
 * io.github.mezo4j.train.trainer.FineTuner}): batches drawn as a pure function of (seed, step), dev
 * evaluation, best and last checkpoints, resume bit-identical to an uninterrupted run.
 */
package io.github.mezo4j.train.trainer;
