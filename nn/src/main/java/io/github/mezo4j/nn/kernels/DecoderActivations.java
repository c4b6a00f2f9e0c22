package io.github.mezo4j.nn.kernels;

import io.github.mezo4j.core.parallel.Workers;

/**
 * The feed-forward nonlinearities of decoder-only language models: ReLU (OPT), the tanh
 * approximation of GELU (GPT-2's {@code gelu_new}) and the SiLU-gated product of SwiGLU (Llama).
 * Each element is computed on its own, so results never depend on the thread count.
 */
public final class DecoderActivations {
  private DecoderActivations() {}

  private static final int PER_TASK = 1 << 14;
  private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

  /** {@code max(x, 0)}. */
  public static float relu(float x) {
    return x > 0f ? x : 0f;
  }

  /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, as GPT-2 and {@code gelu_new}. */
  public static float geluTanh(float x) {
    float inner = SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1f + (float) Math.tanh(inner));
  }

  /** {@code x * sigmoid(x)} (SiLU, also called swish). */
  public static float silu(float x) {
    return (float) (x / (1.0 + Math.exp(-x)));
  }

  /** {@code x[i] = relu(x[i])} for i in [0, len). */
  public static void reluInPlace(Workers w, float[] x, int len) {
    check("x", x, len);
    w.parallelFor(
        tasks(len),
        t -> {
          for (int i = t * PER_TASK, end = Math.min(len, i + PER_TASK); i < end; i++) {
            x[i] = relu(x[i]);
          }
        });
  }

  /** {@code x[i] = geluTanh(x[i])} for i in [0, len). */
  public static void geluTanhInPlace(Workers w, float[] x, int len) {
    check("x", x, len);
    w.parallelFor(
        tasks(len),
        t -> {
          for (int i = t * PER_TASK, end = Math.min(len, i + PER_TASK); i < end; i++) {
            x[i] = geluTanh(x[i]);
          }
        });
  }

  /** SwiGLU: {@code gate[i] = silu(gate[i]) * up[i]} for i in [0, len). */
  public static void swiGluInPlace(Workers w, float[] gate, float[] up, int len) {
    check("gate", gate, len);
    check("up", up, len);
    w.parallelFor(
        tasks(len),
        t -> {
          for (int i = t * PER_TASK, end = Math.min(len, i + PER_TASK); i < end; i++) {
            gate[i] = silu(gate[i]) * up[i];
          }
        });
  }

  private static void check(String name, float[] x, int len) {
    Checks.nonNegative("len", len);
    Checks.length(name, x, len);
  }

  private static int tasks(int len) {
    return (len + PER_TASK - 1) / PER_TASK;
  }
}
