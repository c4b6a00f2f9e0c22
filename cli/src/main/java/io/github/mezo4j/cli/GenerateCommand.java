package io.github.mezo4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.MemoryPlan;
import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.nn.model.Generator;
import io.github.mezo4j.nn.model.TokenSampler;
import io.github.mezo4j.tokenizer.Llama2cTokenizer;
import io.github.mezo4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j generate}: text from a decoder language model, streamed as it is produced. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate text with a decoder-only language model (Llama family, OPT, GPT-2).",
      "",
      "--model: a llama2.c checkpoint (.bin, with tokenizer.bin or tok<vocab>.bin",
      "beside it) or a Hugging Face folder (config.json, model.safetensors,",
      "tokenizer.json), or hf:ORG/NAME[@REVISION] downloaded from the Hugging Face",
      "hub into its cache. Greedy unless --temperature is given; sampling is",
      "reproducible from --seed. The prompt and the generated text go to stdout",
      "as tokens are produced, the speed to stderr."
    })
final class GenerateCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description = "A llama2.c .bin, an HF folder or hf:ORG/NAME[@REV].")
  String model;

  @Option(names = "--prompt", defaultValue = "", description = "Text to continue (default: none).")
  String prompt;

  @Option(
      names = "--max-tokens",
      defaultValue = "256",
      description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--temperature", description = "Sample at this temperature (> 0).")
  Double temperature;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed for sampling (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--dtype",
      defaultValue = "auto",
      description =
          "Weight storage: auto (bf16 tensors stay bf16), f32 or bf16 (f32 weights rounded at"
              + " load). Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(
      names = "--tokenizer",
      description = "Tokenizer file or folder, if not the one beside the model.")
  Path tokenizerPath;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Worker threads; 0 = one per processor (default).")
  int threads;

  @Override
  public Integer call() throws Exception {
    Arguments.atLeast("--max-tokens", maxTokens, 0);
    TokenSampler sampler =
        temperature == null
            ? TokenSampler.greedy()
            : TokenSampler.temperature(
                Arguments.positiveFinite("--temperature", temperature), seed);
    LoadDType loadDType = LoadDType.parse(dtype);
    // a token per prompt byte at most, plus BOS
    int bound = prompt.getBytes(StandardCharsets.UTF_8).length + 1 + maxTokens;
    Models.checkFits(
        DecoderModels.plan(
            model,
            loadDType,
            MemoryPlan.GENERATE_RUNTIME,
            0,
            c -> {
              int seq = Math.min(bound, c.maxSequenceLength());
              return MemoryPlan.decoderActivations(c, 1, seq, 1, 1)
                  + MemoryPlan.kvCacheBytes(c, seq);
            },
            "a prompt and at most %d tokens".formatted(maxTokens)));
    DecoderModels.Loaded loaded = DecoderModels.load(model, tokenizerPath, loadDType);
    Tokenizer tokenizer = loaded.tokenizer();
    DecoderCheckpoint checkpoint = loaded.checkpoint();
    DecoderModel decoder = checkpoint.model();
    int[] promptIds = tokenizer.encode(prompt).ids();
    if (promptIds.length == 0) {
      // byte-level BPE adds no BOS: start from the model's BOS (GPT-2's <|endoftext|>)
      int bos = checkpoint.config().bosTokenId();
      if (bos < 0) {
        throw new IllegalArgumentException(
            "the prompt is empty and the model has no bos_token_id to start from: give --prompt");
      }
      promptIds = new int[] {bos};
    }
    int limit = checkpoint.config().maxSequenceLength();
    if (promptIds.length > limit) {
      // refused before the prompt is echoed, so stdout holds nothing for a failed run
      throw new IllegalArgumentException(
          "the prompt has %d tokens; the model supports at most %d"
              .formatted(promptIds.length, limit));
    }
    List<Integer> stops = new ArrayList<>();
    tokenizer.eosId().ifPresent(stops::add);
    if (checkpoint.config().eosTokenId() >= 0) {
      stops.add(checkpoint.config().eosTokenId());
    }
    if (loaded.llama2c()) {
      stops.add(Llama2cTokenizer.BOS); // run.c: BOS delimits stories
    } else {
      stops.addAll(listedEosIds(loaded.model()));
    }
    PrintStream out = System.out;
    out.print(prompt);
    out.flush();
    StreamingText text = new StreamingText(tokenizer, promptIds);
    long start = System.nanoTime();
    int[] generated;
    try (Workers workers = Workers.of(Arguments.threads("--threads", threads))) {
      generated =
          new Generator(decoder, sampler, stops.stream().mapToInt(Integer::intValue).toArray())
              .generate(
                  workers,
                  promptIds,
                  maxTokens,
                  id -> {
                    out.print(text.append(id));
                    out.flush();
                  });
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out.println();
    out.flush();
    System.err.printf(
        "%d tokens in %.2f s (%.1f tokens/s)%n",
        generated.length, seconds, generated.length / Math.max(seconds, 1e-9));
    return out.checkError() ? 1 : 0;
  }

  /**
   * Turns ids into text as they arrive: decodes the whole sequence and hands out what is new, so
   * multi-byte characters split across tokens and tokenizers that drop a leading space come out
   * right. A trailing incomplete character (U+FFFD) waits for the next token.
   */
  static final class StreamingText {
    private final Tokenizer tokenizer;
    private final List<Integer> ids = new ArrayList<>();
    private int shown;

    StreamingText(Tokenizer tokenizer, int[] prompt) {
      this.tokenizer = tokenizer;
      for (int id : prompt) {
        ids.add(id);
      }
      this.shown = decode().length();
    }

    String append(int id) {
      ids.add(id);
      String all = decode();
      int end = all.length();
      while (end > shown && all.charAt(end - 1) == '\uFFFD') {
        end--;
      }
      if (end <= shown) {
        return "";
      }
      String fresh = all.substring(shown, end);
      shown = end;
      return fresh;
    }

    private String decode() {
      return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
    }
  }

  /**
   * Every id that config.json and generation_config.json list as {@code eos_token_id}: Llama 3
   * Instruct lists several (end of text, end of turn), and the model config keeps only the first.
   */
  static List<Integer> listedEosIds(Path folder) throws IOException {
    List<Integer> ids = new ArrayList<>();
    for (String name : List.of("config.json", "generation_config.json")) {
      Path file = folder.resolve(name);
      if (!Files.isRegularFile(file)) {
        continue;
      }
      JsonNode eos;
      try {
        eos = new ObjectMapper().readTree(file.toFile()).path("eos_token_id");
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
      }
      for (JsonNode id : eos.isArray() ? eos : List.of(eos)) {
        if (id.canConvertToInt() && id.isIntegralNumber() && id.intValue() >= 0) {
          ids.add(id.intValue());
        }
      }
    }
    return ids;
  }
}
