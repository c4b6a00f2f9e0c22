package io.github.mezo4j.examples;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.mezo.MezoStep;
import io.github.mezo4j.core.mezo.Replay;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Does averaging the iterates of a finished MeZO run give a better model than the iterates
 * themselves? Replays a run's step log (no forward pass of training: MeZO's log is enough to
 * rebuild every step's weights) and at every {@code EVERY}-th step scores two averages of the
 * trainable weights on the run's k-shot dev split and its k-shot evaluation set: the tail average
 * over the second half of the steps so far (Polyak-Ruppert) and an exponential moving average. The
 * run must be a k-shot run of the built-in MiniLM.
 *
 * <pre>
 * examples/run IterateAveraging RUN_FOLDER [EVERY=100] [EMA_DECAY=0.99] [THREADS=2] [DATA]
 * </pre>
 *
 * Prints one tab-separated line per step and average: step, kind, k-shot dev accuracy and loss,
 * evaluation-set accuracy.
 */
public final class IterateAveraging {
  private IterateAveraging() {}

  /** Runs the replay; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: IterateAveraging RUN_FOLDER [EVERY] [EMA_DECAY] [THREADS] [DATA]");
      System.exit(2);
    }
    Path run = Path.of(args[0]);
    int every = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    double decay = args.length > 2 ? Double.parseDouble(args[2]) : 0.99;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    Path data = args.length > 4 ? Path.of(args[4]) : SharedData.root(".");
    Checkpoint ckpt = Checkpoint.open(run);
    if (!ckpt.baseModel().equals("minilm")) {
      throw new IllegalArgumentException(
          run + " fine-tunes " + ckpt.baseModel() + "; this example replays minilm runs only");
    }
    var seedNode = ckpt.manifest().path("config").path("data").get("k_shot_seed");
    if (seedNode == null) {
      throw new IllegalArgumentException(run + " is not a k-shot run");
    }
    int seed = seedNode.asInt();
    Task task = Tasks.get(ckpt.task());
    LabeledTexts dev =
        LabeledTexts.of(task.loadKShot(data.resolve("lmbff-kshot16"), seed).dev(), task.labels());
    LabeledTexts eval = LabeledTexts.of(task.kShotEvaluationSet(data, seed), task.labels());

    BertCheckpoint base = MiniLm.load();
    TokenizerJson json = base.tokenizer().orElseThrow();
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(json.text(), json.source());
    int pad = base.config().padTokenId();
    EncoderClassifier atBase =
        EncoderClassifier.meanPooled(
            BertEncoder.of(base.config(), base.parameters()),
            tokenizer,
            PromptHead.of(List.of("a", "b"), 1, tokenizer, pad));
    // as Checkpoint.replay starts, then stepping through the log by hand
    EncoderClassifier c = ckpt.atStart(atBase);
    ParameterSet trainable = ckpt.trainable(c);
    // the run's own log holds every step; the best checkpoint's only those up to it
    Path runLog = run.resolve(Checkpoint.STEP_LOG);
    StepLog log = StepLog.read(Files.exists(runLog) ? runLog : ckpt.stepLog());
    List<Parameter> ps = new ArrayList<>();
    trainable.forEach(ps::add);

    try (Workers workers = Workers.of(threads)) {
      MezoStep<Void> step =
          MezoStep.forReplay(Replay.config(log, trainable, null), trainable, workers);
      EncoderClassifier.Batch devBatch = c.batch(c.tokenize(dev));
      EncoderClassifier.Batch evalBatch = c.batch(c.tokenize(eval));
      // running sums of the weights, kept at every evaluation step for the tail averages
      double[][] sum = zeros(ps);
      double[][] ema = zeros(ps);
      for (int i = 0; i < ps.size(); i++) {
        float[] w = ps.get(i).f32Data();
        for (int j = 0; j < w.length; j++) {
          ema[i][j] = w[j];
        }
      }
      List<double[][]> sums = new ArrayList<>();
      sums.add(copy(sum));
      System.out.println("step\tkind\tdev_accuracy\tdev_loss\teval_accuracy");
      int t = 0;
      for (StepRecord r : log.records()) {
        step.replay(r);
        t++;
        for (int i = 0; i < ps.size(); i++) {
          float[] w = ps.get(i).f32Data();
          for (int j = 0; j < w.length; j++) {
            sum[i][j] += w[j];
            ema[i][j] = decay * ema[i][j] + (1 - decay) * w[j];
          }
        }
        if (t % every != 0) {
          continue;
        }
        sums.add(copy(sum));
        int from = t / 2 / every; // the tail starts at the evaluation step nearest t/2
        double[][] tailStart = sums.get(from);
        int n = t - from * every;
        double[][] tail = new double[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
          tail[i] = new double[sum[i].length];
          for (int j = 0; j < tail[i].length; j++) {
            tail[i][j] = (sum[i][j] - tailStart[i][j]) / n;
          }
        }
        report(t, "tail", tail, ps, c, devBatch, evalBatch, workers);
        report(t, "ema", ema, ps, c, devBatch, evalBatch, workers);
      }
    }
  }

  /**
   * Scores the model with {@code average} in place of the trainable weights, then restores them.
   */
  private static void report(
      int step,
      String kind,
      double[][] average,
      List<Parameter> ps,
      EncoderClassifier c,
      EncoderClassifier.Batch dev,
      EncoderClassifier.Batch eval,
      Workers workers) {
    List<float[]> saved = new ArrayList<>();
    for (int i = 0; i < ps.size(); i++) {
      float[] w = ps.get(i).f32Data();
      saved.add(w.clone());
      for (int j = 0; j < w.length; j++) {
        w[j] = (float) average[i][j];
      }
    }
    Evaluation d = c.evaluate(dev, workers);
    Evaluation e = c.evaluate(eval, workers);
    System.out.printf(
        "%d\t%s\t%.4f\t%.4f\t%.4f%n", step, kind, d.accuracy(), d.loss(), e.accuracy());
    for (int i = 0; i < ps.size(); i++) {
      System.arraycopy(saved.get(i), 0, ps.get(i).f32Data(), 0, saved.get(i).length);
    }
  }

  private static double[][] zeros(List<Parameter> ps) {
    double[][] a = new double[ps.size()][];
    for (int i = 0; i < ps.size(); i++) {
      a[i] = new double[ps.get(i).size()];
    }
    return a;
  }

  private static double[][] copy(double[][] a) {
    double[][] b = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      b[i] = a[i].clone();
    }
    return b;
  }
}
