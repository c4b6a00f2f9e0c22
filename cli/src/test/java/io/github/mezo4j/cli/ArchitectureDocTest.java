package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md names only what exists: every module of its table is a Maven module of the
 * build, every package it introduces ({@code `name`:} in a module's row) is a package of that
 * module, and every class it names in backticks is a source file of the project.
 */
class ArchitectureDocTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern ROW = Pattern.compile("^\\| (\\w+) \\| `([\\w.]+)` \\| (.*) \\|$");
  private static final Pattern PACKAGE = Pattern.compile("`([a-z]+)`:");
  private static final Pattern CLASS = Pattern.compile("`([A-Z][A-Za-z0-9]+)`");

  @Test
  void everyModulePackageAndClassItNamesExists() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
    String parentPom = Files.readString(ROOT.resolve("pom.xml"));
    List<String> missing = new ArrayList<>();
    int rows = 0;
    for (String line : doc.split("\n")) {
      Matcher row = ROW.matcher(line);
      if (!row.matches()) {
        continue;
      }
      rows++;
      String module = row.group(1);
      if (!parentPom.contains("<module>" + module + "</module>")) {
        missing.add("module " + module + " (not a <module> of pom.xml)");
      }
      Path root = ROOT.resolve(module + "/src/main/java/" + row.group(2).replace('.', '/'));
      if (!Files.isDirectory(root)) {
        missing.add("package " + row.group(2));
      }
      Matcher pkg = PACKAGE.matcher(row.group(3));
      while (pkg.find()) {
        if (!Files.isDirectory(root.resolve(pkg.group(1)))) {
          missing.add("package " + row.group(2) + "." + pkg.group(1));
        }
      }
    }
    assertTrue(rows >= 5, "the module table was not found: " + rows + " rows");

    Set<String> classes = sourceClasses(parentPom);
    Matcher cls = CLASS.matcher(doc);
    while (cls.find()) {
      if (!classes.contains(cls.group(1))) {
        missing.add("class " + cls.group(1));
      }
    }
    assertEquals(List.of(), missing, "docs/architecture.md names what the code does not have");
  }

  /** The simple names of every main source file of the modules {@code parentPom} lists. */
  private static Set<String> sourceClasses(String parentPom) throws IOException {
    Set<String> names = new TreeSet<>();
    Matcher module = Pattern.compile("<module>(\\w+)</module>").matcher(parentPom);
    while (module.find()) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module.group(1) + "/src/main/java"))) {
        files
            .filter(p -> p.toString().endsWith(".java"))
            .map(p -> p.getFileName().toString().replace(".java", ""))
            .forEach(names::add);
      }
    }
    return names;
  }
}
