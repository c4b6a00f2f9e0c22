/**
 * Fine-tuning for real tasks: task readers and data sets, prompts and heads, objectives, the MeZO
 * trainer with evaluation, checkpoints and resume, metrics and plots, and sweeps over runs.
 */
package io.github.mezo4j.train;
