package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.kernels.RotaryEmbedding;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.DecoderModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Andrej Karpathy's llama2.c checkpoints (the "legacy", version-0 {@code export.py} format
 * that {@code run.c} reads) as a Llama {@link DecoderCheckpoint} with Hugging Face names.
 *
 * <p>Layout, little-endian: seven int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len} (a negative vocab_size means the classifier is stored separately, i.e. not
 * tied to the embedding), then float32 tensors: token_embedding {@code [vocab, dim]}, rms_att
 * {@code [L, dim]}, wq {@code [L, dim, dim]}, wk, wv {@code [L, kv_dim, dim]}, wo {@code [L, dim,
 * dim]}, rms_ffn {@code [L, dim]}, w1 {@code [L, hidden, dim]}, w2 {@code [L, dim, hidden]}, w3
 * {@code [L, hidden, dim]}, rms_final {@code [dim]}, two unused RoPE tables {@code [seq_len,
 * head_size / 2]}, and the classifier {@code [vocab, dim]} when untied. w1 is HF's gate_proj, w3
 * up_proj, w2 down_proj.
 *
 * <p>llama2.c rotates interleaved pairs of dimensions (2i, 2i+1); the engine and Hugging Face
 * rotate halves (i, i + head_size/2). The reader permutes the rows of wq and wk within each head
 * ({@link RotaryEmbedding#interleavedToRotateHalf}), so the weights it returns are exactly what a
 * Hugging Face Llama checkpoint of this model holds, and {@link DecoderFolder#save} writes a folder
 * transformers can load. RMSNorm eps is 1e-5 and rope theta 10000, as run.c hard-codes; BOS is 1
 * and EOS 2 (the llama2.c tokenizer's ids).
 */
public final class Llama2cCheckpoint {
  private Llama2cCheckpoint() {}

  private static final int HEADER_BYTES = 7 * Integer.BYTES;
  private static final int VERSIONED_MAGIC = 0x616b3432; // "ak42": export.py version 1 and 2

  /**
   * Reads a checkpoint.
   *
   * @throws ModelFormatException naming the file and the header field or size at fault
   */
  public static DecoderCheckpoint read(Path file) throws IOException {
    return read(file, true).checkpoint;
  }

  /**
   * The config a checkpoint's header describes, after the same checks as {@link #read} (the file's
   * size included), without reading the weights.
   *
   * @throws ModelFormatException naming the file and the header field or size at fault
   */
  public static DecoderConfig readConfig(Path file) throws IOException {
    return read(file, false).config;
  }

  private record Read(DecoderConfig config, DecoderCheckpoint checkpoint) {}

  private static Read read(Path file, boolean weights) throws IOException {
    String source = file.toString();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) {
        throw new ModelFormatException(
            source, "file has %d bytes, shorter than the 28-byte header".formatted(size));
      }
      ByteBuffer header = readFully(ch, HEADER_BYTES, source);
      int dim = header.getInt();
      if (dim == VERSIONED_MAGIC) {
        throw new ModelFormatException(
            source,
            "this is a versioned llama2.c export (magic 'ak42'); only the legacy version-0 format"
                + " that run.c reads is supported (export it with --version 0)");
      }
      int hiddenDim = header.getInt();
      int layers = header.getInt();
      int heads = header.getInt();
      int kvHeads = header.getInt();
      int vocabField = header.getInt();
      int seqLen = header.getInt();
      boolean tied = vocabField > 0;
      int vocab = Math.abs(vocabField);
      check(source, "dim", dim);
      check(source, "hidden_dim", hiddenDim);
      check(source, "n_layers", layers);
      check(source, "n_heads", heads);
      check(source, "n_kv_heads", kvHeads);
      check(source, "vocab_size", vocab);
      check(source, "seq_len", seqLen);
      if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
        throw new ModelFormatException(
            source,
            ("header: dim %d, n_heads %d, n_kv_heads %d: expected n_heads to divide dim into an"
                    + " even head size and n_kv_heads to divide n_heads")
                .formatted(dim, heads, kvHeads));
      }
      int headSize = dim / heads;
      int kvDim = kvHeads * headSize;
      long expected;
      try {
        // exact arithmetic: a corrupt header must not wrap around to the file's size
        for (long tensor :
            new long[] {
              (long) vocab * dim, (long) dim * dim, (long) kvDim * dim, (long) hiddenDim * dim
            }) {
          if (tensor > Integer.MAX_VALUE - 8) {
            throw new ArithmeticException("a tensor of " + tensor + " floats");
          }
        }
        long perLayer = 2L * dim + 2L * dim * dim + 2L * kvDim * dim + 3L * hiddenDim * dim;
        long floats =
            Math.addExact(
                Math.addExact((long) vocab * dim * (tied ? 1 : 2), (long) seqLen * headSize + dim),
                Math.multiplyExact(layers, perLayer));
        expected = Math.addExact(HEADER_BYTES, Math.multiplyExact(4L, floats));
      } catch (ArithmeticException e) {
        throw new ModelFormatException(
            source,
            ("header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size"
                    + " %d, seq_len %d) describes %s, more than one file or Java array can hold")
                .formatted(
                    dim, hiddenDim, layers, heads, kvHeads, vocabField, seqLen, e.getMessage()));
      }
      if (size != expected) {
        throw new ModelFormatException(
            source,
            ("file has %d bytes; the header (dim %d, hidden_dim %d, n_layers %d, n_heads %d,"
                    + " n_kv_heads %d, vocab_size %d, seq_len %d) needs exactly %d")
                .formatted(
                    size, dim, hiddenDim, layers, heads, kvHeads, vocabField, seqLen, expected));
      }
      DecoderConfig config =
          DecoderConfig.llama(
              vocab, dim, layers, heads, kvHeads, hiddenDim, seqLen, 1e-5, 10000.0, tied, 1, 2);
      if (!weights) {
        return new Read(config, null);
      }

      Tensors t = new Tensors(ch, source);
      float[] embedding = t.read(vocab * dim);
      float[][] rmsAtt = t.split(layers, dim);
      float[][] wq = t.split(layers, dim * dim);
      float[][] wk = t.split(layers, kvDim * dim);
      float[][] wv = t.split(layers, kvDim * dim);
      float[][] wo = t.split(layers, dim * dim);
      float[][] rmsFfn = t.split(layers, dim);
      float[][] w1 = t.split(layers, hiddenDim * dim);
      float[][] w2 = t.split(layers, dim * hiddenDim);
      float[][] w3 = t.split(layers, hiddenDim * dim);
      float[] rmsFinal = t.read(dim);
      t.skip((long) seqLen * headSize); // freq_cis_real and freq_cis_imag: recomputed, not read
      float[] classifier = tied ? null : t.read(vocab * dim);

      int[] qRows = RotaryEmbedding.interleavedToRotateHalf(heads, headSize);
      int[] kRows = RotaryEmbedding.interleavedToRotateHalf(kvHeads, headSize);
      List<Parameter> params = new ArrayList<>();
      params.add(Parameter.f32("model.embed_tokens.weight", new int[] {vocab, dim}, embedding));
      for (int l = 0; l < layers; l++) {
        String p = "model.layers." + l + ".";
        params.add(Parameter.f32(p + "input_layernorm.weight", new int[] {dim}, rmsAtt[l]));
        params.add(
            Parameter.f32(
                p + "self_attn.q_proj.weight", new int[] {dim, dim}, rows(wq[l], qRows, dim)));
        params.add(
            Parameter.f32(
                p + "self_attn.k_proj.weight", new int[] {kvDim, dim}, rows(wk[l], kRows, dim)));
        params.add(Parameter.f32(p + "self_attn.v_proj.weight", new int[] {kvDim, dim}, wv[l]));
        params.add(Parameter.f32(p + "self_attn.o_proj.weight", new int[] {dim, dim}, wo[l]));
        params.add(
            Parameter.f32(p + "post_attention_layernorm.weight", new int[] {dim}, rmsFfn[l]));
        params.add(Parameter.f32(p + "mlp.gate_proj.weight", new int[] {hiddenDim, dim}, w1[l]));
        params.add(Parameter.f32(p + "mlp.up_proj.weight", new int[] {hiddenDim, dim}, w3[l]));
        params.add(Parameter.f32(p + "mlp.down_proj.weight", new int[] {dim, hiddenDim}, w2[l]));
      }
      params.add(Parameter.f32("model.norm.weight", new int[] {dim}, rmsFinal));
      if (!tied) {
        params.add(Parameter.f32("lm_head.weight", new int[] {vocab, dim}, classifier));
      }
      ParameterSet set = ParameterSet.of(params);
      DecoderModel.of(config, set); // checks every tensor before returning
      return new Read(config, new DecoderCheckpoint(config, set));
    }
  }

  /**
   * Converts a llama2.c checkpoint into a Hugging Face Llama folder (config.json + safetensors).
   */
  public static void convertToHuggingFace(Path checkpoint, Path folder) throws IOException {
    DecoderCheckpoint c = read(checkpoint);
    DecoderFolder.save(folder, c.config(), c.parameters());
  }

  /** {@code out[r] = w[source[r]]} for rows of {@code cols} floats. */
  private static float[] rows(float[] w, int[] source, int cols) {
    float[] out = new float[w.length];
    for (int r = 0; r < source.length; r++) {
      System.arraycopy(w, source[r] * cols, out, r * cols, cols);
    }
    return out;
  }

  private static void check(String source, String field, int value) throws ModelFormatException {
    if (value <= 0) {
      throw new ModelFormatException(
          source, "header field %s is %d, expected > 0".formatted(field, value));
    }
  }

  private static ByteBuffer readFully(FileChannel ch, int bytes, String source) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw new ModelFormatException(source, "unexpected end of file");
      }
    }
    return buf.flip();
  }

  /** Reads consecutive float32 tensors from the channel. */
  private record Tensors(FileChannel ch, String source) {
    float[] read(int count) throws IOException {
      float[] out = new float[count];
      int done = 0;
      while (done < count) {
        int n = Math.min(count - done, 1 << 20);
        readFully(ch, n * Float.BYTES, source).asFloatBuffer().get(out, done, n);
        done += n;
      }
      return out;
    }

    float[][] split(int layers, int each) throws IOException {
      float[][] out = new float[layers][];
      for (int l = 0; l < layers; l++) {
        out[l] = read(each);
      }
      return out;
    }

    void skip(long floats) throws IOException {
      ch.position(ch.position() + floats * Float.BYTES);
    }
  }
}
