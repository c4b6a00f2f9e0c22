package io.github.mezo4j.cli;

import io.github.mezo4j.core.text.Printable;
import io.github.mezo4j.nn.io.FileErrors;
import java.nio.file.FileSystemException;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mezo4j} command: MeZO fine-tuning, evaluation, replay and embedding from the shell.
 * Other modules add subcommands to {@link #commandLine()} (the bench module adds {@code bench}).
 */
@Command(
    name = "mezo4j",
    mixinStandardHelpOptions = true,
    version = "mezo4j 0.1.0-SNAPSHOT",
    description = "Memory-efficient zeroth-order (MeZO) fine-tuning for the JVM.",
    footer = {
      "",
      "Speed benchmarks: mezo4j bench forward|step|learn (bin/mezo4j runs them from"
          + " bench/target/benchmarks.jar)."
    },
    subcommands = {
      TokenizeCommand.class,
      GenerateCommand.class,
      EmbedCommand.class,
      FinetuneCommand.class,
      EvalCommand.class,
      ReplayCommand.class,
      DemoCommand.class,
      SweepCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The root command, for picocli; {@link #run(String...)} is the way in. */
  public Main() {}

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 usage error). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The {@code mezo4j} command line, ready to {@code execute}: a failure prints one line naming the
   * command path and exits 1. Add subcommands to it before executing.
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, commandLine, parseResult) -> {
              // "mezo4j bench forward: ...": the whole command path, as the user typed it
              String command =
                  parseResult.asCommandLineList().stream()
                      .map(CommandLine::getCommandName)
                      .collect(Collectors.joining(" "));
              commandLine.getErr().println(command + ": " + describe(e));
              if (Boolean.getBoolean("mezo4j.debug")) {
                e.printStackTrace(commandLine.getErr());
              }
              return 1;
            });
  }

  /**
   * The message a failure shows the user: its own words, never a Java class name, with any control
   * character (file and server text can carry terminal escape sequences) escaped.
   */
  static String describe(Throwable e) {
    String message =
        switch (e) {
          case FileSystemException f -> FileErrors.describe(f);
          case OutOfMemoryError o ->
              "out of memory (" + o.getMessage() + "): give the JVM more with -Xmx";
          default -> e.getMessage();
        };
    if (message == null || message.isBlank()) {
      message =
          "internal error (%s); rerun with MEZO4J_JAVA_OPTS=-Dmezo4j.debug=true for details"
              .formatted(plainName(e));
    }
    return Printable.escapeKeepingLines(message);
  }

  /** "nullpointer" for NullPointerException: a hint for a bug report, not a class name. */
  private static String plainName(Throwable e) {
    String n = e.getClass().getSimpleName();
    for (String suffix : new String[] {"Exception", "Error"}) {
      if (n.endsWith(suffix) && n.length() > suffix.length()) {
        n = n.substring(0, n.length() - suffix.length());
      }
    }
    return n.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }
}
