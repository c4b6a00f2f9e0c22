/**
 * Data-parallel MeZO on Apache Spark: Spark places and relaunches the workers, each a full replica;
 * the per-step exchange goes through {@link io.github.mezo4j.spark.exchange}; the driver writes the
 * run folder that {@code eval}, {@code replay} and {@code --resume} read.
 */
package io.github.mezo4j.spark;
