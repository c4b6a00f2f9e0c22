package io.github.mezo4j.core.optim;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import java.util.List;

/** The transforms behind {@link Optimizers}' factories. */
final class BuiltInTransforms {
  private BuiltInTransforms() {}

  enum NoState implements ZoTransform.State {
    INSTANCE
  }

  /** One f32 buffer per trainable parameter, per slot (momentum: 1 slot, Adam: 2). */
  record Buffers(float[][][] slots) implements ZoTransform.State {
    static Buffers zeros(int slots, ParameterSet params) {
      List<Parameter> list = params.list();
      float[][][] b = new float[slots][list.size()][];
      for (int s = 0; s < slots; s++) {
        for (int i = 0; i < list.size(); i++) {
          b[s][i] = new float[list.get(i).size()];
        }
      }
      return new Buffers(b);
    }
  }

  record Mask(boolean[] chosen) implements ZoTransform.State {}

  record ChainState(ZoTransform.State[] children) implements ZoTransform.State {}

  static <S extends ZoTransform.State> S stateAs(
      Class<S> type, ZoTransform.State state, ZoTransform owner) {
    if (!type.isInstance(state)) {
      throw new IllegalArgumentException(
          "state %s does not belong to transform %s"
              .formatted(state == null ? "null" : state.getClass().getSimpleName(), owner.spec()));
    }
    return type.cast(state);
  }

  record ScaleByLearningRate(Schedule lr) implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      return NoState.INSTANCE;
    }

    @Override
    public void checkStep(long count) {
      double v = lr.value(count);
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            "learning rate schedule %s gave %s for update %d; expected a finite number >= 0"
                .formatted(lr.spec(), v, count));
      }
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      float s = (float) -lr.value(count);
      for (int i = 0, n = chunk.length(); i < n; i++) {
        u[i] *= s;
      }
    }

    @Override
    public int stateBuffers() {
      return 0;
    }

    @Override
    public String spec() {
      return "scaleByLearningRate(" + lr.spec() + ")";
    }
  }

  record Scale(double factor) implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      return NoState.INSTANCE;
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      float s = (float) factor;
      for (int i = 0, n = chunk.length(); i < n; i++) {
        u[i] *= s;
      }
    }

    @Override
    public int stateBuffers() {
      return 0;
    }

    @Override
    public String spec() {
      return "scale(" + factor + ")";
    }
  }

  /** Decoupled weight decay: {@code u += wd * theta} on the parameters the mask chooses. */
  record WeightDecay(double rate, Selector mask, String maskName) implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      List<Parameter> list = params.list();
      boolean[] chosen = new boolean[list.size()];
      for (int i = 0; i < chosen.length; i++) {
        chosen[i] = mask.test(list.get(i));
      }
      return new Mask(chosen);
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      if (!stateAs(Mask.class, state, this).chosen()[chunk.index()]) {
        return;
      }
      float wd = (float) rate;
      for (int i = 0, n = chunk.length(); i < n; i++) {
        u[i] += wd * params[i];
      }
    }

    @Override
    public int stateBuffers() {
      return 0;
    }

    @Override
    public boolean readsParams() {
      return true;
    }

    @Override
    public String spec() {
      return maskName == null
          ? "weightDecay(" + rate + ")"
          : "weightDecay(" + rate + ",\"" + maskName + "\")";
    }
  }

  /** Heavy-ball momentum (optax's trace): {@code m = beta * m + u; u = m}. */
  record Momentum(double beta) implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      return Buffers.zeros(1, params);
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      float[] m = stateAs(Buffers.class, state, this).slots()[0][chunk.index()];
      float b = (float) beta;
      int off = chunk.start();
      for (int i = 0, n = chunk.length(); i < n; i++) {
        float mi = b * m[off + i] + u[i];
        m[off + i] = mi;
        u[i] = mi;
      }
    }

    @Override
    public int stateBuffers() {
      return 1;
    }

    @Override
    public String spec() {
      return "momentum(" + beta + ")";
    }
  }

  /**
   * Adam's scaling (Kingma and Ba 2015) with bias correction: {@code m = b1 m + (1-b1) u; v = b2 v
   * + (1-b2) u^2; u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)}, {@code t = count + 1}.
   */
  record ScaleByAdam(double b1, double b2, double eps) implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      return Buffers.zeros(2, params);
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      float[][][] slots = stateAs(Buffers.class, state, this).slots();
      float[] m = slots[0][chunk.index()];
      float[] v = slots[1][chunk.index()];
      float fb1 = (float) b1;
      float fb2 = (float) b2;
      float c1 = (float) (1 - b1);
      float c2 = (float) (1 - b2);
      float bc1 = (float) (1 / (1 - Math.pow(b1, count + 1)));
      float bc2 = (float) (1 / (1 - Math.pow(b2, count + 1)));
      float fe = (float) eps;
      int off = chunk.start();
      for (int i = 0, n = chunk.length(); i < n; i++) {
        float g = u[i];
        float mi = fb1 * m[off + i] + c1 * g;
        float vi = fb2 * v[off + i] + c2 * (g * g);
        m[off + i] = mi;
        v[off + i] = vi;
        u[i] = (mi * bc1) / ((float) Math.sqrt(vi * bc2) + fe);
      }
    }

    @Override
    public int stateBuffers() {
      return 2;
    }

    @Override
    public String spec() {
      return "scaleByAdam(" + b1 + "," + b2 + "," + eps + ")";
    }
  }

  /** Element-wise sign of the updates (signSGD). */
  record Sign() implements ZoTransform {
    @Override
    public State init(ParameterSet params) {
      return NoState.INSTANCE;
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      for (int i = 0, n = chunk.length(); i < n; i++) {
        u[i] = Math.signum(u[i]);
      }
    }

    @Override
    public int stateBuffers() {
      return 0;
    }

    @Override
    public String spec() {
      return "sign()";
    }
  }

  record Chain(List<ZoTransform> parts) implements ZoTransform {
    Chain {
      parts = List.copyOf(parts);
    }

    @Override
    public State init(ParameterSet params) {
      State[] states = new State[parts.size()];
      for (int i = 0; i < states.length; i++) {
        states[i] = parts.get(i).init(params);
      }
      return new ChainState(states);
    }

    @Override
    public void checkStep(long count) {
      for (ZoTransform t : parts) {
        t.checkStep(count);
      }
    }

    @Override
    public void update(long count, State state, ParameterChunk chunk, float[] u, float[] params) {
      State[] states = stateAs(ChainState.class, state, this).children();
      for (int i = 0; i < states.length; i++) {
        parts.get(i).update(count, states[i], chunk, u, params);
      }
    }

    @Override
    public int stateBuffers() {
      int n = 0;
      for (ZoTransform t : parts) {
        n += t.stateBuffers();
      }
      return n;
    }

    @Override
    public boolean readsParams() {
      for (ZoTransform t : parts) {
        if (t.readsParams()) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String spec() {
      StringBuilder sb = new StringBuilder("chain(");
      for (int i = 0; i < parts.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(parts.get(i).spec());
      }
      return sb.append(')').toString();
    }
  }
}
