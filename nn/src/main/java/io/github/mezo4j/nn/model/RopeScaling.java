package io.github.mezo4j.nn.model;

/**
 * Llama 3.1's rotary frequency scaling ({@code "rope_type": "llama3"} in config.json), which Llama
 * 3.1 and 3.2 use to stretch an 8K-token training context: frequencies whose wavelength exceeds
 * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, those shorter than
 * {@code originalMaxPositions / highFreqFactor} are kept, and the band between is interpolated
 * smoothly (as transformers' {@code _compute_llama3_parameters}).
 *
 * @param factor how much longer the context becomes (8 for Llama 3.1, 32 for Llama 3.2)
 * @param lowFreqFactor wavelength bound of the fully scaled band (usually 1)
 * @param highFreqFactor wavelength bound of the unscaled band (usually 4)
 * @param originalMaxPositions the context the model was first trained with (usually 8192)
 */
public record RopeScaling(
    double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

  /** Checks every value is positive and the two bands are ordered. */
  public RopeScaling {
    if (!(factor > 0)
        || !(lowFreqFactor > 0)
        || !(highFreqFactor > lowFreqFactor)
        || originalMaxPositions <= 0) {
      throw new IllegalArgumentException(
          ("rope_scaling: expected factor > 0, 0 < low_freq_factor < high_freq_factor and"
                  + " original_max_position_embeddings > 0, got %s, %s, %s, %d")
              .formatted(factor, lowFreqFactor, highFreqFactor, originalMaxPositions));
    }
  }

  /**
   * The rotary inverse frequencies {@code theta^(-2i / headDim)}, {@code i < headDim / 2},
   * unscaled.
   */
  public static double[] plain(int headDim, double theta) {
    double[] inv = new double[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = Math.pow(theta, -2.0 * i / headDim);
    }
    return inv;
  }

  /** The scaled inverse frequencies for a head of {@code headDim} and base {@code theta}. */
  public double[] inverseFrequencies(int headDim, double theta) {
    double[] inv = plain(headDim, theta);
    double lowWavelength = originalMaxPositions / lowFreqFactor;
    double highWavelength = originalMaxPositions / highFreqFactor;
    for (int i = 0; i < inv.length; i++) {
      double wavelength = 2 * Math.PI / inv[i];
      if (wavelength > lowWavelength) {
        inv[i] = inv[i] / factor;
      } else if (wavelength >= highWavelength) {
        double smooth =
            (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
      }
    }
    return inv;
  }
}
