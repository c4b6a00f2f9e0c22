package io.github.mezo4j.core.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@link ZoTransform#spec()} and {@link Schedule#spec()} strings of the built-in
 * transforms and schedules back into objects, so a step log can be replayed from its header alone.
 * Grammar: {@code call := name '(' [arg (',' arg)*] ')'}, {@code arg := number | call | "text"}.
 */
public final class OptimizerSpec {
  private final String text;
  private int pos;

  private OptimizerSpec(String text) {
    this.text = text;
  }

  /**
   * The transform described by {@code spec}.
   *
   * @throws IllegalArgumentException naming the position and what was expected, or the custom part
   *     (a user transform, a custom weight-decay mask) that cannot be rebuilt from text
   */
  public static ZoTransform parse(String spec) {
    OptimizerSpec p = new OptimizerSpec(spec);
    ZoTransform t = p.transform(p.call());
    p.expectEnd();
    return t;
  }

  /** The schedule described by {@code spec}. */
  public static Schedule parseSchedule(String spec) {
    OptimizerSpec p = new OptimizerSpec(spec);
    Schedule s = p.schedule(p.call());
    p.expectEnd();
    return s;
  }

  private record Call(String name, List<Object> args, int at) {}

  private ZoTransform transform(Call c) {
    return switch (c.name) {
      case "chain" -> {
        ZoTransform[] parts = new ZoTransform[c.args.size()];
        for (int i = 0; i < parts.length; i++) {
          parts[i] = transform(callArg(c, i));
        }
        yield Optimizers.chain(parts);
      }
      case "scaleByLearningRate" -> {
        arity(c, 1);
        yield Optimizers.scaleByLearningRate(schedule(callArg(c, 0)));
      }
      case "scale" -> {
        arity(c, 1);
        yield Optimizers.scale(number(c, 0));
      }
      case "weightDecay" -> {
        if (c.args.size() == 2) {
          throw error(
              c.at,
              "weightDecay with the custom mask "
                  + c.args.get(1)
                  + " cannot be rebuilt from text; pass the optimizer explicitly");
        }
        arity(c, 1);
        yield Optimizers.weightDecay(number(c, 0));
      }
      case "momentum" -> {
        arity(c, 1);
        yield Optimizers.momentum(number(c, 0));
      }
      case "scaleByAdam" -> {
        arity(c, 3);
        yield Optimizers.scaleByAdam(number(c, 0), number(c, 1), number(c, 2));
      }
      case "sign" -> {
        arity(c, 0);
        yield Optimizers.sign();
      }
      default ->
          throw error(
              c.at,
              "unknown transform '"
                  + c.name
                  + "' (a user-defined transform: pass the optimizer explicitly)");
    };
  }

  private Schedule schedule(Call c) {
    return switch (c.name) {
      case "constant" -> {
        arity(c, 1);
        yield Schedule.constant(number(c, 0));
      }
      case "linearDecay" -> {
        arity(c, 3);
        yield Schedule.linearDecay(number(c, 0), number(c, 1), integer(c, 2));
      }
      case "cosineDecay" -> {
        arity(c, 3);
        yield Schedule.cosineDecay(number(c, 0), integer(c, 1), number(c, 2));
      }
      case "warmup" -> {
        arity(c, 2);
        yield Schedule.warmup(integer(c, 0), schedule(callArg(c, 1)));
      }
      default -> throw error(c.at, "unknown schedule '" + c.name + "'");
    };
  }

  private Call call() {
    skipSpaces();
    int start = pos;
    while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
      pos++;
    }
    if (start == pos || !Character.isLetter(text.charAt(start))) {
      throw error(start, "expected a name");
    }
    String name = text.substring(start, pos);
    expect('(');
    List<Object> args = new ArrayList<>();
    skipSpaces();
    if (peek() != ')') {
      while (true) {
        args.add(arg());
        skipSpaces();
        if (peek() == ',') {
          pos++;
        } else {
          break;
        }
      }
    }
    expect(')');
    return new Call(name, args, start);
  }

  private Object arg() {
    skipSpaces();
    char c = peek();
    if (c == '"') {
      int end = text.indexOf('"', pos + 1);
      if (end < 0) {
        throw error(pos, "unterminated string");
      }
      String s = text.substring(pos, end + 1);
      pos = end + 1;
      return s;
    }
    if (Character.isLetter(c)) {
      // a name followed by '(' is a call; anything else (NaN, a typo) is a bare token
      int save = pos;
      while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
        pos++;
      }
      skipSpaces();
      boolean isCall = peek() == '(';
      pos = save;
      if (isCall) {
        return call();
      }
    }
    int start = pos;
    while (pos < text.length() && ",) ".indexOf(text.charAt(pos)) < 0) {
      pos++;
    }
    return text.substring(start, pos);
  }

  private static Call callArg(Call c, int i) {
    if (i >= c.args.size() || !(c.args.get(i) instanceof Call inner)) {
      throw new IllegalArgumentException(
          "%s: argument %d must be a transform or schedule".formatted(c.name, i + 1));
    }
    return inner;
  }

  private double number(Call c, int i) {
    if (!(c.args.get(i) instanceof String s)) {
      throw error(c.at, c.name + ": argument " + (i + 1) + " must be a number");
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw error(c.at, c.name + ": argument " + (i + 1) + " is not a number: '" + s + "'");
    }
  }

  private long integer(Call c, int i) {
    if (!(c.args.get(i) instanceof String s)) {
      throw error(c.at, c.name + ": argument " + (i + 1) + " must be an integer");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw error(c.at, c.name + ": argument " + (i + 1) + " is not an integer: '" + s + "'");
    }
  }

  private void arity(Call c, int n) {
    if (c.args.size() != n) {
      throw error(c.at, "%s takes %d argument(s), got %d".formatted(c.name, n, c.args.size()));
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void expect(char c) {
    skipSpaces();
    if (peek() != c) {
      throw error(pos, "expected '" + c + "'");
    }
    pos++;
  }

  private void expectEnd() {
    skipSpaces();
    if (pos != text.length()) {
      throw error(pos, "unexpected text after the end");
    }
  }

  private void skipSpaces() {
    while (pos < text.length() && text.charAt(pos) == ' ') {
      pos++;
    }
  }

  private IllegalArgumentException error(int at, String what) {
    return new IllegalArgumentException(
        "cannot read optimizer spec '%s' at position %d: %s".formatted(text, at, what));
  }
}
