package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.LongVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The noise bits must not depend on the vector width. The width is fixed per JVM (preferred
 * species), so this forks JVMs limited to 128- and 256-bit vectors and runs {@link #main} there:
 * vector fill, fused perturbation (single and paired) and noise products against the scalar
 * reference.
 */
class VectorWidthTest {

  @ParameterizedTest(name = "{0}-byte vectors")
  @ValueSource(ints = {16, 32})
  void bitsDoNotDependOnVectorWidth(int maxVectorBytes) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "--add-modules=jdk.incubator.vector",
                    "-XX:MaxVectorSize=" + maxVectorBytes,
                    "-cp",
                    System.getProperty("java.class.path"),
                    VectorWidthTest.class.getName()))
            .redirectErrorStream(true)
            .start();
    boolean done = process.waitFor(120, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      process.destroyForcibly();
    }
    assertTrue(done, "child JVM timed out: " + output);
    assertEquals(0, process.exitValue(), output);
    // The child really ran at the requested width (the CPU may support less, never more).
    int expectedLanes = Math.min(maxVectorBytes / 8, LongVector.SPECIES_PREFERRED.length());
    assertTrue(output.contains("long lanes=" + expectedLanes), output);
  }

  /** Child JVM entry point: exits 1 on the first difference from the scalar reference. */
  public static void main(String[] args) {
    System.out.println("long lanes=" + LongVector.SPECIES_PREFERRED.length());
    SplittableRandom random = new SplittableRandom(12);
    for (int trial = 0; trial < 400; trial++) {
      long seed = random.nextLong();
      long stream = random.nextLong();
      long start = trial % 2 == 0 ? random.nextInt(100) : random.nextLong(1L << 60);
      int len = random.nextInt(700);
      float[] vector = new float[len];
      float[] scalar = new float[len];
      GaussianNoise.fill(seed, stream, start, vector, 0, len);
      GaussianNoise.fillScalar(seed, stream, start, scalar, 0, len);
      float[] theta = new float[len];
      for (int i = 0; i < len; i++) {
        theta[i] = (float) random.nextGaussian();
      }
      float[] perturbed = new float[len];
      Perturbation.perturbedCopy(theta, 0, perturbed, 0, len, seed, stream, start, 0.01f);
      float[] plus = new float[len];
      float[] minus = new float[len];
      Perturbation.perturbedCopyPair(theta, 0, plus, 0, minus, 0, len, seed, stream, start, 0.01f);
      float[] product = new float[len];
      GaussianNoise.fillProduct(seed, stream, start, new float[] {0.3f, -0.01f}, product, 0, len);
      for (int i = 0; i < len; i++) {
        float reference = Math.fma(0.01f, scalar[i], theta[i]);
        if (Float.floatToRawIntBits(vector[i]) != Float.floatToRawIntBits(scalar[i])
            || Float.floatToRawIntBits(perturbed[i]) != Float.floatToRawIntBits(reference)
            || Float.floatToRawIntBits(plus[i]) != Float.floatToRawIntBits(reference)
            || Float.floatToRawIntBits(minus[i])
                != Float.floatToRawIntBits(Math.fma(-0.01f, scalar[i], theta[i]))
            || Float.floatToRawIntBits(product[i])
                != Float.floatToRawIntBits(scalar[i] * 0.3f * -0.01f)) {
          System.out.printf(
              "difference: seed=%d stream=%d start=%d i=%d: %s vs %s%n",
              seed, stream, start, i, vector[i], scalar[i]);
          System.exit(1);
        }
      }
    }
    System.out.println("ok");
  }
}
