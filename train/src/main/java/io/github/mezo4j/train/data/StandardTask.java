package io.github.mezo4j.train.data;

import io.github.mezo4j.train.metrics.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A {@link Task} described by data: its readers per file format and where its splits live. The
 * built-in tasks in {@link Tasks} are instances of this class; so is {@link Tasks#custom}.
 */
public final class StandardTask implements Task {

  /**
   * Where a task's full train and dev files are, as paths relative to the shared data folder (for
   * example {@code glue-sst2/train.tsv}); each is also tried without its first folder and as a bare
   * file name, so the data dir may be the shared folder, a collection folder or the task's folder.
   * A task whose only labelled data is a train file can carve its dev split from it.
   *
   * @param train candidate paths of the train file, first existing wins
   * @param dev candidate paths of the dev file (empty when the dev split is carved)
   * @param carvedDevSize how many train examples to move to dev (0: the dev file is used)
   * @param carveSeed the {@link java.util.Random} seed of the carving shuffle
   */
  public record FullSplits(
      List<String> train, List<String> dev, int carvedDevSize, long carveSeed) {
    /** Checks that exactly one dev source is given. */
    public FullSplits {
      train = List.copyOf(train);
      dev = List.copyOf(dev);
      if (train.isEmpty() || dev.isEmpty() == (carvedDevSize <= 0)) {
        throw new IllegalArgumentException("give train files and either dev files or a carve size");
      }
    }

    /** Train and dev files. */
    public static FullSplits of(String train, String dev) {
      return new FullSplits(List.of(train), List.of(dev), 0, 0);
    }

    /** A train file from which {@code devSize} examples are carved as dev with {@code seed}. */
    public static FullSplits carved(String train, int devSize, long seed) {
      return new FullSplits(List.of(train), List.of(), devSize, seed);
    }
  }

  /**
   * Where a task's LM-BFF k-shot splits are: {@code <folder>/<k>-<seed>/<train>} and {@code <dev>}
   * under the k-shot folder.
   *
   * @param folder the task's folder name, e.g. {@code SST-2}, {@code sst-5}
   * @param train the train file name, e.g. {@code train.tsv}
   * @param dev the dev file name, e.g. {@code dev.tsv} ({@code dev_matched.tsv} for MNLI)
   */
  public record KShotSplits(String folder, String train, String dev) {}

  private final String name;
  private final LabelSet labels;
  private final Metric metric;
  private final boolean pairTask;
  private final Map<FileFormat, ExampleReader> readers;
  private final List<FullSplits> full;
  private final KShotSplits kShot;

  /**
   * A task.
   *
   * @param name canonical lower-case name
   * @param labels the labels
   * @param metric the reported metric
   * @param pairTask whether examples have a second text
   * @param readers a reader per file format the task's files come in
   * @param full alternative full-data locations, first whose train file exists wins (may be empty)
   * @param kShot the k-shot location, or null when the task has none
   */
  public StandardTask(
      String name,
      LabelSet labels,
      Metric metric,
      boolean pairTask,
      Map<FileFormat, ExampleReader> readers,
      List<FullSplits> full,
      KShotSplits kShot) {
    this.name = Objects.requireNonNull(name, "name");
    this.labels = Objects.requireNonNull(labels, "labels");
    this.metric = Objects.requireNonNull(metric, "metric");
    this.pairTask = pairTask;
    this.readers = new EnumMap<>(readers);
    if (this.readers.isEmpty()) {
      throw new IllegalArgumentException(name + ": a task needs at least one reader");
    }
    this.full = List.copyOf(full);
    this.kShot = kShot;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public LabelSet labels() {
    return labels;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  @Override
  public boolean pairTask() {
    return pairTask;
  }

  /** Whether the task has LM-BFF k-shot splits. */
  public boolean hasKShot() {
    return kShot != null;
  }

  /** The formats this task's files come in. */
  public Set<FileFormat> formats() {
    return readers.keySet();
  }

  @Override
  public List<Example> read(Path file) throws IOException {
    FileFormat format = FileFormat.of(file);
    ExampleReader reader = readers.get(format);
    if (reader == null) {
      throw new DataFormatException(
          file, 0, "task %s reads %s files, not %s".formatted(name, readers.keySet(), format));
    }
    return reader.read(file);
  }

  @Override
  public Dataset load(Path dataDir) throws IOException {
    if (full.isEmpty()) {
      throw new IllegalArgumentException(
          "task %s has no full-data splits here; use its k-shot splits (--k-shot-seed)"
              .formatted(name));
    }
    List<Path> tried = new ArrayList<>();
    for (FullSplits splits : full) {
      Path train = find(dataDir, splits.train(), tried);
      if (train == null) {
        continue;
      }
      List<Example> all = read(train);
      if (splits.carvedDevSize() > 0) {
        return carve(all, train, splits.carvedDevSize(), splits.carveSeed());
      }
      Path dev = find(dataDir, splits.dev(), tried);
      if (dev == null) {
        throw missing("dev split", tried);
      }
      return new Dataset(name, labels, all, read(dev), "train=" + train + " dev=" + dev);
    }
    throw missing("train split", tried);
  }

  @Override
  public List<Example> kShotEvaluationSet(Path dataDir, int seed) throws IOException {
    Dataset kShotSplits = loadKShot(dataDir, seed);
    return Dataset.excluding(fullDev(dataDir), kShotSplits);
  }

  // The full-data dev split without reading a large train file when the dev file is separate.
  private List<Example> fullDev(Path dataDir) throws IOException {
    List<Path> tried = new ArrayList<>();
    for (FullSplits splits : full) {
      if (splits.carvedDevSize() > 0 || find(dataDir, splits.train(), tried) == null) {
        continue;
      }
      Path dev = find(dataDir, splits.dev(), tried);
      if (dev != null) {
        return read(dev);
      }
    }
    return load(dataDir).dev();
  }

  @Override
  public Dataset loadKShot(Path dataDir, int k, int seed) throws IOException {
    if (kShot == null) {
      throw new IllegalArgumentException(
          "task %s has no LM-BFF k-shot splits; k-shot tasks: %s"
              .formatted(name, Tasks.kShotNames()));
    }
    String seedDir = k + "-" + seed;
    List<Path> roots =
        new ArrayList<>(
            List.of(
                dataDir.resolve(kShot.folder()).resolve(seedDir),
                dataDir.resolve("lmbff-kshot16").resolve(kShot.folder()).resolve(seedDir),
                dataDir.resolve(seedDir)));
    // dataDir may be the split folder itself, but not one of another k or seed (LM-BFF names
    // them <k>-<seed>): that would train on other examples than the seed recorded for the run
    Path own = dataDir.toAbsolutePath().normalize().getFileName();
    String ownName = own == null ? "" : own.toString();
    if (!ownName.matches("\\d+-\\d+") || ownName.equals(seedDir)) {
      roots.add(dataDir);
    }
    List<Path> tried = new ArrayList<>();
    for (Path root : roots) {
      Path train = root.resolve(kShot.train());
      tried.add(train);
      if (Files.isRegularFile(train)) {
        Path dev = root.resolve(kShot.dev());
        return new Dataset(name, labels, read(train), read(dev), "train=" + train + " dev=" + dev);
      }
    }
    throw missing("%d-shot seed %d train split".formatted(k, seed), tried);
  }

  /**
   * Moves {@code devSize} examples, picked by a seeded Fisher-Yates shuffle of the indices, from
   * train to dev; both keep file order. {@link java.util.Random}'s generator is specified by the
   * JDK, so the split is the same on every JVM.
   */
  Dataset carve(List<Example> all, Path train, int devSize, long seed) {
    if (devSize >= all.size()) {
      throw new IllegalArgumentException(
          "%s: cannot carve %d dev examples from %d".formatted(train, devSize, all.size()));
    }
    int[] order = new int[all.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Random random = new Random(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] isDev = new boolean[all.size()];
    for (int i = 0; i < devSize; i++) {
      isDev[order[i]] = true;
    }
    List<Example> trainPart = new ArrayList<>(all.size() - devSize);
    List<Example> devPart = new ArrayList<>(devSize);
    for (int i = 0; i < all.size(); i++) {
      (isDev[i] ? devPart : trainPart).add(all.get(i));
    }
    return new Dataset(
        name,
        labels,
        trainPart,
        devPart,
        "train=%s minus dev=%d examples carved with java.util.Random seed %d"
            .formatted(train, devSize, seed));
  }

  /**
   * The first existing file of {@code candidates} under {@code dataDir} (each also tried without
   * its first folder and as a bare name), recording every path looked at in {@code tried}; null
   * when none exists.
   */
  static Path find(Path dataDir, List<String> candidates, List<Path> tried) {
    for (String rel : candidates) {
      Set<Path> options = new LinkedHashSet<>();
      Path relPath = Path.of(rel);
      options.add(dataDir.resolve(relPath));
      if (relPath.getNameCount() > 1) {
        options.add(dataDir.resolve(relPath.subpath(1, relPath.getNameCount())));
      }
      options.add(dataDir.resolve(relPath.getFileName()));
      for (Path p : options) {
        tried.add(p);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    return null;
  }

  private NoSuchFileException missing(String what, List<Path> tried) {
    return missing(name, what, tried);
  }

  /** The error for a split of {@code task} found at none of the paths {@code tried}. */
  static NoSuchFileException missing(String task, String what, List<Path> tried) {
    return new NoSuchFileException(
        tried.toString(),
        null,
        "task %s: no %s found; looked at the paths listed (see shared/data/README.md)"
            .formatted(task, what));
  }

  @Override
  public String toString() {
    return name + " " + labels.names() + " (" + metric.label() + ")";
  }
}
