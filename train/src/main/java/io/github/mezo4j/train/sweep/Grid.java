package io.github.mezo4j.train.sweep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The settings a sweep varies: named axes, each with its values as the strings a command line
 * takes, and the configurations they make (their cartesian product, first axis slowest).
 *
 * <pre>{@code
 * Grid g = Grid.parse(List.of("lr=1e-4,3e-4", "train-params=all,bias-norm"));
 * g.configurations();   // 4: lr=1e-4_train-params=all, lr=1e-4_train-params=bias-norm, ...
 * g.random(2, 7);       // 2 of them, drawn without replacement, the same for seed 7 every time
 * }</pre>
 *
 * <p>A grid knows nothing about what the names mean: the caller checks them against its command.
 *
 * @param axes the axes in the order given; each name once, each with distinct non-empty values
 */
public record Grid(List<Axis> axes) {
  /** Configuration names longer than this are cut and end in a hash of the whole name. */
  static final int MAX_NAME_LENGTH = 120;

  /** Rejects an empty grid and a name given twice; copies the axes. */
  public Grid {
    axes = List.copyOf(axes);
    if (axes.isEmpty()) {
      throw new IllegalArgumentException("a grid needs at least one NAME=V1,V2,...");
    }
    Set<String> names = new HashSet<>();
    for (Axis a : axes) {
      if (!names.add(a.name())) {
        throw new IllegalArgumentException("grid name '%s' is given twice".formatted(a.name()));
      }
    }
  }

  /**
   * One axis: an option name (without dashes) and its values.
   *
   * @param name e.g. {@code lr}
   * @param values e.g. {@code ["1e-4", "3e-4"]}
   */
  public record Axis(String name, List<String> values) {
    /** Rejects an empty name, no values, and an empty or repeated value; copies the values. */
    public Axis {
      values = List.copyOf(values);
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a grid axis needs a name");
      }
      if (values.isEmpty()) {
        throw new IllegalArgumentException("grid name '%s' has no values".formatted(name));
      }
      Set<String> seen = new HashSet<>();
      for (String v : values) {
        if (v.isEmpty()) {
          throw new IllegalArgumentException("grid name '%s' has an empty value".formatted(name));
        }
        if (!seen.add(v)) {
          throw new IllegalArgumentException(
              "grid name '%s' has the value '%s' twice".formatted(name, v));
        }
      }
    }

    /**
     * Reads {@code NAME=V1,V2,...}; leading dashes of the name are dropped ({@code --lr=...} is
     * {@code lr=...}).
     *
     * @throws IllegalArgumentException quoting the text if it has no '=', no name, or an empty
     *     value (",," or a trailing comma)
     */
    public static Axis parse(String text) {
      int eq = text.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(
            "--grid '%s': expected NAME=V1,V2,... (a finetune option without its dashes)"
                .formatted(text));
      }
      String name = text.substring(0, eq).replaceFirst("^-+", "");
      if (name.isEmpty()) {
        throw new IllegalArgumentException(
            "--grid '%s': the option name is missing".formatted(text));
      }
      String[] values = text.substring(eq + 1).split(",", -1);
      for (String v : values) {
        if (v.isEmpty()) {
          throw new IllegalArgumentException(
              "--grid '%s': empty value for %s (values are separated by single commas)"
                  .formatted(text, name));
        }
      }
      try {
        return new Axis(name, List.of(values));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--grid '%s': %s".formatted(text, e.getMessage()), e);
      }
    }
  }

  /**
   * One point of the grid.
   *
   * @param name a readable, filesystem-safe id, the same for the same values every time
   * @param values the value of each axis, in the grid's axis order
   */
  public record Configuration(String name, SequencedMap<String, String> values) {
    /** Copies the values, keeping their order. */
    public Configuration {
      values = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(values));
    }
  }

  /** Parses one {@code NAME=V1,V2,...} per element (see {@link Axis#parse}). */
  public static Grid parse(List<String> specs) {
    List<Axis> axes = new ArrayList<>();
    for (String s : specs) {
      axes.add(Axis.parse(s));
    }
    return new Grid(axes);
  }

  /** The number of configurations: the product of the axes' sizes. */
  public long size() {
    long n = 1;
    for (Axis a : axes) {
      n = Math.multiplyExact(n, a.values().size());
    }
    return n;
  }

  /** Every configuration, the first axis varying slowest. */
  public List<Configuration> configurations() {
    if (size() > 1_000_000) {
      throw new IllegalArgumentException(
          "the grid has %,d configurations; use --random N to draw some".formatted(size()));
    }
    List<Configuration> all = new ArrayList<>();
    for (long i = 0; i < size(); i++) {
      all.add(configuration(i));
    }
    return all;
  }

  /**
   * {@code n} distinct configurations drawn uniformly without replacement, in draw order. The same
   * seed gives the same draw, and a larger {@code n} with the same seed extends a smaller one's
   * draw (its first configurations are the smaller draw).
   *
   * @throws IllegalArgumentException if {@code n < 1} or the grid has fewer configurations
   */
  public List<Configuration> random(int n, long seed) {
    long size = size();
    if (n < 1 || n > size) {
      throw new IllegalArgumentException(
          "--random %d: choose between 1 and the grid's %d configurations".formatted(n, size));
    }
    // a partial Fisher-Yates shuffle of the indices [0, size), kept sparse: position -> index
    SplittableRandom rng = new SplittableRandom(seed);
    Map<Long, Long> swapped = new LinkedHashMap<>();
    List<Configuration> picked = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      long j = i + rng.nextLong(size - i);
      long atJ = swapped.getOrDefault(j, j);
      swapped.put(j, swapped.getOrDefault(i, i));
      picked.add(configuration(atJ));
    }
    return picked;
  }

  /** The configuration at {@code index} of the product (first axis slowest). */
  private Configuration configuration(long index) {
    SequencedMap<String, String> values = new LinkedHashMap<>();
    long rest = index;
    long stride = size();
    for (Axis a : axes) {
      stride /= a.values().size();
      values.put(a.name(), a.values().get((int) (rest / stride)));
      rest %= stride;
    }
    return new Configuration(name(values), values);
  }

  /**
   * {@code name=value} per axis joined by '_' (e.g. {@code lr=1e-4_train-params=bias-norm}). A
   * value with characters other than letters, digits and {@code . + -} has them replaced by '-' and
   * gets a short hash of the original appended, so distinct values never share a name; a name
   * longer than {@value #MAX_NAME_LENGTH} characters is cut and ends in a hash of the whole.
   */
  static String name(SequencedMap<String, String> values) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!sb.isEmpty()) {
        sb.append('_');
      }
      sb.append(safe(e.getKey())).append('=').append(safe(e.getValue()));
    }
    String name = sb.toString();
    if (name.length() > MAX_NAME_LENGTH) {
      name = name.substring(0, MAX_NAME_LENGTH - 9) + "~" + hash(name);
    }
    return name;
  }

  private static String safe(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '+'
              || c == '-';
      sb.append(ok ? c : '-');
    }
    if (s.startsWith(".")) {
      sb.setCharAt(0, '-'); // no hidden files, no "." or ".."
    }
    String out = sb.toString();
    return out.equals(s) ? s : out + "~" + hash(s);
  }

  /** The first 8 hex digits of the SHA-256 of {@code s}. */
  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
