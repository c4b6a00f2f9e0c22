package io.github.mezo4j.core.mezo;

/** What an {@link AuxObjective} returns: the loss, and an auxiliary value (e.g. accuracy). */
public record LossAndAux<A>(double loss, A aux) {}
