package io.github.mezo4j.train.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads one split file of a task into examples. */
@FunctionalInterface
public interface ExampleReader {

  /**
   * Every example of the file, in file order.
   *
   * @throws java.nio.file.NoSuchFileException if the file is missing
   * @throws DataFormatException naming the file and line of a malformed row or unknown label
   */
  List<Example> read(Path file) throws IOException;
}
