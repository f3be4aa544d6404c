package dev.echoplatform.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The server's version and source revision, from a resource the build filters
 * (echo-server-build.properties).
 */
public final class BuildInfo {

  private static final Properties PROPERTIES = load();

  private BuildInfo() {}

  /** The Maven project version, e.g. 0.1.0. */
  public static String version() {
    return PROPERTIES.getProperty("version", "dev");
  }

  /**
   * The commit the build was made from, or {@code unknown} when the build was not told
   * (-Dbuild.revision).
   */
  public static String revision() {
    return PROPERTIES.getProperty("revision", "unknown");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/echo-server-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
