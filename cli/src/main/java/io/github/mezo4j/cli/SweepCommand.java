package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.sweep.Grid;
import io.github.mezo4j.train.sweep.SweepReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mezo4j sweep}: a grid or random search over {@code finetune} settings. Each configuration
 * is an ordinary {@code mezo4j finetune} run (invoked in-process, one after another) in {@code
 * DIR/runs/NAME}; the sweep ranks them by the best dev metric each run recorded on its own dev
 * split, and writes {@code sweep.tsv}, {@code sweep.md} and {@code sweep.png} ({@link
 * SweepReport}).
 *
 * <p>The grid names finetune options and passes their values through as strings, so every finetune
 * option works without this command knowing it; the names are checked against {@link
 * FinetuneCommand}'s picocli model. Rerunning the same command continues the sweep: finished
 * configurations (summary.json) are skipped, started ones are continued with {@code --resume}.
 * {@code DIR/sweep.json} records the grid and the finetune options, and a rerun with others is
 * refused.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Grid or random search over finetune settings. Each configuration is a finetune",
      "run in DIR/runs/NAME, scored by the best dev metric on the run's own dev split.",
      "",
      "  mezo4j sweep --out DIR --grid lr=1e-4,3e-4 --grid train-params=all,bias-norm \\",
      "      -- --model minilm --task sst2 --k-shot-seed 42 --steps 500 --eval-every 50",
      "",
      "Writes DIR/sweep.tsv and DIR/sweep.md (one row per configuration, best first)",
      "and DIR/sweep.png (dev metric against training forward passes), and prints the",
      "best configuration's finetune command. Rerun the same command after an",
      "interruption: finished configurations are skipped, unfinished ones resume."
    })
final class SweepCommand implements Callable<Integer> {
  static final String SWEEP_JSON = "sweep.json";
  static final String RUNS = "runs";

