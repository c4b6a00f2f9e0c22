package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @Test
  void aPlantedLinkToAWorldWritableFileLendsItNoPermissions(@TempDir Path dir) throws Exception {
    assumeTrue(
        Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class),
        "POSIX permissions not supported on " + dir);
    Path plain = Files.createFile(dir.resolve("plain"));
    Path open = dir.resolve("open");
    Files.write(open, new byte[] {9});
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-rw-"));
    // out/config.json -> some 0666 file
    Path config = Files.createSymbolicLink(dir.resolve("config.json"), open);
    AtomicFiles.write(config, new byte[] {1, 2});
    // the link was replaced by a regular file with the default mode, its target left alone
    assertFalse(Files.isSymbolicLink(config));
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(config));
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(config));
    assertFalse(
        Files.getPosixFilePermissions(config).contains(PosixFilePermission.OTHERS_WRITE),
        "world-writable through a link");
    assertArrayEquals(new byte[] {9}, Files.readAllBytes(open));
    assertEquals(PosixFilePermissions.fromString("rw-rw-rw-"), Files.getPosixFilePermissions(open));
  }

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
