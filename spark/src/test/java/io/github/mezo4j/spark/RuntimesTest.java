package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RuntimesTest {
  @Test
  void anotherSparkIsRefusedWithItsVersion() {
    Exception e = assertThrows(IllegalStateException.class, () -> Runtimes.check("3.5.1"));
    assertTrue(e.getMessage().contains("runs on Spark 4"), e.getMessage());
    assertTrue(e.getMessage().contains("3.5.1"), e.getMessage());
  }

  @Test
  void thisJvmAndSpark4Pass() {
    // the tests run on Java 25 with the Vector API, as a driver and executors must
    assertDoesNotThrow(() -> Runtimes.check("4.2.0"));
    assertDoesNotThrow(() -> Runtimes.check(null));
  }
}
