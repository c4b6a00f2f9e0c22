/**
 * Classification metrics and objectives from class scores {@code [n, numClasses]}: accuracy, macro
 * and binary F1, stable cross-entropy ({@link io.github.mezo4j.train.metrics.ClassMetrics}), the
 * metric a task reports ({@link io.github.mezo4j.train.metrics.Metric}) and the loss MeZO minimises
 * ({@link io.github.mezo4j.train.metrics.ClassificationLoss}), where accuracy and F1 enter as their
 * negatives since MeZO needs no gradients.
 */
package io.github.mezo4j.train.metrics;
