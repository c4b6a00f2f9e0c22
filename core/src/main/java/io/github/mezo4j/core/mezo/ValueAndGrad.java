package io.github.mezo4j.core.mezo;

/**
 * The result of {@link Mezo#valueAndGrad}: {@code value = (lossPlus + lossMinus) / 2}, as in
 * mezo-jax (it equals the unperturbed loss up to O(eps^2)), the projected gradient {@code grad =
 * (lossPlus - lossMinus) / (2 eps)}, and the two losses themselves.
 */
public record ValueAndGrad(double value, double grad, double lossPlus, double lossMinus) {}
