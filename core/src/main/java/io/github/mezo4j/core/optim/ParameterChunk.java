package io.github.mezo4j.core.optim;

import io.github.mezo4j.core.param.Parameter;

/**
 * A contiguous run of elements {@code [start, start + length)} of one trainable parameter: the unit
 * of work of an update pass. {@code index} is the parameter's position in the {@code ParameterSet}
 * the optimizer state was created for, so a transform finds its state buffers by it.
 */
public record ParameterChunk(int index, Parameter parameter, int start, int length) {}
