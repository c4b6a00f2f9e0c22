package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Dense layers: {@code out = x @ weight^T + bias} with weights in {@code nn.Linear} layout, read
 * through a {@link Weights} view (f32, bf16 widened, optionally perturbed), with optional fused
 * epilogues (GELU, residual add).
 *
 * <p>How it is computed. The columns of {@code out} are cut into panels of {@link #NR} (four
 * vectors); a panel of weights is packed transposed, {@code panel[p, jj] = weight[j0 + jj, p]}, so
 * that the inner loop is a broadcast of one x value times contiguous weight vectors (FMA), over
 * {@link #MR} rows of x at once: 16 vector accumulators stay in registers for the whole k loop.
 * Tasks are (panel, block of {@link #ROWS_PER_TASK} rows) pairs whose boundaries depend only on the
 * shapes. With one row block each panel is packed by the task that uses it (one panel of scratch
 * per thread); with several, every panel is packed once per call, by whichever task reaches it
 * first, into a packed copy of the matrix that all row blocks share, so each weight element is
 * read, widened and perturbed exactly once per call (scratch: the packed matrix, {@code n * k}
 * floats rounded up to whole panels), and packing and multiplying form one parallel loop. {@link
 * #linearMany} runs several layers of the same input (an encoder's query, key and value) as one
 * loop.
 *
 * <p>Every output element is the same computation whatever the tiling or thread count: {@code acc =
 * 0; for p in [0, k): acc = fma(x[i, p], weight[j, p], acc); out[i, j] = acc + bias[j]}. So results
 * are bit-identical for any {@link Workers}, and equal to that scalar loop.
 */
public final class MatMul {
  private MatMul() {}

  /**
   * Output columns per panel: four vectors. A 4 x 4-vector tile needs one broadcast per four FMAs;
   * measured against 4 x 3 (one per three) it is 2-3% faster on AVX-512 (Zen 4), while 8 x 3 and 6
   * x 4 tiles (24 accumulators) were slower, and splitting k into L1-sized blocks gained nothing.
   */
  static final int NR = 4 * LANES;

  /** Rows of x per micro-tile. */
  static final int MR = 4;

  /** Rows of x per task: enough that packing a panel costs only a few percent of using it. */
  static final int ROWS_PER_TASK = 256;

  /**
   * {@code out[m, n] = x[m, k] @ weight[n, k]^T + bias[n]}; bias may be null (no bias). {@code out}
   * must not be {@code x} or {@code weight}.
   */
  public static void linear(
      Workers w, float[] x, int m, int k, float[] weight, float[] bias, int n, float[] out) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("k", k);
    Checks.nonNegative("n", n);
    Checks.length("x", x, (long) m * k);
    Checks.length("weight", weight, (long) n * k);
    Checks.distinct("out", out, "weight", weight);
    linear(w, x, m, k, Weights.f32(weight, n, k), bias, n, out);
  }

  /**
   * {@code out[m, n] = x[m, k] @ W^T + bias[n]} where {@code W[n, k]} is read through {@code
   * weight} (f32 or bf16 storage, with or without noise); bias may be null. {@code out} must not be
   * {@code x} or the weight's storage. Noise is generated once per element per call.
   */
  public static void linear(
      Workers w, float[] x, int m, int k, Weights weight, float[] bias, int n, float[] out) {
    run(w, x, m, k, weight, bias, n, null, false, out);
  }

  /**
   * {@code out = gelu(x @ W^T + bias)} with the exact-erf GELU of {@link Activations#gelu(float)}
   * applied as the tiles are stored: the same bits as {@link #linear} followed by {@link
   * Activations#geluInPlace}, one memory pass fewer.
   */
  public static void linearGelu(
      Workers w, float[] x, int m, int k, Weights weight, float[] bias, int n, float[] out) {
    run(w, x, m, k, weight, bias, n, null, true, out);
  }

  /**
   * {@code out = (x @ W^T + bias) + residual} (a sublayer's output plus the residual stream, in
   * that order of additions); {@code out} may be {@code residual} (each element reads its residual
   * before writing), but not {@code x}.
   */
  public static void linearResidual(
      Workers w,
      float[] x,
      int m,
      int k,
      Weights weight,
      float[] bias,
      int n,
      float[] residual,
      float[] out) {
    Checks.length("residual", residual, (long) m * n);
    Checks.distinct("residual", residual, "x", x);
    run(w, x, m, k, weight, bias, n, residual, false, out);
  }

  /**
   * Two dense layers in one pass, for the two halves of a MeZO step: {@code outPlus = xPlus @ (W +
   * eps z)^T + biasPlus} and {@code outMinus = xMinus @ (W - eps z)^T + biasMinus}, where {@code
   * weight} is the {@code +} view and the {@code -} weights are its mirror ({@code fma(-scale, z,
   * theta)}, see {@link Weights#readPair}). Each weight panel is read and its noise generated once,
   * then packed twice; each half is bit-identical to {@link #linear} on its own inputs and weights.
   * Biases may be null (both or either). The outputs must be distinct from each other and from both
   * inputs.
   */
  public static void linearPair(
      Workers w,
      float[] xPlus,
      float[] xMinus,
      int m,
      int k,
      Weights weight,
      float[] biasPlus,
      float[] biasMinus,
      int n,
      float[] outPlus,
      float[] outMinus) {
    runPair(
        w, xPlus, xMinus, m, k, weight, biasPlus, biasMinus, n, null, null, false, outPlus,
        outMinus);
  }

  /** {@link #linearGelu} for both halves of a pair, as {@link #linearPair}. */
  public static void linearGeluPair(
      Workers w,
      float[] xPlus,
      float[] xMinus,
      int m,
      int k,
      Weights weight,
      float[] biasPlus,
      float[] biasMinus,
      int n,
      float[] outPlus,
      float[] outMinus) {
    runPair(
        w, xPlus, xMinus, m, k, weight, biasPlus, biasMinus, n, null, null, true, outPlus,
        outMinus);
  }

  /**
   * {@link #linearResidual} for both halves of a pair, as {@link #linearPair}; each output may be
   * its own half's residual.
   */
  public static void linearResidualPair(
      Workers w,
      float[] xPlus,
      float[] xMinus,
      int m,
      int k,
      Weights weight,
      float[] biasPlus,
      float[] biasMinus,
      int n,
      float[] residualPlus,
      float[] residualMinus,
      float[] outPlus,
      float[] outMinus) {
    Checks.length("residualPlus", residualPlus, (long) m * n);
    Checks.length("residualMinus", residualMinus, (long) m * n);
    Checks.distinct("residualPlus", residualPlus, "xPlus", xPlus);
    Checks.distinct("residualMinus", residualMinus, "xMinus", xMinus);
    runPair(
        w,
        xPlus,
        xMinus,
        m,
        k,
        weight,
        biasPlus,
        biasMinus,
        n,
        residualPlus,
        residualMinus,
        false,
        outPlus,
        outMinus);
  }

  private static void runPair(
      Workers w,
      float[] xPlus,
      float[] xMinus,
      int m,
      int k,
      Weights weight,
      float[] biasPlus,
      float[] biasMinus,
      int n,
      float[] residualPlus,
      float[] residualMinus,
      boolean gelu,
      float[] outPlus,
      float[] outMinus) {
    check(xPlus, m, k, weight, biasPlus, n, outPlus);
    check(xMinus, m, k, weight, biasMinus, n, outMinus);
    Checks.distinct("outPlus", outPlus, "outMinus", outMinus);
    Checks.distinct("outPlus", outPlus, "xMinus", xMinus);
    Checks.distinct("outMinus", outMinus, "xPlus", xPlus);
    schedule(
        w,
        xPlus,
        xMinus,
        m,
        k,
        new Layer[] {
          new Layer(weight, n, biasPlus, biasMinus, residualPlus, residualMinus, outPlus, outMinus)
        },
        gelu);
  }

  /**
   * Several dense layers of the same input in one parallel pass: {@code outs[i] = x @ weights[i]^T
   * + biases[i]} (a null bias: none), each bit-identical to {@link #linear} with the same
   * arguments. One loop over all their panels instead of one per layer: fewer waits for the slowest
   * thread, and more tasks per wait (an encoder's query, key and value projections). Widths are the
   * weights' row counts; the outputs must be distinct from each other, from {@code x} and from the
   * weights' storage.
   */
  public static void linearMany(
      Workers w, float[] x, int m, int k, Weights[] weights, float[][] biases, float[][] outs) {
    Layer[] layers = layers(weights, biases, biases, outs, outs);
    for (int i = 0; i < layers.length; i++) {
      check(x, m, k, weights[i], biases[i], weights[i].rows(), outs[i]);
    }
    distinctOutputs("outs", weights, outs);
    schedule(w, x, null, m, k, layers, false);
  }

  /**
   * {@link #linearMany} for both halves of a MeZO pair, as {@link #linearPair}: layer i reads
   * {@code weights[i]} as the {@code +} view and its mirror for the {@code -} half; each output is
   * bit-identical to {@link #linearPair} on that layer. All outputs must be distinct from each
   * other and from both inputs.
   */
  public static void linearManyPair(
      Workers w,
      float[] xPlus,
      float[] xMinus,
      int m,
      int k,
      Weights[] weights,
      float[][] biasesPlus,
      float[][] biasesMinus,
      float[][] outsPlus,
      float[][] outsMinus) {
    Layer[] layers = layers(weights, biasesPlus, biasesMinus, outsPlus, outsMinus);
    for (int i = 0; i < layers.length; i++) {
      int n = weights[i].rows();
      check(xPlus, m, k, weights[i], biasesPlus[i], n, outsPlus[i]);
      check(xMinus, m, k, weights[i], biasesMinus[i], n, outsMinus[i]);
      Checks.distinct("outsPlus[" + i + "]", outsPlus[i], "xMinus", xMinus);
      Checks.distinct("outsMinus[" + i + "]", outsMinus[i], "xPlus", xPlus);
    }
    distinctOutputs("outsPlus", weights, outsPlus, outsMinus);
    schedule(w, xPlus, xMinus, m, k, layers, false);
  }

  /** One layer of a scheduled call: its weight view and each half's bias, residual and output. */
  private record Layer(
      Weights weight,
      int n,
      float[] biasPlus,
      float[] biasMinus,
      float[] residualPlus,
      float[] residualMinus,
      float[] outPlus,
      float[] outMinus) {
    int panels() {
      return (n + NR - 1) / NR;
    }
  }

  private static Layer[] layers(
      Weights[] weights,
      float[][] biasesPlus,
      float[][] biasesMinus,
      float[][] outsPlus,
      float[][] outsMinus) {
    notNull("weights", weights);
    notNull("biases", biasesPlus);
    notNull("biases of the - half", biasesMinus);
    notNull("outputs", outsPlus);
    notNull("outputs of the - half", outsMinus);
    int count = weights.length;
    if (biasesPlus.length != count
        || biasesMinus.length != count
        || outsPlus.length != count
        || outsMinus.length != count) {
      throw new IllegalArgumentException(
          "%d weights need as many biases and outputs per half; got biases %d/%d, outputs %d/%d"
              .formatted(
                  count, biasesPlus.length, biasesMinus.length, outsPlus.length, outsMinus.length));
    }
    Layer[] layers = new Layer[count];
    for (int i = 0; i < count; i++) {
      if (weights[i] == null) {
        throw new IllegalArgumentException("weights[" + i + "] must not be null");
      }
      layers[i] =
          new Layer(
              weights[i],
              weights[i].rows(),
              biasesPlus[i],
              biasesMinus[i],
              null,
              null,
              outsPlus[i],
              outsMinus[i]);
    }
    return layers;
  }

  private static void notNull(String name, Object[] array) {
    if (array == null) {
      throw new IllegalArgumentException(name + " must not be null (one entry per layer)");
    }
  }

  /**
   * Every output array (both halves) is written by its own layer only, and is no layer's weight
   * storage: one loop packs every layer's panels while others write their outputs.
   */
  private static void distinctOutputs(String name, Weights[] weights, float[][]... halves) {
    Set<float[]> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    // a pair call's halves are checked even when given as one array: each half writes its own
    for (float[][] half : halves) {
      for (float[] out : half) {
        if (!seen.add(out)) {
          throw new IllegalArgumentException(name + ": two layers write the same output array");
        }
      }
    }
    for (int i = 0; i < weights.length; i++) {
      if (weights[i].plainF32() != null && seen.contains(weights[i].plainF32())) {
        throw new IllegalArgumentException(
            name + ": an output array is the storage of weights[" + i + "]");
      }
    }
  }

  /**
   * Runs {@code layers} over the same input ({@code xMinus} null: one half only). Tasks, whose
   * boundaries depend only on the shapes: with one row block, one per panel of every layer (pack
   * the panel, multiply); with several, one per panel to pack it, then one per (half, row block,
   * panel) to multiply. A multiply task whose panel is not packed yet packs it itself if nobody has
   * started, else waits for the thread packing it, so the whole call is one parallel loop instead
   * of a pack loop and a multiply loop with a wait for the slowest thread between them.
   */
  private static void schedule(
      Workers w, float[] xPlus, float[] xMinus, int m, int k, Layer[] layers, boolean gelu) {
    boolean paired = xMinus != null;
    int[] first = new int[layers.length + 1]; // the first global panel of each layer
    boolean anyMirrored = false;
    for (int l = 0; l < layers.length; l++) {
      first[l + 1] = first[l] + layers[l].panels();
      // without noise both halves read the same weights: one packed copy serves both
      anyMirrored |= paired && layers[l].weight.isNoisy();
    }
    int panels = first[layers.length];
    if (m == 0 || panels == 0) {
      return;
    }
    int panelSize = k * NR;
    int rowBlocks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    if (rowBlocks == 1) {
      // Each panel is used by one task only: pack it there, into that thread's L2.
      w.parallelFor(
          panels,
          g -> {
            int l = layerOf(first, g);
            Layer layer = layers[l];
            int j0 = (g - first[l]) * NR;
            int cols = Math.min(NR, layer.n - j0);
            float[] plus = Scratch.get().floatsA(panelSize);
            float[] minus = plus;
            if (paired && layer.weight.isNoisy()) {
              minus = Scratch.get().minusPanel(panelSize);
              packPair(layer.weight, k, j0, cols, plus, minus, 0);
            } else {
              pack(layer.weight, k, j0, cols, plus, 0);
            }
            block(
                xPlus,
                k,
                0,
                m,
                plus,
                0,
                layer.biasPlus,
                j0,
                cols,
                layer.n,
                layer.residualPlus,
                gelu,
                layer.outPlus);
            if (paired) {
              block(
                  xMinus,
                  k,
                  0,
                  m,
                  minus,
                  0,
                  layer.biasMinus,
                  j0,
                  cols,
                  layer.n,
                  layer.residualMinus,
                  gelu,
                  layer.outMinus);
            }
          });
      return;
    }
    if ((long) panels * panelSize > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "weights of %d panels x k = %d are too large to pack in one array".formatted(panels, k));
    }
    // Several row blocks share every panel: pack each once (noise, widening and transposition
    // happen once per element), then multiply. The packed copies belong to the calling thread,
    // which waits in parallelFor until every task is done with them.
    float[] plus = Scratch.get().packedWeights(panels * panelSize);
    float[] minus = anyMirrored ? Scratch.get().minusPackedWeights(panels * panelSize) : plus;
    PanelClaims packed = new PanelClaims(panels);
    int perHalf = panels * rowBlocks;
    w.parallelFor(
        panels + (paired ? 2 : 1) * perHalf,
        t -> {
          int g = t < panels ? t : (t - panels) % panels;
          int l = layerOf(first, g);
          Layer layer = layers[l];
          int j0 = (g - first[l]) * NR;
          int cols = Math.min(NR, layer.n - j0);
          boolean mirrored = paired && layer.weight.isNoisy();
          int offset = g * panelSize;
          if (packed.claim(g)) {
            boolean done = false;
            try {
              if (mirrored) {
                packPair(layer.weight, k, j0, cols, plus, minus, offset);
              } else {
                pack(layer.weight, k, j0, cols, plus, offset);
              }
              done = true;
            } finally {
              packed.finish(g, done);
            }
          } else if (!packed.await(g)) {
            return; // its packing failed: that failure ends the loop
          }
          if (t < panels) {
            return;
          }
          int u = t - panels;
          boolean isPlus = u < perHalf;
          int i0 = ((isPlus ? u : u - perHalf) / panels) * ROWS_PER_TASK;
          block(
              isPlus ? xPlus : xMinus,
              k,
              i0,
              Math.min(ROWS_PER_TASK, m - i0),
              isPlus || !mirrored ? plus : minus,
              offset,
              isPlus ? layer.biasPlus : layer.biasMinus,
              j0,
              cols,
              layer.n,
              isPlus ? layer.residualPlus : layer.residualMinus,
              gelu,
              isPlus ? layer.outPlus : layer.outMinus);
        });
  }

  /** The layer whose panels include global panel {@code g} ({@code first} ascending). */
  private static int layerOf(int[] first, int g) {
    int l = 0;
    while (first[l + 1] <= g) {
      l++;
    }
    return l;
  }

  /** One panel of {@code weight} and of its mirror, each element read and its noise made once. */
  private static void packPair(
      Weights weight, int k, int j0, int cols, float[] plus, float[] minus, int off) {
    float[] rowsPlus = Scratch.get().floatsB(cols * k);
    float[] rowsMinus = Scratch.get().minusRows(cols * k);
    weight.readRowsPair(j0, cols, rowsPlus, 0, rowsMinus, 0);
    pack(rowsPlus, k, 0, cols, plus, off);
    pack(rowsMinus, k, 0, cols, minus, off);
  }

  /** The argument checks of one half (shared by single and paired calls). */
  private static void check(
      float[] x, int m, int k, Weights weight, float[] bias, int n, float[] out) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("k", k);
    Checks.nonNegative("n", n);
    Checks.length("x", x, (long) m * k);
    if (weight == null) {
      throw new IllegalArgumentException("weight must not be null");
    }
    if (weight.rows() != n || weight.cols() != k) {
      throw new IllegalArgumentException(
          "weight is [%d, %d]; expected [n, k] = [%d, %d]"
              .formatted(weight.rows(), weight.cols(), n, k));
    }
    if (bias != null) {
      Checks.length("bias", bias, n);
    }
    Checks.length("out", out, (long) m * n);
    Checks.distinct("out", out, "x", x);
    if (weight.plainF32() != null) {
      Checks.distinct("out", out, "weight", weight.plainF32());
    }
    if ((long) k * NR > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "k = " + k + " is too large: a packed panel needs k * " + NR + " floats");
    }
  }

  private static void run(
      Workers w,
      float[] x,
      int m,
      int k,
      Weights weight,
      float[] bias,
      int n,
      float[] residual,
      boolean gelu,
      float[] out) {
    check(x, m, k, weight, bias, n, out);
    schedule(
        w,
        x,
        null,
        m,
        k,
        new Layer[] {new Layer(weight, n, bias, bias, residual, residual, out, out)},
        gelu);
  }

  /** One panel of a weight view, packed as {@link #pack(float[], int, int, int, float[], int)}. */
  static void pack(Weights weight, int k, int j0, int cols, float[] packed, int off) {
    float[] plain = weight.plainF32();
    if (plain != null) {
      pack(plain, k, j0, cols, packed, off);
      return;
    }
    // widen and perturb the panel's rows (each element once), then transpose as for f32
    float[] rows = Scratch.get().floatsB(cols * k);
    weight.readRows(j0, cols, rows, 0);
    pack(rows, k, 0, cols, packed, off);
  }

  /** packed[off + p * NR + jj] = weight[(j0 + jj) * k + p], zero for jj >= cols. */
  static void pack(float[] weight, int k, int j0, int cols, float[] packed, int off) {
    int jj = 0;
    int tiledK = 0;
    if (Transpose.SUPPORTED) {
      tiledK = k & ~7;
      for (; jj + 8 <= cols; jj += 8) {
        for (int p = 0; p < tiledK; p += 8) {
          Transpose.tile8(weight, (j0 + jj) * k + p, k, packed, off + p * NR + jj, NR);
        }
      }
    }
    // what the tiles left: columns beyond the last full tile, then the last k % 16 rows
    for (int c = jj; c < cols; c++) {
      for (int p = 0, src = (j0 + c) * k, dst = off + c; p < tiledK; p++, dst += NR) {
        packed[dst] = weight[src + p];
      }
    }
    for (int c = 0; c < cols; c++) {
      for (int p = tiledK, src = (j0 + c) * k, dst = off + p * NR + c; p < k; p++, dst += NR) {
        packed[dst] = weight[src + p];
      }
    }
    for (int c = cols; c < NR; c++) {
      for (int p = 0, dst = off + c; p < k; p++, dst += NR) {
        packed[dst] = 0f;
      }
    }
  }

  private static void block(
      float[] x,
      int k,
      int i0,
      int rows,
      float[] packed,
      int q0,
      float[] bias,
      int j0,
      int cols,
      int n,
      float[] residual,
      boolean gelu,
      float[] out) {
    // Kernels write whole tiles to scratch; emit() adds the bias and clips to the panel. Keeping
    // masks and bias out of the kernels matters: a vector accumulator that escapes into a call
    // can make C2 box it on every iteration of the k loop.
    Scratch scratch = Scratch.get();
    float[] tile = scratch.tile(MR * NR);
    float[] biasPanel = scratch.biasPanel(NR);
    if (bias != null) {
      System.arraycopy(bias, j0, biasPanel, 0, cols);
    } else {
      Arrays.fill(biasPanel, 0f);
    }
    int i = i0;
    int end = i0 + rows;
    for (; i + MR <= end; i += MR) {
      kernel4x4(x, i * k, k, packed, q0, tile);
      emit(tile, MR, biasPanel, cols, out, i * n + j0, n, residual, gelu);
    }
    if (i < end) {
      // The 1-3 rows left run through the same 4-row kernel on zero-padded rows: each output is
      // the same FMA chain, so the bits are those of a row kernel, and only one kernel has to be
      // compiled well (a separate row kernel was seen to run unintrinsified, allocating per FMA).
      int left = end - i;
      float[] rows4 = scratch.lastRows(MR * k);
      System.arraycopy(x, i * k, rows4, 0, left * k);
      Arrays.fill(rows4, left * k, MR * k, 0f);
      kernel4x4(rows4, 0, k, packed, q0, tile);
      emit(tile, left, biasPanel, cols, out, i * n + j0, n, residual, gelu);
    }
  }

  /**
   * out[o + r * n + c] = epilogue(tile[r * NR + c] + biasPanel[c]) for r < rows, c < cols, the
   * epilogue being GELU or + residual[o + r * n + c] or nothing.
   */
  private static void emit(
      float[] tile,
      int rows,
      float[] biasPanel,
      int cols,
      float[] out,
      int o,
      int n,
      float[] residual,
      boolean gelu) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < NR; c += LANES) {
        FloatVector v =
            FloatVector.fromArray(SPECIES, tile, r * NR + c)
                .add(FloatVector.fromArray(SPECIES, biasPanel, c));
        int at = o + r * n + c;
        if (c + LANES <= cols) {
          if (residual != null) {
            v = v.add(FloatVector.fromArray(SPECIES, residual, at));
          }
          v.intoArray(out, at);
        } else if (c < cols) {
          VectorMask<Float> inRange = SPECIES.indexInRange(c, cols);
          if (residual != null) {
            v = v.add(FloatVector.fromArray(SPECIES, residual, at, inRange));
          }
          v.intoArray(out, at, inRange);
        }
      }
      if (gelu) {
        // on the row just stored (in L1), by the standalone GELU loop: inlined here, GELU's
        // large vector expression exceeds C2's budget and runs boxed
        Activations.geluRange(out, o + r * n, o + r * n + cols);
      }
    }
  }

  /** Four rows of x times one panel: 16 accumulators, 4 weight vectors, 1 broadcast. */
  private static void kernel4x4(float[] x, int x0, int k, float[] packed, int q0, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c02 = c00;
    FloatVector c03 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c12 = c00;
    FloatVector c13 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c22 = c00;
    FloatVector c23 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c32 = c00;
    FloatVector c33 = c00;
    int x1 = x0 + k;
    int x2 = x1 + k;
    int x3 = x2 + k;
    for (int p = 0, q = q0; p < k; p++, q += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, packed, q);
      FloatVector b1 = FloatVector.fromArray(SPECIES, packed, q + LANES);
      FloatVector b2 = FloatVector.fromArray(SPECIES, packed, q + 2 * LANES);
      FloatVector b3 = FloatVector.fromArray(SPECIES, packed, q + 3 * LANES);
      FloatVector a = FloatVector.broadcast(SPECIES, x[x0 + p]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      c02 = a.fma(b2, c02);
      c03 = a.fma(b3, c03);
      a = FloatVector.broadcast(SPECIES, x[x1 + p]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      c12 = a.fma(b2, c12);
      c13 = a.fma(b3, c13);
      a = FloatVector.broadcast(SPECIES, x[x2 + p]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      c22 = a.fma(b2, c22);
      c23 = a.fma(b3, c23);
      a = FloatVector.broadcast(SPECIES, x[x3 + p]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      c32 = a.fma(b2, c32);
      c33 = a.fma(b3, c33);
    }
    c00.intoArray(tile, 0 * NR + 0 * LANES);
    c01.intoArray(tile, 0 * NR + 1 * LANES);
    c02.intoArray(tile, 0 * NR + 2 * LANES);
    c03.intoArray(tile, 0 * NR + 3 * LANES);
    c10.intoArray(tile, 1 * NR + 0 * LANES);
    c11.intoArray(tile, 1 * NR + 1 * LANES);
    c12.intoArray(tile, 1 * NR + 2 * LANES);
    c13.intoArray(tile, 1 * NR + 3 * LANES);
    c20.intoArray(tile, 2 * NR + 0 * LANES);
    c21.intoArray(tile, 2 * NR + 1 * LANES);
    c22.intoArray(tile, 2 * NR + 2 * LANES);
    c23.intoArray(tile, 2 * NR + 3 * LANES);
    c30.intoArray(tile, 3 * NR + 0 * LANES);
    c31.intoArray(tile, 3 * NR + 1 * LANES);
    c32.intoArray(tile, 3 * NR + 2 * LANES);
    c33.intoArray(tile, 3 * NR + 3 * LANES);
  }
}
