package io.github.mezo4j.core.mezo;

/**
 * The result of {@link Mezo#valueAndGradWithAux}: as {@link ValueAndGrad}, plus the auxiliary
 * values at {@code theta + eps z} and {@code theta - eps z}.
 */
public record ValueAndGradWithAux<A>(
    double value, double grad, double lossPlus, double lossMinus, A auxPlus, A auxMinus) {}