  /** Finetune options the sweep sets itself, or that would not run anything. */
  private static final List<String> RESERVED = List.of("--out", "--resume");

  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./=:,+@%-]+");

  @Option(
      names = "--out",
      required = true,
      description = "The sweep folder: sweep.json, the tables, the plot and runs/NAME per run.")
  Path out;

  @Option(
      names = "--grid",
      paramLabel = "NAME=V1,V2,...",
      description =
          "A finetune option without its dashes and its values, e.g. lr=1e-4,3e-4 (repeat for"
              + " more; the configurations are the product). A flag takes true,false.")
  List<String> grid = new ArrayList<>();

  @Option(
      names = "--random",
      paramLabel = "N",
      description =
          "Run N configurations drawn from the product without replacement (default: all).")
  Integer random;

  @Option(
      names = "--sweep-seed",
      defaultValue = "0",
      description =
          "Seed of the --random draw; a larger N with the same seed extends the draw. Default:"
              + " ${DEFAULT-VALUE}.")
  long sweepSeed;

  @Parameters(
      paramLabel = "FINETUNE-OPTION",
      description = "After --: the finetune options every configuration shares.")
  List<String> finetuneArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out %s is a file, not a folder".formatted(out));
    }
    if (grid.isEmpty()) {
      throw new IllegalArgumentException(
          "give at least one --grid NAME=V1,V2,... (a finetune option and its values)");
    }
    Grid g = Grid.parse(grid);
    Plan plan = plan(g, finetuneArgs);
    List<Grid.Configuration> configurations =
        random == null ? g.configurations() : g.random(random, sweepSeed);
    for (Grid.Configuration c : configurations) {
      plan.check(c, runDir(c));
    }
    Files.createDirectories(out);
    recordOrCheck(g, configurations);

    PrintStream log = System.err;
    List<String> failed = new ArrayList<>();
    int i = 0;
    for (Grid.Configuration c : configurations) {
      i++;
      RunFolder run = new RunFolder(runDir(c));
      String where = "sweep [%d/%d] %s".formatted(i, configurations.size(), c.name());
      if (Files.isRegularFile(run.summary())) {
        log.println(where + ": done (summary.json), skipped");
        continue;
      }
      boolean resume = run.exists();
      log.println(where + (resume ? ": resuming its unfinished run" : ": starting"));
      int code = finetune(plan.args(c, run.dir(), resume));
      if (code != 0) {
        failed.add(c.name());
        log.println(where + ": finetune failed (exit code %d); going on".formatted(code));
      }
      report(g, configurations, plan, failed);
    }
    List<SweepReport.Row> ranked = report(g, configurations, plan, failed);

    SweepReport.Row best = ranked.get(0);
    Path dir = out.toAbsolutePath().normalize();
    long done = ranked.stream().filter(r -> r.status() == SweepReport.Status.DONE).count();
    System.out.printf(
        "sweep: %d of %d configurations done in %s%n", done, configurations.size(), dir);
    if (best.status() == SweepReport.Status.DONE) {
      System.out.printf(
          Locale.ROOT,
          "best: %s: dev %s %.4f at step %d (%s forward passes), final %.4f, initial %.4f%n",
          best.configuration().name(),
          best.metricName(),
          best.bestDevMetric(),
          best.bestStep(),
          Double.isNaN(best.forwardPassesToBest())
              ? "?"
              : String.format(Locale.ROOT, "%.0f", best.forwardPassesToBest()),
          best.finalDevMetric(),
          best.initialDevMetric());
      System.out.println(
          "  " + commandLine(plan.args(best.configuration(), runDir(best.configuration()), false)));
    }
    System.out.println("table: " + dir.resolve(SweepReport.TABLE_MD));
    System.out.println("       " + dir.resolve(SweepReport.TABLE_TSV));
    System.out.println("plot:  " + dir.resolve(SweepReport.PLOT));
    if (!failed.isEmpty()) {
      throw new IllegalStateException(
          "%d of %d configurations failed (%s), see their errors above; rerun the same command"
                  .formatted(failed.size(), configurations.size(), String.join(", ", failed))
              + " to retry them");
    }
    return 0;
  }

  private Path runDir(Grid.Configuration c) {
    return out.resolve(RUNS).resolve(c.name());
  }

  /** Rewrites the tables and the plot from the run folders; returns the rows, best first. */
  private List<SweepReport.Row> report(
      Grid g, List<Grid.Configuration> configurations, Plan plan, List<String> failed)
      throws IOException {
    List<SweepReport.Row> rows = new ArrayList<>();
    for (Grid.Configuration c : configurations) {
      SweepReport.Row row = SweepReport.read(c, runDir(c));
      rows.add(
          failed.contains(c.name()) && row.status() != SweepReport.Status.DONE
              ? row.withStatus(SweepReport.Status.FAILED)
              : row);
    }
    List<SweepReport.Row> ranked = SweepReport.ranked(rows);
    SweepReport.write(out, g, ranked, commandLine(plan.base()));
    return ranked;
  }

  /**
   * Runs {@code mezo4j finetune ARGS} in this JVM, exactly as from the shell (errors on stderr, the
   * exit code returned). Its summary line goes to stderr with its progress, so that this command's
   * stdout is the sweep's own report.
   */
  private static int finetune(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add("finetune");
    command.addAll(args);
    PrintStream stdout = System.out;
    System.setOut(System.err);
    try {
      return Main.run(command.toArray(String[]::new));
    } finally {
      System.setOut(stdout);
    }
  }

  /**
   * The finetune command line of each configuration, checked against FinetuneCommand's options.
   *
   * @param base the finetune options every configuration shares
   * @param options the finetune option of each grid axis, in axis order
   */
  private record Plan(List<String> base, List<OptionSpec> options) {
    /** The finetune options of {@code c} running in {@code runDir}. */
    List<String> args(Grid.Configuration c, Path runDir, boolean resume) {
      List<String> args = new ArrayList<>(base);
      int k = 0;
      for (Map.Entry<String, String> e : c.values().entrySet()) {
        OptionSpec o = options.get(k++);
        String name = o.longestName();
        if (isFlag(o)) {
          if (e.getValue().equals("true")) {
            args.add(name);
          }
        } else if (e.getValue().startsWith("-")) {
          args.add(name + "=" + e.getValue()); // not mistaken for an option
        } else {
          args.add(name);
          args.add(e.getValue());
        }
      }
      args.add("--out");
      args.add(runDir.toString());
      if (resume) {
        args.add("--resume");
      }
      return args;
    }

    /** Parses the configuration's command line as finetune would, before anything runs. */
    void check(Grid.Configuration c, Path runDir) {
      try {
        new CommandLine(new FinetuneCommand())
            .parseArgs(args(c, runDir, false).toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        throw new IllegalArgumentException(
            "configuration %s: %s".formatted(c.name(), e.getMessage()), e);
      }
    }
  }

  /** Checks the grid names and the shared options against finetune's picocli model. */
  static Plan plan(Grid g, List<String> base) {
    for (String arg : base) {
      for (String reserved : RESERVED) {
        if (arg.equals(reserved) || arg.startsWith(reserved + "=")) {
          throw new IllegalArgumentException(
              "leave %s out of the finetune options: the sweep puts each run in DIR/%s/NAME and"
                      .formatted(reserved, RUNS)
                  + " resumes unfinished ones itself");
        }
      }
    }
    CommandLine finetune = new CommandLine(new FinetuneCommand());
    CommandLine.ParseResult parsed;
    List<String> probe = new ArrayList<>(base);
    probe.add("--out");
    probe.add("sweep-probe");
    try {
      parsed = finetune.parseArgs(probe.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(
          "the finetune options after --: "
              + e.getMessage()
              + (base.isEmpty() ? "" : " (" + String.join(" ", base) + ")"),
          e);
    }
    if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
      throw new IllegalArgumentException(
          "the finetune options after -- ask for help: see mezo4j finetune --help");
    }
    CommandSpec spec = finetune.getCommandSpec();
    List<OptionSpec> options = new ArrayList<>();
    for (Grid.Axis a : g.axes()) {
      OptionSpec o = spec.optionsMap().get("--" + a.name());
      if (o == null) {
        throw new IllegalArgumentException(
            "--grid %s: finetune has no option --%s (see mezo4j finetune --help)"
                .formatted(a.name(), a.name()));
      }
      if (RESERVED.contains(o.longestName()) || o.usageHelp() || o.versionHelp()) {
        throw new IllegalArgumentException(
            "--grid %s: the sweep sets --out and --resume itself; --help and --version run"
                    .formatted(a.name())
                + " nothing");
      }
      if (parsed.hasMatchedOption(o)) {
        throw new IllegalArgumentException(
            "--grid %s: %s is also given in the finetune options after --; give it in one place"
                .formatted(a.name(), o.longestName()));
      }
      if (isFlag(o)) {
        for (String v : a.values()) {
          if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(
                "--grid %s: %s is a flag; its values are true and false, not '%s'"
                    .formatted(a.name(), o.longestName(), v));
          }
        }
      }
      options.add(o);
    }
    return new Plan(List.copyOf(base), options);
  }

  private static boolean isFlag(OptionSpec o) {
    return o.arity().max() == 0;
  }

  /**
   * Writes sweep.json for a new sweep, or checks that the one there has this grid and these
   * finetune options (the run folders are only comparable, and resumable, if so). A different
   * --random or --sweep-seed is fine: the same names always mean the same runs.
   */
  private void recordOrCheck(Grid g, List<Grid.Configuration> configurations) throws IOException {
    Path file = out.resolve(SWEEP_JSON);
    ObjectNode mine = JsonFiles.object();
    ArrayNode axes = mine.putArray("grid");
    for (Grid.Axis a : g.axes()) {
      ObjectNode axis = axes.addObject();
      axis.put("name", a.name());
      a.values().forEach(axis.putArray("values")::add);
    }
    finetuneArgs.forEach(mine.putArray("finetune_args")::add);
    if (Files.isRegularFile(file)) {
      ObjectNode recorded = JsonFiles.read(file);
      if (!mine.get("grid").equals(recorded.get("grid"))) {
        throw new IllegalArgumentException(
            "%s is a sweep over another grid: it has %s, this command %s; rerun it with its own"
                    .formatted(out, gridText(recorded.path("grid")), gridText(mine.get("grid")))
                + " grid, or use another --out");
      }
      if (!mine.get("finetune_args").equals(recorded.get("finetune_args"))) {
        throw new IllegalArgumentException(
            "%s is a sweep with other finetune options: %s; rerun it with its own, or use"
                    .formatted(out, difference(recorded.path("finetune_args"), finetuneArgs))
                + " another --out");
      }
    } else {
      try (Stream<Path> entries = Files.list(out)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "%s is not empty and holds no %s: give a new or empty folder to --out"
                  .formatted(out, SWEEP_JSON));
        }
      }
    }
    if (random != null) {
      mine.put("random", random);
      mine.put("sweep_seed", sweepSeed);
    }
    mine.put("command", commandLine(finetuneArgs));
    ArrayNode runs = mine.putArray("configurations");
    for (Grid.Configuration c : configurations) {
      ObjectNode o = runs.addObject();
      o.put("name", c.name());
      c.values().forEach(o.putObject("values")::put);
    }
    JsonFiles.write(file, mine);
  }

  private static String gridText(JsonNode axes) {
    List<String> parts = new ArrayList<>();
    for (JsonNode a : axes) {
      List<String> values = new ArrayList<>();
      a.path("values").forEach(v -> values.add(v.asText()));
      parts.add("--grid " + a.path("name").asText() + "=" + String.join(",", values));
    }
    return "'" + String.join(" ", parts) + "'";
  }

  /** Where two finetune option lists first differ, quoting both. */
  private static String difference(JsonNode recorded, List<String> current) {
    List<String> before = new ArrayList<>();
    recorded.forEach(v -> before.add(v.asText()));
    int i = 0;
    while (i < before.size() && i < current.size() && before.get(i).equals(current.get(i))) {
      i++;
    }
    return "it has '%s', this command '%s' (they differ from argument %d: %s vs %s)"
        .formatted(
            String.join(" ", before),
            String.join(" ", current),
            i + 1,
            i < before.size() ? "'" + before.get(i) + "'" : "nothing",
            i < current.size() ? "'" + current.get(i) + "'" : "nothing");
  }

  /** {@code mezo4j finetune ARGS}, quoted for a POSIX shell where needed. */
  static String commandLine(List<String> args) {
    StringBuilder sb = new StringBuilder("mezo4j finetune");
    for (String a : args) {
      sb.append(' ');
      sb.append(SHELL_SAFE.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }
}
