/**
 * The per-step channel of a data-parallel run ({@link
 * io.github.mezo4j.train.trainer.LossExchange}): the driver's {@link
 * io.github.mezo4j.spark.exchange.ExchangeHub}, carried over TCP or inside one JVM. No Spark here.
 */
package io.github.mezo4j.spark.exchange;
