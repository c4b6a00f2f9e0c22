package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @Test
  void newFilesGetTheDefaultModeAndReplacedFilesKeepTheirs(@TempDir Path dir) throws Exception {
    assumeTrue(
        Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class),
        "POSIX permissions not supported on " + dir);
    // what a plain create gives here (0666 less the umask), not createTempFile's owner-only 0600
    Path plain = Files.createFile(dir.resolve("plain"));
    Path fresh = dir.resolve("fresh");
    AtomicFiles.write(fresh, new byte[] {1, 2, 3});
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(fresh));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(fresh));

    Path shared = dir.resolve("shared");
    Files.write(shared, new byte[] {0});
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
    AtomicFiles.write(shared, new byte[] {4});
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
    assertArrayEquals(new byte[] {4}, Files.readAllBytes(shared));
    try (var entries = Files.list(dir)) {
      assertEquals(
          List.of("fresh", "plain", "shared"),
          entries.map(p -> p.getFileName().toString()).sorted().toList(),
          "no temp files left");
    }
  }
}
