package io.github.mezo4j.nn.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubSettingsTest {
  static final Path HOME = Path.of("/home/u");

  static HubSettings of(Map<String, String> env) {
    return HubSettings.fromEnvironment(env, HOME);
  }

  @Test
  void defaultsAreThoseOfHuggingfaceHub() {
    HubSettings s = of(Map.of());
    assertEquals(URI.create("https://huggingface.co"), s.endpoint());
    assertEquals(Path.of("/home/u/.cache/huggingface/hub"), s.cacheDir());
    assertEquals(Optional.empty(), s.token());
    assertFalse(s.offline());
  }

  @Test
  void cacheFolderPrecedence() {
    assertEquals(Path.of("/xdg/huggingface/hub"), of(Map.of("XDG_CACHE_HOME", "/xdg")).cacheDir());
    assertEquals(
        Path.of("/hf/hub"), of(Map.of("XDG_CACHE_HOME", "/xdg", "HF_HOME", "/hf")).cacheDir());
    assertEquals(Path.of("/c"), of(Map.of("HF_HOME", "/hf", "HF_HUB_CACHE", "/c")).cacheDir());
    assertEquals(Path.of("/legacy"), of(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy")).cacheDir());
    assertEquals(Path.of("/home/u/models/hub"), of(Map.of("HF_HOME", "~/models")).cacheDir());
  }

  @Test
  void theTokenFileOfHuggingfaceCliLoginIsUsedWhenHfTokenIsNotSet(@TempDir Path home)
      throws IOException {
    Files.createDirectories(home.resolve(".cache/huggingface"));
    Files.writeString(home.resolve(".cache/huggingface/token"), "hf_saved\n");
    assertEquals(Optional.of("hf_saved"), HubSettings.fromEnvironment(Map.of(), home).token());
    assertEquals(
        Optional.of("hf_env"),
        HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_env"), home).token());
    Path other = Files.writeString(home.resolve("other-token"), "hf_other");
    assertEquals(
        Optional.of("hf_other"),
        HubSettings.fromEnvironment(Map.of("HF_TOKEN_PATH", other.toString()), home).token());
    assertEquals(
        Optional.empty(),
        HubSettings.fromEnvironment(Map.of("HF_HOME", home.resolve("none").toString()), home)
            .token());
  }

  @Test
  void offlineTokenAndEndpoint() {
    for (String yes : new String[] {"1", "true", "YES", "on"}) {
      assertTrue(of(Map.of("HF_HUB_OFFLINE", yes)).offline(), yes);
    }
    for (String no : new String[] {"0", "false", "", "no"}) {
      assertFalse(of(Map.of("HF_HUB_OFFLINE", no)).offline(), no);
    }
    assertEquals(Optional.of("hf_x"), of(Map.of("HF_TOKEN", " hf_x\n")).token());
    assertEquals(Optional.empty(), of(Map.of("HF_TOKEN", "  ")).token());
    assertEquals(
        URI.create("http://127.0.0.1:9"),
        of(Map.of("HF_ENDPOINT", "http://127.0.0.1:9/")).endpoint());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> of(Map.of("HF_ENDPOINT", "ftp://x")));
    assertTrue(e.getMessage().contains("ftp://x"), e.getMessage());
  }

  @Test
  void aMalformedEndpointIsBlamedOnTheVariable() {
    for (String bad : new String[] {"http://bad host", "hf-mirror.com", "ftp://x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> of(Map.of("HF_ENDPOINT", bad)));
      assertTrue(e.getMessage().startsWith("HF_ENDPOINT '" + bad + "'"), e.getMessage());
    }
  }
}
