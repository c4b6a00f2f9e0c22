package io.github.mezo4j.train.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sentence-pair task for embedding models: each example is two texts embedded separately and
 * their gold similarity ({@link PairKind}: a score in a declared range, a binary label, or nothing
 * for positive (query, passage) pairs). The built-in {@code stsb} comes from {@link
 * Tasks#pair(String)}; describe files of your own with {@link #custom}.
 *
 * <p>Files are TSV, CSV (with or without a header) or JSONL, chosen by extension; columns are
 * header or JSON field names or 0-based indices ({@link Column}), as for classification tasks.
 * Rejected with a {@link DataFormatException} naming file and line: a row with a different number
 * of fields than the header, an empty text on either side, a score that is not a number or lies
 * outside the declared range (a label other than 0/1, true/false), and in a positive-pairs file a
 * query that repeats (in-batch negatives and retrieval metrics assume one passage per query).
 */
public final class PairTask {

  /**
   * A task's train and dev pairs.
   *
   * @param train the training pairs, unmodifiable
   * @param dev the development pairs (evaluation and checkpoint choice), unmodifiable
   * @param source where they came from, for logs and summaries
   */
  public record Splits(List<TextPair> train, List<TextPair> dev, String source) {
    /** Freezes the lists. */
    public Splits {
      train = List.copyOf(train);
      dev = List.copyOf(dev);
      Objects.requireNonNull(source, "source");
    }
  }

  private final String name;
  private final PairKind kind;
  private final Column first;
  private final Column second;
  private final Column score;
  private final double minScore;
  private final double maxScore;
  private final boolean hasHeader;
  private final StandardTask.FullSplits full;

  /**
   * A pair task.
   *
   * @param name canonical lower-case name
   * @param kind what the gold column holds
   * @param first the first text's column (the query of positive pairs)
   * @param second the second text's column (the passage of positive pairs)
   * @param score the score or label column; null for positive pairs
   * @param minScore the lowest score allowed (scored pairs; 0 for the others)
   * @param maxScore the highest score allowed (scored pairs; 1 for the others)
   * @param hasHeader whether TSV/CSV files start with a header line (needed for named columns)
   * @param full where the train and dev files are, relative to the data folder
   */
  public PairTask(
      String name,
      PairKind kind,
      Column first,
      Column second,
      Column score,
      double minScore,
      double maxScore,
      boolean hasHeader,
      StandardTask.FullSplits full) {
    this.name = Objects.requireNonNull(name, "name");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.first = Objects.requireNonNull(first, "first column");
    this.second = Objects.requireNonNull(second, "second column");
    if (kind.scored() == (score == null)) {
      throw new IllegalArgumentException(
          kind.scored()
              ? "%s pairs need a score column".formatted(kind.option())
              : "positive pairs have no score column");
    }
    this.score = score;
    if (kind == PairKind.SCORED
        && !(Double.isFinite(minScore) && Double.isFinite(maxScore) && minScore < maxScore)) {
      throw new IllegalArgumentException(
          "the score range needs finite min < max, got %s..%s".formatted(minScore, maxScore));
    }
    this.minScore = kind == PairKind.SCORED ? minScore : 0;
    this.maxScore = kind == PairKind.SCORED ? maxScore : 1;
    boolean named = first.byName() || second.byName() || (score != null && score.byName());
    if (named && !hasHeader) {
      throw new IllegalArgumentException(
          "columns given by name need files with a header; give 0-based indices instead");
    }
    this.hasHeader = hasHeader;
    this.full = Objects.requireNonNull(full, "full");
  }

  /**
   * A task over the user's own files: {@code load(dir)} reads {@code train.*} and {@code dev.*}
   * (tsv, csv or jsonl) from {@code dir}.
   */
  public static PairTask custom(
      String name,
      PairKind kind,
      Column first,
      Column second,
      Column score,
      double minScore,
      double maxScore,
      boolean hasHeader) {
    return new PairTask(
        name,
        kind,
        first,
        second,
        score,
        minScore,
        maxScore,
        hasHeader,
        new StandardTask.FullSplits(
            List.of("train.tsv", "train.csv", "train.jsonl"),
            List.of("dev.tsv", "dev.csv", "dev.jsonl"),
            0,
            0));
  }

  /** The canonical lower-case name, e.g. {@code stsb}. */
  public String name() {
    return name;
  }

  /** What a pair's score means, which decides the loss and the metric. */
  public PairKind kind() {
    return kind;
  }

  /** The lowest allowed score (0 for labeled and positive pairs). */
  public double minScore() {
    return minScore;
  }

  /** The highest allowed score (1 for labeled and positive pairs). */
  public double maxScore() {
    return maxScore;
  }

  /** {@code score} mapped linearly from the task's range onto [0, 1] (STS-B: score / 5). */
  public double normalized(double score) {
    return (score - minScore) / (maxScore - minScore);
  }

  /**
   * Every pair of {@code file} (format by extension), in file order.
   *
   * @throws DataFormatException naming file and line of a malformed row
   */
  public List<TextPair> read(Path file) throws IOException {
    FileFormat format = FileFormat.of(file);
    TextTable table;
    int[] index;
    if (format == FileFormat.JSONL) {
      List<String> fields = new ArrayList<>();
      for (Column c : columns()) {
        if (!c.byName()) {
          throw new DataFormatException(
              file, 0, "JSONL columns are field names, not indices (%s)".formatted(c));
        }
        fields.add(c.name());
      }
      table = TextTable.readJsonl(file, fields);
      index = new int[] {0, 1, 2};
    } else {
      table = TextTable.read(file, format, hasHeader);
      List<Column> columns = columns();
      index = new int[columns.size()];
      for (int i = 0; i < index.length; i++) {
        Column c = columns.get(i);
        index[i] = c.byName() ? table.column(c.name()) : c.index();
      }
    }
    TextFiles.reportBlank(file, table.blankLines());
    int width = table.header() != null ? table.header().size() : -1;
    Map<String, Long> queries = new HashMap<>();
    List<TextPair> out = new ArrayList<>(table.rows().size());
    for (TextTable.Row row : table.rows()) {
      if (width < 0) {
        width = row.fields().size();
      }
      if (row.fields().size() != width) {
        throw new DataFormatException(
            file,
            row.line(),
            "expected %d fields%s, got %d"
                .formatted(
                    width,
                    table.header() != null ? " " + table.header() : "",
                    row.fields().size()));
      }
      String a = text(file, row, index[0], first);
      String b = text(file, row, index[1], second);
      double s = kind.scored() ? score(file, row, index[2]) : 1;
      if (kind == PairKind.POSITIVE) {
        Long before = queries.putIfAbsent(a, row.line());
        if (before != null) {
          throw new DataFormatException(
              file,
              row.line(),
              ("query '%s' already has a passage at line %d: a positive-pairs file holds one"
                      + " passage per query (each query's other passages would count as wrong"
                      + " answers)")
                  .formatted(a, before));
        }
      }
      out.add(new TextPair(a, b, s));
    }
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, "expected at least one pair, found none");
    }
    return out;
  }

  /**
   * Checks pairs held in memory as {@link #read} checks a file's rows: scores in the task's range,
   * labels 0 or 1, one passage per query.
   *
   * @param split what the pairs are, for messages (e.g. {@code train})
   * @throws IllegalArgumentException naming the split and the index of the first bad pair
   */
  public void check(List<TextPair> pairs, String split) {
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("the %s pairs are empty".formatted(split));
    }
    Map<String, Integer> queries = new HashMap<>();
    for (int i = 0; i < pairs.size(); i++) {
      TextPair p = pairs.get(i);
      if (kind.scored() && !(p.score() >= minScore && p.score() <= maxScore)) {
        throw new IllegalArgumentException(
            "%s pair %d: score %s outside [%s, %s]"
                .formatted(split, i, p.score(), minScore, maxScore));
      }
      if (kind == PairKind.LABELED && p.score() != 0 && p.score() != 1) {
        throw new IllegalArgumentException(
            "%s pair %d: label %s, expected 0 or 1".formatted(split, i, p.score()));
      }
      Integer before = kind == PairKind.POSITIVE ? queries.putIfAbsent(p.first(), i) : null;
      if (before != null) {
        throw new IllegalArgumentException(
            "%s pair %d: query '%s' already has a passage at pair %d (one passage per query)"
                .formatted(split, i, p.first(), before));
      }
    }
  }

  /**
   * The task's train and dev splits under {@code dataDir} (the shared data folder, the task's
   * folder, or for own tasks the folder with {@code train.*} and {@code dev.*}).
   *
   * @throws java.nio.file.NoSuchFileException naming the places looked at
   */
  public Splits load(Path dataDir) throws IOException {
    List<Path> tried = new ArrayList<>();
    Path train = StandardTask.find(dataDir, full.train(), tried);
    if (train == null) {
      throw StandardTask.missing(name, "train split", tried);
    }
    Path dev = StandardTask.find(dataDir, full.dev(), tried);
    if (dev == null) {
      throw StandardTask.missing(name, "dev split", tried);
    }
    return new Splits(read(train), read(dev), "train=" + train + " dev=" + dev);
  }

  private List<Column> columns() {
    return score == null ? List.of(first, second) : List.of(first, second, score);
  }

  private static String text(Path file, TextTable.Row row, int index, Column column)
      throws DataFormatException {
    String value = cell(file, row, index, column).strip();
    if (value.isEmpty()) {
      throw new DataFormatException(
          file, row.line(), "expected a non-empty text in %s".formatted(column));
    }
    return value;
  }

  private double score(Path file, TextTable.Row row, int index) throws DataFormatException {
    String raw = cell(file, row, index, score).strip();
    if (kind == PairKind.LABELED) {
      switch (raw.toLowerCase(java.util.Locale.ROOT)) {
        case "0", "0.0", "false" -> {
          return 0;
        }
        case "1", "1.0", "true" -> {
          return 1;
        }
        default ->
            throw new DataFormatException(
                file,
                row.line(),
                "expected a label 0 or 1 (or false/true) in %s, got '%s'".formatted(score, raw));
      }
    }
    double value;
    try {
      value = Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value >= minScore && value <= maxScore)) {
      throw new DataFormatException(
          file,
          row.line(),
          "expected a score from %s to %s in %s, got '%s'"
              .formatted(minScore, maxScore, score, raw));
    }
    return value;
  }

  private static String cell(Path file, TextTable.Row row, int index, Column column)
      throws DataFormatException {
    int i = index == Column.LAST.index() ? row.fields().size() - 1 : index;
    if (i >= row.fields().size()) {
      throw new DataFormatException(
          file,
          row.line(),
          "expected %s, the row has only %d fields".formatted(column, row.fields().size()));
    }
    return row.fields().get(i);
  }

  @Override
  public String toString() {
    return "%s (%s pairs%s)"
        .formatted(
            name, kind.option(), kind == PairKind.SCORED ? " " + minScore + ".." + maxScore : "");
  }
}
