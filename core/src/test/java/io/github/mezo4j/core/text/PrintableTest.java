package io.github.mezo4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PrintableTest {
  @Test
  void controlCharactersBecomeEscapesAndPlainTextIsUntouched() {
    String plain = "model-00001-of-00002.safetensors ünïcödé 日本";
    assertSame(plain, Printable.escape(plain));
    // retitle the terminal, clear the screen, overwrite the line
    assertEquals(
        "a\\u001b]0;pwned\\u0007b\\u001b[2Jc\\u000dd\\u0000",
        Printable.escape("a\u001b]0;pwned\u0007b\u001b[2Jc\rd\u0000"));
    assertEquals("x\\u009by\\u007f\\u202ez", Printable.escape("x\u009by\u007f\u202ez"));
    assertEquals("one\\u000atwo", Printable.escape("one\ntwo"));
    assertEquals("one\ntwo\\u001b", Printable.escapeKeepingLines("one\ntwo\u001b"));
    // escaping twice changes nothing more: escaped text holds no control character
    String once = Printable.escape("\u001b[31m");
    assertEquals(once, Printable.escape(once));
  }
}
