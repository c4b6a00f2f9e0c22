/**
 * The files of a run: the run folder layout, its state, checkpoint folders (step log + head,
 * optionally full weights) and their replay onto the base model.
 */
package io.github.mezo4j.train.checkpoint;
