package io.github.mezo4j.bench.cli;

import io.github.mezo4j.bench.ForwardBenchmark;
import io.github.mezo4j.bench.OnnxRuntimeSessions;
import io.github.mezo4j.cli.Arguments;
import io.github.mezo4j.cli.Json;
import io.github.mezo4j.cli.LoadDType;
import io.github.mezo4j.cli.Models;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.StepResult;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j bench ...}: speed measurements of the engine. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure the engine's speed.",
    subcommands = {BenchCommand.Forward.class, BenchCommand.Step.class, BenchCommand.Learn.class})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }

  /** Times encoder forward passes on random token ids and prints one JSON line. */
  @Command(
      name = "forward",
      mixinStandardHelpOptions = true,
      description = {
        "Time forward passes of an encoder on random token ids (fixed seed), after warm-up.",
        "Prints one JSON line: median_ms, min_ms, max_ms, tokens_per_s and the settings.",
        "With --compare-onnxruntime: ONNX Runtime runs the same ONNX file on the same ids with"
            + " --threads intra-op threads, interleaved pass by pass with ours; the line then has"
            + " both engines' median_ms, min_ms and tokens_per_s, speedup (ONNX Runtime's median"
            + " over ours), max_abs_diff of the outputs and, at one thread, both CPU times and"
            + " speedup_cpu."
      })
  static final class Forward implements Callable<Integer> {
    @Option(
        names = "--model",
        defaultValue = "minilm",
        description =
            "minilm (built in), a Hugging Face folder, or an .onnx file. Default: ${DEFAULT-VALUE}")
    String model;

    @Option(
        names = "--batch",
        defaultValue = "8",
        description = "Sequences per pass. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(
        names = "--seq",
        defaultValue = "128",
        description = "Tokens per sequence. Default: ${DEFAULT-VALUE}")
    int seq;

    @Option(
        names = "--threads",
        defaultValue = "0",
        description = "Worker threads (0 = available processors). Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--iters", description = "Timed passes. Default: ${DEFAULT-VALUE}")
    int iters = ForwardBenchmark.DEFAULT_ITERATIONS;

    // Generous: a loop compiled on the main thread still runs interpreted when a worker first
    // enters it.
    @Option(names = "--warmup", description = "Untimed passes first. Default: ${DEFAULT-VALUE}")
    int warmup = ForwardBenchmark.DEFAULT_WARMUP;

    @Option(
        names = "--seed",
        defaultValue = "42",
        description = "Seed of the random ids. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(
        names = "--compare-onnxruntime",
        description =
            "Also time ONNX Runtime on the same ONNX file (--model minilm or an .onnx file).")
    boolean compareOnnxRuntime;

    @Override
    public Integer call() throws Exception {
      Arguments.positive("--batch", batch);
      Arguments.positive("--seq", seq);
      Arguments.positive("--iters", iters);
      Arguments.atLeast("--warmup", warmup, 0);
      int threadCount = Arguments.threads("--threads", threads);
      // before the model loads: say at once what is missing
      OnnxRuntimeService onnxRuntime = compareOnnxRuntime ? new OnnxRuntimeSessions() : null;
      byte[] onnx = compareOnnxRuntime ? onnxFile() : null;
      BertCheckpoint checkpoint = Models.load(model);
      int maxSeq = checkpoint.config().maxPositionEmbeddings();
      if (seq > maxSeq) {
        throw new IllegalArgumentException(
            "--seq %d exceeds the model's max_position_embeddings %d".formatted(seq, maxSeq));
      }
      BertEncoder encoder = BertEncoder.of(checkpoint.config(), checkpoint.parameters());
      try (Workers workers = Workers.of(threadCount)) {
        if (onnxRuntime != null) {
          EncoderInput input =
              EncoderInput.random(
                  seed, batch, seq, encoder.config().vocabSize(), encoder.config().padTokenId());
          System.out.println(
              ForwardComparison.run(
                  encoder, model, onnx, input, workers, warmup, iters, onnxRuntime));
          return 0;
        }
        ForwardBenchmark.Result r =
            ForwardBenchmark.run(encoder, batch, seq, warmup, iters, seed, workers);
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"model\":%s,\"batch\":%d,\"seq\":%d,\"threads\":%d,\"iters\":%d,"
                    + "\"median_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"tokens_per_s\":%.1f}",
                Json.string(model),
                r.batch(),
                r.seq(),
                r.threads(),
                r.iterations(),
                r.medianMs(),
                r.minMs(),
                r.maxMs(),
                r.tokensPerSecond()));
      }
      return 0;
    }

    /** The ONNX file both engines run: the built-in model's, or the --model file itself. */
    private byte[] onnxFile() throws IOException {
      if (Models.BUILT_IN.equals(model)) {
        return MiniLm.onnxBytes();
      }
      if (model.endsWith(".onnx")) {
        return Files.readAllBytes(Models.localPath(model));
      }
      throw new IllegalArgumentException(
          "--compare-onnxruntime runs both engines on one ONNX file: --model must be %s or an .onnx file, got '%s'"
              .formatted(Models.BUILT_IN, model));
    }
  }

  /** The engine's parameters in the requested storage type, and the f32 model's output if asked. */
  private static BertEncoder encoder(String model, String dtype, int seq) throws IOException {
    // converted while loading, one tensor at a time: no f32 copy of a bf16 model is kept
    BertCheckpoint checkpoint =
        Models.load(model, dtype(dtype) == DType.BF16 ? LoadDType.BF16 : LoadDType.F32);
    int maxSeq = checkpoint.config().maxPositionEmbeddings();
    if (seq > maxSeq) {
      throw new IllegalArgumentException(
          "--seq %d exceeds the model's max_position_embeddings %d".formatted(seq, maxSeq));
    }
    return BertEncoder.of(checkpoint.config(), checkpoint.parameters());
  }

  private static DType dtype(String dtype) {
    return switch (dtype) {
      case "f32" -> DType.F32;
      case "bf16" -> DType.BF16;
      default ->
          throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
    };
  }

  /** Times a virtual MeZO step against plain forward passes and prints one JSON line. */
  @Command(
      name = "step",
      mixinStandardHelpOptions = true,
      description = {
        "Time full-parameter MeZO steps (two virtually perturbed forward passes and one fused"
            + " update pass) and plain forward passes, alternating, on random token ids.",
        "Prints one JSON line: step_median_ms, forward_median_ms, step_over_two_forwards,"
            + " update_median_ms, allocation per step and per forward, weight bytes, and the same"
            + " step with its two perturbed passes run separately (unpaired_*)."
      })
  static final class Step implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "minilm", description = "minilm, a folder or .onnx")
    String model;

    @Option(names = "--batch", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}")
    int seq;

    @Option(
        names = "--threads",
        defaultValue = "0",
        description = "Worker threads (0 = available processors). Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--iters", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}")
    int iters;

    @Option(names = "--warmup", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(
        names = "--dtype",
        defaultValue = "f32",
        description = "Weight storage: f32 or bf16 (stochastic update rounding). Default: f32")
    String dtype;

    @Option(
        names = "--compare-f32",
        description = "With --dtype bf16: also report the largest |bf16 - f32| hidden state.")
    boolean compareF32;

    @Override
    public Integer call() throws Exception {
      Arguments.positive("--batch", batch);
      Arguments.positive("--seq", seq);
      Arguments.positive("--iters", iters);
      Arguments.atLeast("--warmup", warmup, 0);
      int threadCount = Arguments.threads("--threads", threads);
      DType type = dtype(dtype);
      try (Workers workers = Workers.of(threadCount)) {
        String diff = "";
        if (compareF32 && type == DType.BF16) {
          BertEncoder f32 = encoder(model, "f32", seq);
          EncoderInput in = input(f32);
          float[] reference = f32.forward(in, workers);
          float[] bf16 =
              BertEncoder.of(f32.config(), StepBenchmark.withDType(f32.parameters(), type))
                  .forward(in, workers);
          diff =
              String.format(
                  Locale.ROOT,
                  ",\"max_abs_diff_vs_f32\":%.6g,\"max_abs_f32\":%.6g",
                  StepBenchmark.maxAbsDiff(reference, bf16),
                  StepBenchmark.maxAbs(reference));
        }
        BertEncoder encoder = encoder(model, dtype, seq);
        long weightBytes = 0;
        for (Parameter p : encoder.parameters()) {
          weightBytes += p.bytes();
        }
        StepBenchmark.Result r =
            StepBenchmark.run(
                encoder, input(encoder), warmup, iters, workers, Bf16Rounding.STOCHASTIC);
        long liveHeap = StepBenchmark.liveHeapBytes();
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"model\":%s,\"dtype\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,"
                    + "\"iters\":%d,\"step_median_ms\":%.3f,\"forward_median_ms\":%.3f,"
                    + "\"step_over_two_forwards\":%.4f,\"perturbed_forward_median_ms\":%.3f,"
                    + "\"update_median_ms\":%.3f,\"step_cpu_ms\":%.3f,\"forward_cpu_ms\":%.3f,"
                    + "\"step_over_two_forwards_cpu\":%.4f,"
                    + "\"step_alloc_bytes\":%d,\"forward_alloc_bytes\":%d,"
                    + "\"weight_bytes\":%d,\"live_heap_bytes\":%d,"
                    + "\"unpaired_step_median_ms\":%.3f,\"unpaired_step_cpu_ms\":%.3f,"
                    + "\"unpaired_step_over_two_forwards\":%.4f,"
                    + "\"unpaired_step_over_two_forwards_cpu\":%.4f%s}",
                Json.string(model),
                dtype,
                batch,
                seq,
                workers.threads(),
                iters,
                r.stepMedianMs(),
                r.forwardMedianMs(),
                r.stepOverTwoForwards(),
                r.perturbedForwardMedianMs(),
                r.updateMedianMs(),
                r.stepCpuMs(),
                r.forwardCpuMs(),
                r.stepOverTwoForwardsCpu(),
                r.stepAllocBytes(),
                r.forwardAllocBytes(),
                weightBytes,
                liveHeap,
                r.unpairedStepMedianMs(),
                r.unpairedStepCpuMs(),
                r.unpairedStepOverTwoForwards(),
                r.unpairedStepOverTwoForwardsCpu(),
                diff));
      }
      return 0;
    }

    private EncoderInput input(BertEncoder e) {
      return EncoderInput.random(seed, batch, seq, e.config().vocabSize(), e.config().padTokenId());
    }
  }

  /** A short MeZO run on a synthetic objective, printing its loss curve as JSON lines. */
  @Command(
      name = "learn",
      mixinStandardHelpOptions = true,
      description = {
        "Train every weight with virtual MeZO steps on one fixed batch of random token ids,"
            + " pulling each sequence's [CLS] state towards a fixed random direction (loss"
            + " 1 - cos), to compare f32 and bf16 storage.",
        "Prints one JSON line per --every steps and a summary line."
      })
  static final class Learn implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "minilm", description = "minilm, a folder or .onnx")
    String model;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or bf16. Default: f32")
    String dtype;

    @Option(names = "--steps", defaultValue = "200", description = "Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--every", defaultValue = "20", description = "Default: ${DEFAULT-VALUE}")
    int every;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Default: ${DEFAULT-VALUE}")
    double lr;

    @Option(names = "--eps", defaultValue = "1e-3", description = "Default: ${DEFAULT-VALUE}")
    double eps;

    @Option(names = "--batch", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--seq", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}")
    int seq;

    @Option(names = "--threads", defaultValue = "0", description = "0 = available processors")
    int threads;

    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(
        names = "--rounding",
        defaultValue = "stochastic",
        description = "bf16 update rounding: stochastic or nearest. Default: ${DEFAULT-VALUE}")
    String rounding;

    @Override
    public Integer call() throws Exception {
      Bf16Rounding roundingMode;
      try {
        roundingMode = Bf16Rounding.parse(rounding);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--rounding: " + e.getMessage(), e);
      }
      Arguments.positive("--steps", steps);
      Arguments.positive("--every", every);
      Arguments.positiveFinite("--lr", lr);
      Arguments.positiveFinite("--eps", eps);
      int threadCount = Arguments.threads("--threads", threads);
      BertEncoder encoder = encoder(model, dtype, seq);
      EncoderInput input =
          EncoderInput.random(
              seed, batch, seq, encoder.config().vocabSize(), encoder.config().padTokenId());
      try (Workers workers = Workers.of(threadCount)) {
        var loss =
            StepBenchmark.clsCosineLoss(
                encoder, workers, StepBenchmark.target(encoder.hiddenSize(), 7));
        double start = loss.loss(input, VirtualPerturbation.none());
        long t0 = System.nanoTime();
        try (MezoTrainer<EncoderInput> trainer =
            MezoTrainer.virtualBuilder(loss)
                .eps(eps)
                .optimizer(Optimizers.sgd(lr))
                .bf16Rounding(roundingMode)
                .runSeed(seed)
                .workers(workers)
                .build(encoder.parameters())) {
          for (int s = 1; s <= steps; s++) {
            StepResult r = trainer.step(input);
            if (s % every == 0 || s == steps) {
              System.out.println(
                  String.format(
                      Locale.ROOT,
                      "{\"dtype\":\"%s\",\"rounding\":\"%s\",\"step\":%d,\"loss\":%.6f}",
                      dtype,
                      rounding,
                      s,
                      r.loss()));
            }
          }
        }
        double end = loss.loss(input, VirtualPerturbation.none());
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"dtype\":\"%s\",\"steps\":%d,\"lr\":%s,\"eps\":%s,\"batch\":%d,"
                    + "\"seq\":%d,\"threads\":%d,\"initial_loss\":%.6f,\"final_loss\":%.6f,"
                    + "\"seconds\":%.1f}",
                dtype,
                steps,
                lr,
                eps,
                batch,
                seq,
                workers.threads(),
                start,
                end,
                (System.nanoTime() - t0) / 1e9));
      }
      return 0;
    }
  }
}
