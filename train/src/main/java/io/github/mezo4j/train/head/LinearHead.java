package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import java.util.List;

/**
 * A linear classifier on sentence embeddings: {@code logits = W e + b} with {@code W [classes,
 * dim]} ({@value #WEIGHT}) and {@code b [classes]} ({@value #BIAS}). Both are f32 parameters, so
 * MeZO trains them together with the encoder (perturbed virtually, in a copy made per forward
 * pass). Initialise it with {@link LinearProbe}.
 */
public final class LinearHead implements ClassifierHead {
  /** Name of the weight matrix {@code [classes, dim]}. */
  public static final String WEIGHT = "head.weight";

  /** Name of the bias {@code [classes]}. */
  public static final String BIAS = "head.bias";

  private final Parameter weight;
  private final Parameter bias;
  private final List<String> labels;

  /**
   * Logits {@code W e + b} over the given parameters; checks their names and shapes.
   *
   * @param weight {@code [classes, dim]}, named {@value #WEIGHT}
   * @param bias {@code [classes]}, named {@value #BIAS}
   * @param labels one name per class
   */
  public LinearHead(Parameter weight, Parameter bias, List<String> labels) {
    if (!WEIGHT.equals(weight.name()) || !BIAS.equals(bias.name())) {
      throw new IllegalArgumentException(
          "a linear head's parameters are named %s and %s, got %s and %s"
              .formatted(WEIGHT, BIAS, weight.name(), bias.name()));
    }
    if (weight.rank() != 2 || bias.rank() != 1 || bias.dim(0) != weight.dim(0)) {
      throw new IllegalArgumentException(
          "linear head shapes must be [classes, dim] and [classes], got %s and %s"
              .formatted(weight, bias));
    }
    if (labels.size() != weight.dim(0) || labels.size() < 2) {
      throw new IllegalArgumentException(
          "a linear head with %d rows needs as many labels (at least 2), got %s"
              .formatted(weight.dim(0), labels));
    }
    this.weight = weight;
    this.bias = bias;
    this.labels = List.copyOf(labels);
  }

  /** A head of zeros (all classes equally likely). */
  public static LinearHead zeros(int dim, List<String> labels) {
    int k = labels.size();
    return new LinearHead(
        Parameter.f32(WEIGHT, new int[] {k, dim}, new float[k * dim]),
        Parameter.f32(BIAS, new int[] {k}, new float[k]),
        labels);
  }

  @Override
  public String kind() {
    return "linear";
  }

  @Override
  public int classes() {
    return weight.dim(0);
  }

  /** The embedding width this head reads. */
  public int dimension() {
    return weight.dim(1);
  }

  /** The weight {@code [classes, dim]}. */
  public Parameter weight() {
    return weight;
  }

  /** The bias {@code [classes]}. */
  public Parameter bias() {
    return bias;
  }

  @Override
  public ParameterSet parameters() {
    return ParameterSet.of(weight, bias);
  }

  @Override
  public List<String> labels() {
    return labels;
  }

  @Override
  public Scorer scorer(
      SentenceEmbedder embedder, Workers workers, VirtualPerturbation perturbation) {
    if (embedder.dimension() != dimension()) {
      throw new IllegalArgumentException(
          "the linear head reads %d-wide embeddings but the encoder makes %d"
              .formatted(dimension(), embedder.dimension()));
    }
    // a scorer belongs to one forward pass: read the weights (perturbed in a copy) now
    float[] w = PerturbedValues.read(weight, perturbation);
    float[] b = PerturbedValues.read(bias, perturbation);
    int k = classes();
    int dim = dimension();
    return (e, rows, logits, firstRow) -> {
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < k; c++) {
          double dot = b[c];
          for (int j = 0; j < dim; j++) {
            dot += (double) w[c * dim + j] * e[r * dim + j];
          }
          logits[(firstRow + r) * k + c] = dot;
        }
      }
    };
  }

  @Override
  public LinearHead copy() {
    return new LinearHead(weight.copy(), bias.copy(), labels);
  }

  @Override
  public String toString() {
    return "LinearHead[%d classes x %d]".formatted(classes(), dimension());
  }
}
