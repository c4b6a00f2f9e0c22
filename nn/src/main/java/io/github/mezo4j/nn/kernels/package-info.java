/**
 * Vector API kernels for transformer forward passes: {@link io.github.mezo4j.nn.kernels.MatMul},
 * {@link io.github.mezo4j.nn.kernels.LayerNorm}, {@link io.github.mezo4j.nn.kernels.Activations},
 * {@link io.github.mezo4j.nn.kernels.Softmax}, {@link io.github.mezo4j.nn.kernels.Attention},
 * {@link io.github.mezo4j.nn.kernels.Embedding}, {@link io.github.mezo4j.nn.kernels.Pooling} and
 * {@link io.github.mezo4j.nn.kernels.Elementwise}; {@link io.github.mezo4j.nn.kernels.Weights} is
 * how the matrix kernels read weights (f32 or bf16 storage, optionally with MeZO's noise added on
 * the fly, so perturbed weights are never written).
 *
 * <p>Conventions. Arrays are row-major {@code float[]} with the shape passed alongside; arrays may
 * be longer than the shape needs and the excess is left untouched. A shape that does not fit its
 * array, a negative size or a bad id or mask value throws {@link IllegalArgumentException} naming
 * the argument and the expected size.
 *
 * <p>Determinism. Parallel kernels split work into tasks whose boundaries depend only on the
 * shapes, every element is computed by one task, and every sum has a fixed order (lane reductions
 * use a fixed tree; {@code exp} and {@code erf} are our own polynomials rather than intrinsics
 * whose last bit may vary). Results are therefore bit-identical for any number of threads, and from
 * run to run on the same machine. They can differ across vector widths (AVX2 vs AVX-512), because
 * lane sums group their terms by lane.
 */
package io.github.mezo4j.nn.kernels;
