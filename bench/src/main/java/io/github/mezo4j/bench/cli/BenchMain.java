package io.github.mezo4j.bench.cli;

import io.github.mezo4j.cli.Main;

/**
 * {@code mezo4j} with the {@code bench} subcommand, which lives here rather than in the library
 * jars: {@code bin/mezo4j bench ...} runs this class from {@code bench/target/benchmarks.jar}.
 */
public final class BenchMain {
  private BenchMain() {}

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line with {@code bench} added and returns its exit code. */
  public static int run(String... args) {
    return Main.commandLine().addSubcommand(new BenchCommand()).execute(args);
  }
}
