package io.github.mezo4j.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Standard input as UTF-8 lines, whatever the platform's default charset. */
final class Stdin {
  private Stdin() {}

  static BufferedReader reader() {
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  }
}
