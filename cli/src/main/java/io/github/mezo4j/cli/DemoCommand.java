package io.github.mezo4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the demo data set lands. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "The demo.")
final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("demo: not yet");
  }
}
