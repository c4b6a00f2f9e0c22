package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Accuracy of the own float log, sincos and the whole pair transform against StrictMath in double
 * precision. The measured maxima are printed and must stay within the bounds documented in {@link
 * BoxMuller}.
 */
class BoxMullerTest {

  /** ulp of the float nearest to an exact value. */
  private static double floatUlp(double exact) {
    return Math.ulp((float) exact);
  }

  @Test
  void logIsAccurateOnEveryInput() {
    // Exhaustive: u takes exactly 2^24 values.
    double maxUlp = 0;
    int worst = 0;
    for (int m = 0; m < (1 << 24); m++) {
      int word = m << 8;
      double u = (m + 1) * 0x1p-24;
      double exact = -StrictMath.log(u);
      float got = BoxMuller.negLogUniform(word);
      if (exact == 0) {
        assertEquals(0, Float.floatToRawIntBits(got), "-ln 1 must be +0");
        continue;
      }
      double err = Math.abs(got - exact) / floatUlp(exact);
      if (err > maxUlp) {
        maxUlp = err;
        worst = m;
      }
    }
    System.out.printf("log: max error %.3f ulp (at u=(%d+1)*2^-24)%n", maxUlp, worst);
    assertTrue(maxUlp <= BoxMuller.LOG_MAX_ULP, "log error " + maxUlp + " ulp");
  }

  @Test
  void radiusIsAccurateOnEveryInput() {
    double maxUlp = 0;
    for (int m = 0; m < (1 << 24); m++) {
      double exact = Math.sqrt(-2 * StrictMath.log((m + 1) * 0x1p-24));
      float got = BoxMuller.radius(m << 8);
      if (exact == 0) {
        assertEquals(0, Float.floatToRawIntBits(got), "radius at u = 1 must be +0");
        continue;
      }
      maxUlp = Math.max(maxUlp, Math.abs(got - exact) / floatUlp(exact));
    }
    System.out.printf("radius sqrt(-2 ln u): max error %.3f ulp%n", maxUlp);
    assertTrue(maxUlp <= BoxMuller.RADIUS_MAX_ULP, "radius error " + maxUlp + " ulp");
    // Extremes of the documented range.
    assertEquals(0f, BoxMuller.radius(0xFFFFFFFF));
    assertEquals(Math.sqrt(48 * Math.log(2)), BoxMuller.radius(0), 1e-6);
  }

  @Test
  void sinCosAreAccurateOnTheReducedInterval() {
    // Every f = i * 2^-24 turns, |i| <= 2^21: the reduced interval [-1/8, 1/8], exhaustively.
    double maxAbs = 0;
    double maxUlp = 0;
    for (int i = -(1 << 21); i <= (1 << 21); i++) {
      float f = i * 0x1p-24f;
      double angle = 2 * Math.PI * i * 0x1p-24;
      double c = StrictMath.cos(angle);
      double s = StrictMath.sin(angle);
      double ec = Math.abs(BoxMuller.cosTurns(f) - c);
      double es = Math.abs(BoxMuller.sinTurns(f) - s);
      maxAbs = Math.max(maxAbs, Math.max(ec, es));
      maxUlp = Math.max(maxUlp, ec / floatUlp(c));
      if (i != 0) {
        maxUlp = Math.max(maxUlp, es / floatUlp(s));
      }
    }
    System.out.printf("sincos: max abs error %.3g, max %.3f ulp%n", maxAbs, maxUlp);
    assertTrue(maxAbs <= BoxMuller.SINCOS_MAX_ABS, "sincos abs error " + maxAbs);
    assertTrue(maxUlp <= BoxMuller.SINCOS_MAX_ULP, "sincos error " + maxUlp + " ulp");
  }

  @Test
  void pairMatchesTheExactTransform() {
    SplittableRandom random = new SplittableRandom(20240611);
    float[] z = new float[2];
    double maxAbs = 0;
    for (int n = 0; n < 2_000_000; n++) {
      int ru = random.nextInt();
      int ra = random.nextInt();
      BoxMuller.pair(ru, ra, z, 0);
      double r = Math.sqrt(-2 * StrictMath.log(((ru >>> 8) + 1) * 0x1p-24));
      double angle = 2 * Math.PI * (ra >>> 8) * 0x1p-24;
      maxAbs = Math.max(maxAbs, Math.abs(z[0] - r * StrictMath.cos(angle)));
      maxAbs = Math.max(maxAbs, Math.abs(z[1] - r * StrictMath.sin(angle)));
    }
    System.out.printf("normal pair: max abs error %.3g vs double precision%n", maxAbs);
    assertTrue(maxAbs <= BoxMuller.NORMAL_MAX_ABS, "normal abs error " + maxAbs);
  }

  @Test
  void quarterTurnsAreExact() {
    // u = 2^-24 * 2^23 = 1/2: r = sqrt(2 ln 2); angles 0, 1/4, 1/2, 3/4 turn.
    float r = BoxMuller.radius((1 << 23) - 1 << 8);
    float[][] expected = {{r, 0}, {0, r}, {-r, 0}, {0, -r}};
    float[] z = new float[2];
    for (int q = 0; q < 4; q++) {
      BoxMuller.pair((1 << 23) - 1 << 8, q << 30, z, 0);
      assertEquals(expected[q][0], z[0], 0f, "cos at quarter " + q);
      assertEquals(expected[q][1], z[1], 0f, "sin at quarter " + q);
    }
    assertEquals(Math.sqrt(2 * Math.log(2)), r, 1e-6);
  }

  @Test
  void angleReductionIsContinuousAcrossOctants() {
    // Around every octant boundary (where the quarter changes) neighbouring angles give nearby
    // values on both sides: a wrong swap or sign would jump by ~1.4 r.
    float[] a = new float[2];
    float[] b = new float[2];
    int ru = 123 << 8;
    for (int octant = 1; octant < 8; octant += 2) {
      int boundary = octant << 21;
      BoxMuller.pair(ru, (boundary - 1) << 8, a, 0);
      BoxMuller.pair(ru, boundary << 8, b, 0);
      assertEquals(a[0], b[0], 1e-5, "cos across octant " + octant);
      assertEquals(a[1], b[1], 1e-5, "sin across octant " + octant);
    }
  }
}
