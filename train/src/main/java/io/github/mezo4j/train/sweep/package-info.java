/**
 * Hyperparameter sweeps over fine-tuning runs: the grid of settings and its configurations ({@link
 * io.github.mezo4j.train.sweep.Grid}), and the table and plot of their results read from the run
 * folders ({@link io.github.mezo4j.train.sweep.SweepReport}). The {@code mezo4j sweep} command runs
 * the configurations.
 */
package io.github.mezo4j.train.sweep;
