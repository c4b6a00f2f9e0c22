package io.github.mezo4j.nn.model;

/** The decoder-only architectures {@link DecoderModel} runs; each maps to its HF tensor names. */
public enum DecoderFamily {
  /**
   * Llama and its relatives (Llama 2/3, TinyLlama, Mistral, Qwen2, llama2.c): RMSNorm, rotary
   * embeddings, SwiGLU, grouped-query attention.
   */
  LLAMA,
  /** Meta's OPT: learned positions offset by 2, ReLU, LayerNorm, optional project-in/out. */
  OPT,
  /** OpenAI's GPT-2: learned positions, tanh-GELU, LayerNorm, Conv1D ([in, out]) weights. */
  GPT2
}
