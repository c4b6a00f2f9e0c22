package io.github.mezo4j.examples;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.Objective;
import io.github.mezo4j.core.mezo.StepResult;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.Tasks;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fine-tunes a sentiment classifier on real SST-2 sentences with MeZO, forward passes only:
 * logistic regression on hashed unigram+bigram features, trained by two-sided SPSA and ZO-SGD,
 * printing the training loss falling and the dev accuracy rising. The model is mezo4j's core alone
 * on a hand-written objective: no encoder, so the whole run takes about 20 s on two cores.
 *
 * <p>Usage: {@code examples/run BagOfWordsSentiment [--steps N] [--lr X] [--eps X] [--batch N]
 * [--buckets N] [--seed N] [--eval-every N] [--threads N] [--data DIR]}. Data: the shared data
 * folder holding {@code glue-sst2/} ({@code --data}, else {@link SharedData}).
 */
public final class BagOfWordsSentiment {
  private BagOfWordsSentiment() {}

  /**
   * Settings of a run.
   *
   * @param buckets hashed feature slots (the number of trainable weights, plus one bias)
   * @param steps MeZO steps (2 forward passes each)
   * @param batchSize training sentences per step
   * @param eps perturbation scale
   * @param lr ZO-SGD learning rate (constant)
   * @param seed run seed (MeZO seeds and batch sampling)
   * @param evalEvery print a progress line every this many steps
   * @param threads worker threads for the passes over the weights
   */
  public record Config(
      int buckets,
      int steps,
      int batchSize,
      double eps,
      double lr,
      long seed,
      int evalEvery,
      int threads) {

    /** Rejects counts below 1 and a step size or learning rate that is not finite and positive. */
    public Config {
      if (buckets < 1 || steps < 1 || batchSize < 1 || evalEvery < 1 || threads < 1) {
        throw new IllegalArgumentException(
            "need --buckets, --steps, --batch, --eval-every and --threads >= 1; got %d, %d, %d, %d, %d"
                .formatted(buckets, steps, batchSize, evalEvery, threads));
      }
      if (!(eps > 0 && eps < Double.POSITIVE_INFINITY && lr > 0 && lr < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException(
            "need finite --eps and --lr > 0; got %s, %s".formatted(eps, lr));
      }
    }

    /**
     * Settings that finish in about 20 s on two cores. The batch is large because on sparse
     * features a forward pass is cheap next to regenerating z over all weights, and ZO-SGD's noise
     * grows with the batch-gradient variance; lr 0.5 is near the largest stable rate.
     */
    public static Config defaults() {
      return new Config(1 << 12, 10_000, 2048, 1e-3, 0.5, 42, 1000, 2);
    }
  }

  /** What a run reached. */
  public record Result(
      double initialTrainLoss,
      double finalTrainLoss,
      double initialDevAccuracy,
      double finalDevAccuracy,
      long millis) {}

  /** Featurized split: feature indices and labels. */
  record Split(int[][] features, int[] labels) {
    int size() {
      return labels.length;
    }
  }

  /**
   * The shared data folder that holds {@code glue-sst2/} ({@link SharedData}).
   *
   * @throws NoSuchFileException naming every place looked at
   */
  public static Path findData() throws NoSuchFileException {
    return SharedData.root("glue-sst2");
  }

  /**
   * Runs MeZO on GLUE SST-2 under {@code dataRoot} (the folder holding {@code glue-sst2/}),
   * printing progress to {@code out}.
   */
  public static Result run(Path dataRoot, Config c, PrintStream out) throws IOException {
    long start = System.nanoTime();
    HashedBagOfWords bow = new HashedBagOfWords(c.buckets());
    Dataset sst2 = Tasks.get("sst2").load(dataRoot);
    Split train = featurize(sst2.train(), bow);
    Split dev = featurize(sst2.dev(), bow);
    // a fixed sample of training sentences to report the training loss on
    int[] probe = sample(new SplittableRandom(c.seed() ^ 0x5EED), train.size(), 2000);

    Parameter weight = Parameter.zeros("sentiment.weight", DType.F32, c.buckets());
    Parameter bias = Parameter.zeros("sentiment.bias", DType.F32, 1);
    ParameterSet params = ParameterSet.of(weight, bias);
    Objective<int[]> loss = (p, batch) -> meanLoss(weight, bias, train, batch);

    out.printf(
        "MeZO on SST-2: %d train / %d dev sentences, %d weights, %d steps of batch %d,"
            + " eps %s, lr %s%n",
        train.size(),
        dev.size(),
        params.elementCount(),
        c.steps(),
        c.batchSize(),
        Double.toString(c.eps()),
        Double.toString(c.lr()));
    double initialLoss = meanLoss(weight, bias, train, probe);
    double initialAcc = accuracy(weight, bias, dev);
    out.printf("step %5d  train loss %.4f  dev accuracy %.3f%n", 0, initialLoss, initialAcc);

    double finalLoss = initialLoss;
    double finalAcc = initialAcc;
    try (Workers workers = Workers.of(c.threads());
        MezoTrainer<int[]> trainer =
            MezoTrainer.builder(loss)
                .eps(c.eps())
                .optimizer(Optimizers.sgd(Schedule.constant(c.lr())))
                .runSeed(c.seed())
                .workers(workers)
                .build(params)) {
      double windowLoss = 0;
      int window = 0;
      for (int step = 1; step <= c.steps(); step++) {
        int[] batch =
            sample(new SplittableRandom(c.seed() * 31 + step), train.size(), c.batchSize());
        StepResult r = trainer.step(batch);
        windowLoss += r.loss();
        window++;
        if (step % c.evalEvery() == 0 || step == c.steps()) {
          finalLoss = meanLoss(weight, bias, train, probe);
          finalAcc = accuracy(weight, bias, dev);
          out.printf(
              "step %5d  train loss %.4f  (batch loss %.4f)  dev accuracy %.3f%n",
              step, finalLoss, windowLoss / window, finalAcc);
          windowLoss = 0;
          window = 0;
        }
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    out.printf("done in %.1f s%n", millis / 1000.0);
    return new Result(initialLoss, finalLoss, initialAcc, finalAcc, millis);
  }

  static Split featurize(List<Example> examples, HashedBagOfWords bow) {
    int[][] f = new int[examples.size()][];
    int[] y = new int[examples.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = bow.features(examples.get(i).text());
      y[i] = examples.get(i).label();
    }
    return new Split(f, y);
  }

  static double logit(Parameter weight, Parameter bias, int[] features) {
    float[] w = weight.f32Data();
    double s = 0;
    for (int j : features) {
      s += w[j];
    }
    return s * HashedBagOfWords.value(features) + bias.get(0);
  }

  /** Mean binary cross-entropy over the examples {@code rows}, summed in order. */
  static double meanLoss(Parameter weight, Parameter bias, Split data, int[] rows) {
    double sum = 0;
    for (int i : rows) {
      double z = logit(weight, bias, data.features()[i]);
      sum += Math.max(z, 0) - z * data.labels()[i] + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return sum / rows.length;
  }

  static double accuracy(Parameter weight, Parameter bias, Split data) {
    int right = 0;
    for (int i = 0; i < data.size(); i++) {
      int predicted = logit(weight, bias, data.features()[i]) > 0 ? 1 : 0;
      right += predicted == data.labels()[i] ? 1 : 0;
    }
    return (double) right / data.size();
  }

  private static int[] sample(SplittableRandom r, int n, int k) {
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      out[i] = r.nextInt(n);
    }
    return out;
  }

  /** Command-line entry; exit status 2 for missing data or bad arguments. */
  public static void main(String[] args) {
    Config d = Config.defaults();
    int buckets = d.buckets();
    int steps = d.steps();
    int batch = d.batchSize();
    double eps = d.eps();
    double lr = d.lr();
    long seed = d.seed();
    int every = d.evalEvery();
    int threads = d.threads();
    Path data = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String key = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + key + " needs a value");
        }
        String v = args[++i];
        switch (key) {
          case "--steps" -> steps = Integer.parseInt(v);
          case "--lr" -> lr = Double.parseDouble(v);
          case "--eps" -> eps = Double.parseDouble(v);
          case "--batch" -> batch = Integer.parseInt(v);
          case "--buckets" -> buckets = Integer.parseInt(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--eval-every" -> every = Integer.parseInt(v);
          case "--threads" -> threads = Integer.parseInt(v);
          case "--data" -> data = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + key);
        }
      }
      Path root = data != null ? data : findData();
      run(root, new Config(buckets, steps, batch, eps, lr, seed, every, threads), System.out);
    } catch (NoSuchFileException e) {
      System.err.println("error: " + e.getReason() + ": " + e.getFile());
      System.exit(2);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }
}
