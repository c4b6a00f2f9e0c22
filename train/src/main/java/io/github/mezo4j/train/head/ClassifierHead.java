package io.github.mezo4j.train.head;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import java.util.List;

/**
 * Turns sentence embeddings into class scores (logits). Two kinds exist: {@link LinearHead}, a
 * weight matrix usually initialised by {@link LinearProbe}, and {@link PromptHead}, the cosine
 * similarity to the encoded label texts (no weights, works zero-shot).
 *
 * <p>Use: call {@link #scorer} once per forward pass of the model (the prompt head encodes its
 * label texts there, at the encoder's current or virtually perturbed weights), then score every
 * bucket of sentence embeddings with it.
 */
public sealed interface ClassifierHead permits LinearHead, PromptHead, SimilarityHead {
  /** Scores embeddings {@code [rows, dim]} into {@code logits[(firstRow + r) * classes + c]}. */
  @FunctionalInterface
  interface Scorer {
    /**
     * Writes the logits of {@code rows} embeddings, row-major {@code [rows, dim]}, from row {@code
     * firstRow} of {@code logits} on.
     */
    void score(float[] embeddings, int rows, double[] logits, int firstRow);
  }

  /** "linear", "prompt" or "similarity": how {@code head.json} names the kind. */
  String kind();

  /** The number of classes. */
  int classes();

  /** The head's own weights (trained by MeZO together with the encoder); empty if none. */
  ParameterSet parameters();

  /** The class names or label texts, class 0 first (for reports). */
  List<String> labels();

  /** A scorer for the encoder's and the head's current weights. */
  default Scorer scorer(SentenceEmbedder embedder, Workers workers) {
    return scorer(embedder, workers, VirtualPerturbation.none());
  }

  /**
   * A scorer for the weights {@code perturbation} describes: every encoder or head parameter it
   * {@linkplain VirtualPerturbation#covers covers} is read as {@code theta + scale * z}, and no
   * weight is written (MeZO's virtual mode, {@link
   * io.github.mezo4j.core.method.PerturbationMode#VIRTUAL}).
   */
  Scorer scorer(SentenceEmbedder embedder, Workers workers, VirtualPerturbation perturbation);

  /** A deep copy: the same kind and labels, its own copy of the weights. */
  ClassifierHead copy();
}
