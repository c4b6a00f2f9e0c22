package io.github.mezo4j.core.mezo;

/**
 * The result of {@link Mezo#gradWithAux}: the projected gradient and the auxiliary values at {@code
 * theta + eps z} and {@code theta - eps z}. (mezo-jax averages the two; Java cannot average an
 * arbitrary type, so both are returned.)
 */
public record GradAndAux<A>(double grad, A auxPlus, A auxMinus) {}
