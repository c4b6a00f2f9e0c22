package io.github.mezo4j.core.optim;

import io.github.mezo4j.core.param.Selector;
import java.util.List;

/**
 * Zeroth-order optimizers built from composable {@link ZoTransform}s, named after optax. Each
 * factory states the extra memory its state costs, as f32 buffers the size of the trainable
 * parameters (n elements): none, 1 ({@code 4n} bytes) or 2 ({@code 8n} bytes).
 *
 * <pre>{@code
 * ZoTransform opt = Optimizers.chain(
 *     Optimizers.weightDecay(0.01),                 // skips biases and norms
 *     Optimizers.momentum(0.9),                     // 4 bytes per trainable element
 *     Optimizers.scaleByLearningRate(Schedule.cosineDecay(1e-3, 10_000, 0.0)));
 * }</pre>
 *
 * <p>The conservative rule of ZO-Bench (ZO-SGD-Cons, Zhang et al. 2024) is not a transform but an
 * update rule that needs extra forward passes: see {@code MezoConfig.Builder#conservative}.
 */
public final class Optimizers {
  private Optimizers() {}

  /** Applies {@code transforms} one after another (optax.chain). State: the sum of the parts'. */
  public static ZoTransform chain(ZoTransform... transforms) {
    if (transforms.length == 0) {
      throw new IllegalArgumentException("chain needs at least one transform");
    }
    for (int i = 0; i < transforms.length; i++) {
      if (transforms[i] == null) {
        throw new IllegalArgumentException("chain: transform " + i + " is null");
      }
    }
    return new BuiltInTransforms.Chain(List.of(transforms));
  }

  /**
   * Multiplies the updates by {@code -lr(count)}, turning a gradient into a descent step. No state.
   */
  public static ZoTransform scaleByLearningRate(Schedule lr) {
    if (lr == null) {
      throw new IllegalArgumentException("scaleByLearningRate: schedule must not be null");
    }
    return new BuiltInTransforms.ScaleByLearningRate(lr);
  }

  /** Multiplies the updates by a constant factor. No state. */
  public static ZoTransform scale(double factor) {
    if (!Double.isFinite(factor)) {
      throw new IllegalArgumentException("scale factor must be finite, got " + factor);
    }
    return new BuiltInTransforms.Scale(factor);
  }

  /**
   * Decoupled weight decay (optax.add_decayed_weights): adds {@code rate * theta} to the updates of
   * every parameter except biases and normalization weights ({@link Selector#biasOrNorm()}). Put it
   * before {@link #scaleByLearningRate} so the decay is scaled by the learning rate, as in AdamW.
   * No state.
   */
  public static ZoTransform weightDecay(double rate) {
    checkRate(rate);
    return new BuiltInTransforms.WeightDecay(rate, Selector.biasOrNorm().negate()::test, null);
  }

  /**
   * Weight decay on the parameters {@code mask} chooses. {@code maskName} goes into the spec; a run
   * logged with a custom mask is replayed by passing the optimizer to {@code Replay} explicitly.
   */
  public static ZoTransform weightDecay(double rate, Selector mask, String maskName) {
    checkRate(rate);
    if (mask == null || maskName == null || maskName.isEmpty() || maskName.contains("\"")) {
      throw new IllegalArgumentException(
          "weightDecay: mask and a non-empty maskName without quotes are required, got "
              + maskName);
    }
    return new BuiltInTransforms.WeightDecay(rate, mask, maskName);
  }

  /**
   * Heavy-ball momentum, {@code m = beta * m + u; u = m} (optax.trace; with {@link
   * #scaleByLearningRate} this is ZO-SGD-MMT). State: one f32 buffer per trainable element ({@code
   * 4n} bytes).
   */
  public static ZoTransform momentum(double beta) {
    checkUnitInterval("momentum beta", beta);
    return new BuiltInTransforms.Momentum(beta);
  }

  /**
   * Adam's moment scaling with bias correction (optax.scale_by_adam). State: two f32 buffers per
   * trainable element ({@code 8n} bytes).
   */
  public static ZoTransform scaleByAdam(double b1, double b2, double eps) {
    checkUnitInterval("b1", b1);
    checkUnitInterval("b2", b2);
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("Adam eps must be a finite number > 0, got " + eps);
    }
    return new BuiltInTransforms.ScaleByAdam(b1, b2, eps);
  }

  /** Element-wise sign of the updates (optax.scale_by_sign). No state. */
  public static ZoTransform sign() {
    return new BuiltInTransforms.Sign();
  }

  /** ZO-SGD, MeZO's optimizer: {@code theta -= lr * g * z}. No state. */
  public static ZoTransform sgd(double lr) {
    return sgd(Schedule.constant(lr));
  }

  /** ZO-SGD with a schedule. No state. */
  public static ZoTransform sgd(Schedule lr) {
    return scaleByLearningRate(lr);
  }

  /** ZO-SGD-MMT: momentum then learning rate. State: {@code 4n} bytes. */
  public static ZoTransform sgdMomentum(Schedule lr, double beta) {
    return chain(momentum(beta), scaleByLearningRate(lr));
  }

  /** ZO-Adam with b1 = 0.9, b2 = 0.999, eps = 1e-8. State: {@code 8n} bytes. */
  public static ZoTransform adam(Schedule lr) {
    return adam(lr, 0.9, 0.999, 1e-8);
  }

  /** ZO-Adam. State: {@code 8n} bytes. */
  public static ZoTransform adam(Schedule lr, double b1, double b2, double eps) {
    return chain(scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
  }

  /** ZO-AdamW: Adam, then decoupled weight decay, then the learning rate. State: {@code 8n}. */
  public static ZoTransform adamw(Schedule lr, double weightDecay) {
    return chain(scaleByAdam(0.9, 0.999, 1e-8), weightDecay(weightDecay), scaleByLearningRate(lr));
  }

  /** ZO-SGD-Sign: {@code theta -= lr * sign(g * z)}. No state. */
  public static ZoTransform signSgd(Schedule lr) {
    return chain(sign(), scaleByLearningRate(lr));
  }

  private static void checkRate(double rate) {
    if (!Double.isFinite(rate) || rate < 0) {
      throw new IllegalArgumentException(
          "weight decay rate must be a finite number >= 0, got " + rate);
    }
  }

  private static void checkUnitInterval(String name, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
    }
  }
}
