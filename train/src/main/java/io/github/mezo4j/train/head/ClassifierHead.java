package io.github.mezo4j.train.head;

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
 * label texts there, at the encoder's current, possibly perturbed, weights), then score every
 * bucket of sentence embeddings with it.
 */
public sealed interface ClassifierHead permits LinearHead, PromptHead {
  /** Scores embeddings {@code [rows, dim]} into {@code logits[(firstRow + r) * classes + c]}. */
  @FunctionalInterface
  interface Scorer {
    void score(float[] embeddings, int rows, double[] logits, int firstRow);
  }

  /** "linear" or "prompt": the value of {@code --head}. */
  String kind();

  /** The number of classes. */
  int classes();

  /** The head's own weights (trained by MeZO together with the encoder); empty if none. */
  ParameterSet parameters();

  /** The class names or label texts, class 0 first (for reports). */
  List<String> labels();

  /** A scorer for the encoder's current weights. */
  Scorer scorer(SentenceEmbedder embedder, Workers workers);

  /** A deep copy: the same kind and labels, its own copy of the weights. */
  ClassifierHead copy();
}
