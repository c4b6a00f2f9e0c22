package io.github.mezo4j.nn.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where and how to reach the Hugging Face hub, read from the same environment variables as the
 * Python library huggingface_hub so that both share one cache and one configuration.
 *
 * @param endpoint the hub ({@code HF_ENDPOINT}, default {@code https://huggingface.co})
 * @param token a user access token for gated and private repositories: {@code HF_TOKEN}, else the
 *     file {@code huggingface-cli login} saves ({@code HF_TOKEN_PATH}, default {@code
 *     $HF_HOME/token})
 * @param offline never open a connection, answer from the cache only ({@code HF_HUB_OFFLINE=1})
 * @param cacheDir the hub cache: {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 *     $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}
 */
public record HubSettings(URI endpoint, Optional<String> token, boolean offline, Path cacheDir) {
  /** The public hub. */
  public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

  /** Checks the endpoint is an absolute http(s) URI; a trailing '/' is dropped. */
  public HubSettings {
    String scheme = endpoint.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "hub endpoint '%s': expected an http:// or https:// URL".formatted(endpoint));
    }
    String text = endpoint.toString();
    if (text.endsWith("/")) {
      endpoint = URI.create(text.substring(0, text.length() - 1));
    }
    token = token.filter(t -> !t.isBlank()).map(String::strip);
  }

  /** The settings of this process's environment. */
  public static HubSettings fromEnvironment() {
    return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The settings a process with environment {@code env} and home folder {@code home} gets. */
  public static HubSettings fromEnvironment(Map<String, String> env, Path home) {
    String endpointVariable = env.get("HF_ENDPOINT");
    boolean custom = endpointVariable != null && !endpointVariable.isBlank();
    Optional<String> token =
        Optional.ofNullable(env.get("HF_TOKEN"))
            .filter(t -> !t.isBlank())
            .or(() -> readToken(tokenPath(env, home)));
    boolean offline = truthy(env.get("HF_HUB_OFFLINE"));
    try {
      URI endpoint = custom ? URI.create(endpointVariable.strip()) : DEFAULT_ENDPOINT;
      return new HubSettings(endpoint, token, offline, cacheDir(env, home));
    } catch (IllegalArgumentException e) {
      // the endpoint is the only checked value: say which variable to fix
      throw new IllegalArgumentException(
          "HF_ENDPOINT '%s': expected an http:// or https:// URL such as %s (%s)"
              .formatted(endpointVariable, DEFAULT_ENDPOINT, e.getMessage()),
          e);
    }
  }

  private static Path cacheDir(Map<String, String> env, Path home) {
    for (String name : new String[] {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return expandHome(value, home);
      }
    }
    return hfHome(env, home).resolve("hub");
  }

  private static Path hfHome(Map<String, String> env, Path home) {
    String hfHome = env.get("HF_HOME");
    if (hfHome != null && !hfHome.isBlank()) {
      return expandHome(hfHome, home);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isBlank() ? expandHome(xdg, home) : home.resolve(".cache");
    return cache.resolve("huggingface");
  }

  private static Path tokenPath(Map<String, String> env, Path home) {
    String path = env.get("HF_TOKEN_PATH");
    return path != null && !path.isBlank()
        ? expandHome(path, home)
        : hfHome(env, home).resolve("token");
  }

  // a missing or unreadable token file means no token, as in huggingface_hub
  private static Optional<String> readToken(Path file) {
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Files.readString(file).strip()).filter(t -> !t.isEmpty())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  // huggingface_hub expands '~' in these variables, so a shared configuration may use it
  private static Path expandHome(String value, Path home) {
    if (value.equals("~")) {
      return home;
    }
    return value.startsWith("~/") ? home.resolve(value.substring(2)) : Path.of(value);
  }

  // the values huggingface_hub accepts as true
  private static boolean truthy(String value) {
    return value != null
        && switch (value.strip().toUpperCase(Locale.ROOT)) {
          case "1", "ON", "YES", "TRUE" -> true;
          default -> false;
        };
  }

  /** These settings with another cache folder. */
  public HubSettings withCacheDir(Path dir) {
    return new HubSettings(endpoint, token, offline, dir);
  }

  /** These settings, offline or not. */
  public HubSettings withOffline(boolean value) {
    return new HubSettings(endpoint, token, value, cacheDir);
  }
}
