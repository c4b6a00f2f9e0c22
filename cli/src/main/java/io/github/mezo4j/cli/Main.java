package io.github.mezo4j.cli;

import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mezo4j} command: MeZO fine-tuning, embedding and benchmarks from the shell. */
@Command(
    name = "mezo4j",
    mixinStandardHelpOptions = true,
    version = "mezo4j 0.1.0-SNAPSHOT",
    description = "Memory-efficient zeroth-order (MeZO) fine-tuning for the JVM.",
    subcommands = {
      ExampleCommand.class,
      TokenizeCommand.class,
      GenerateCommand.class,
      EmbedCommand.class,
      BenchCommand.class,
      FinetuneCommand.class,
      EvalCommand.class,
      ReplayCommand.class,
      DemoCommand.class,
      SweepCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 usage error). */
  public static int run(String... args) {
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
            })
        .execute(args);
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }
}
