package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.Philox4x32;

/**
 * The initial value of a LoRA {@code A [r, in]}: uniform on {@code (-1/sqrt(in), 1/sqrt(in))}, the
 * bound of PyTorch's {@code kaiming_uniform_(a=sqrt(5))} that PEFT uses, drawn from the same
 * counter-based generator as MeZO's noise so that a replay regenerates it exactly from the run seed
 * and the tensor's name, on any thread count. ({@code B} starts at zero, so the adapted model
 * equals the base model before the first step.)
 *
 * <p>Element {@code i} (row-major) takes word {@code i % 4} of {@link Philox4x32} with counter
 * {@code (i / 4 low, i / 4 high, stream low, stream high)} and key {@code (s low, s high)}, where
 * {@code s = runSeed ^ }{@link #SEED_TAG} keeps it apart from the step seeds and {@code stream} is
 * the tensor's parameter id; its top 24 bits {@code w} give {@code (2 w + 1 - 2^24) / 2^24}, an
 * exact float in (-1, 1) symmetric about 0, times the bound.
 */
public final class LoraInit {
  /** XORed into the run seed ("LoRAinit"), so the init draws no step's noise. */
  public static final long SEED_TAG = 0x4C6F5241696E6974L;

  private LoraInit() {}

  /** {@code A}'s values, {@code rows * cols} floats row-major, for a run seed and a stream. */
  public static float[] uniformA(long runSeed, long stream, int rows, int cols) {
    float bound = (float) (1 / Math.sqrt(cols));
    long seed = runSeed ^ SEED_TAG;
    int n = Math.multiplyExact(rows, cols);
    float[] out = new float[n];
    int[] words = new int[4];
    for (int i = 0; i < n; i++) {
      if ((i & 3) == 0) {
        long block = i >>> 2;
        Philox4x32.block(
            (int) block,
            (int) (block >>> 32),
            (int) stream,
            (int) (stream >>> 32),
            (int) seed,
            (int) (seed >>> 32),
            words);
      }
      int top = words[i & 3] >>> 8;
      out[i] = (2 * top + 1 - (1 << 24)) * 0x1p-24f * bound;
    }
    return out;
  }
}
