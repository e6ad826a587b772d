package io.github.betavae.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The library version, as Maven recorded it in the jar; "dev" when running from unpackaged classes. */
public final class BuildInfo implements CommandLine.IVersionProvider {
  private static final String POM = "/META-INF/maven/io.github.betavae/betavae/pom.properties";

  /** The version string. */
  public static String version() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(POM)) {
      if (in == null) return "dev";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }

  /** "17.0.15 (Eclipse Adoptium)" style Java description. */
  public static String java() {
    return System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")";
  }

  @Override
  public String[] getVersion() {
    return new String[] {"betavae " + version(), "java " + java()};
  }
}
