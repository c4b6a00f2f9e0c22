package io.github.mezo4j.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StrictUtf8Test {
  @Test
  void decodesUtf8AndDropsALeadingByteOrderMark() throws Exception {
    String text = "naïve 東京 🙂\nline 2";
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertEquals(text, StrictUtf8.decode(utf8));
    assertEquals(text, StrictUtf8.decode(("\uFEFF" + text).getBytes(StandardCharsets.UTF_8)));
    assertEquals("", StrictUtf8.decode(new byte[0]));
  }

  @Test
  void namesLineAndByteOffsetOfTheFirstByteThatIsNotUtf8() {
    byte[] latin1 = "ok\nstill ok\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    StrictUtf8.NotUtf8Exception e =
        assertThrows(StrictUtf8.NotUtf8Exception.class, () -> StrictUtf8.decode(latin1));
    assertEquals(3, e.line());
    assertEquals(15, e.offset());
    assertTrue(e.getMessage().contains("byte 0xe9 at byte offset 15"), e.getMessage());
    // a sequence cut short at the end of the input, and bytes JSON parsers take for UTF-32
    assertThrows(
        StrictUtf8.NotUtf8Exception.class, () -> StrictUtf8.decode(new byte[] {'a', (byte) 0xe6}));
    assertEquals(
        0,
        assertThrows(
                StrictUtf8.NotUtf8Exception.class,
                () -> StrictUtf8.decode(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0}))
            .offset());
  }
}
