package dev.magnitude.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Loads the configuration in layers, later winning: the reference.conf of every module on the class
 * path, then each {@code --conf} file in order (profiles such as conf/local.conf, sweeps such as
 * conf/sweeps/demo.conf), then {@code -Dkey=value} overrides. Then checks that every key under
 * {@code magnitude} is one the reference knows, so a typo stops the job instead of being ignored.
 */
public final class ConfigLoader {
  public static final String ROOT = "magnitude";

  private final Config reference;

  /** @param reference the defaults, normally {@link ConfigFactory#defaultReference()} */
  public ConfigLoader(Config reference) {
    this.reference = reference;
  }

  public static ConfigLoader fromClasspath() {
    return new ConfigLoader(ConfigFactory.defaultReference());
  }

  /**
   * @param files HOCON files, later ones override earlier ones
   * @param overrides key=value pairs (from -D), overriding every file
   * @throws ConfigError for an unreadable file, a syntax error or an unknown key
   */
  public Config load(List<Path> files, Map<String, String> overrides) {
    Config merged = ConfigFactory.empty();
    for (Path file : files) {
      merged = parseFile(file).withFallback(merged);
    }
    Config fromOverrides = overrides(overrides);
    Config user = fromOverrides.withFallback(merged);
    Config all;
    try {
      all = user.withFallback(reference).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new ConfigError("configuration cannot be resolved: " + e.getMessage(), e);
    }
    checkKnownKeys(user, all);
    return all;
  }

  /**
   * -D overrides. A value starting with {@code [} or {@code \{} is parsed as HOCON (a list or an
   * object: {@code -Dmagnitude.sweep.seeds=[1,2]}); any other value is taken as a string, which the
   * binder converts to a number or boolean where one is expected (so paths and URIs need no quoting).
   */
  static Config overrides(Map<String, String> overrides) {
    Config out = ConfigFactory.empty();
    Properties plain = new Properties();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String value = e.getValue().trim();
      if (value.startsWith("[") || value.startsWith("{")) {
        try {
          Config parsed = ConfigFactory.parseString(
              "v = " + value, ConfigParseOptions.defaults().setOriginDescription("-D" + e.getKey()));
          out = out.withValue(e.getKey(), parsed.getValue("v"));
        } catch (ConfigException ex) {
          throw new ConfigError("-D" + e.getKey() + "=" + e.getValue() + " cannot be parsed: " + ex.getMessage(), ex);
        }
      } else {
        plain.put(e.getKey(), e.getValue());
      }
    }
    return out.withFallback(
        ConfigFactory.parseProperties(plain, ConfigParseOptions.defaults().setOriginDescription("-D")));
  }

  private static Config parseFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigError("config file " + file + " does not exist or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigError("config file " + file + " is not readable");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new ConfigError("config file " + file + " cannot be parsed: " + e.getMessage(), e);
    }
  }

  /**
   * Every user key under {@code magnitude} must exist in the reference, except the free-form Spark
   * settings below {@code magnitude.spark.conf}, the dataset names below {@code magnitude.sweep.evaluate-on}
   * (checked by {@link Settings#sweep()}), and below
   * {@code magnitude.datasets.<name>}, whose keys must exist in the reference dataset template
   * ({@code magnitude.datasets.synthetic} lists every key a dataset may have, {@code path} aside, which
   * only file formats take) or below {@code magnitude.prepare} (a dataset's own tokenizer, sts, images...).
   */
  private void checkKnownKeys(Config user, Config all) {
    if (!user.hasPath(ROOT)) {
      return;
    }
    Config template = reference.getConfig(ROOT + ".datasets.synthetic");
    for (String key : new TreeSet<>(user.getConfig(ROOT).entrySet().stream().map(Map.Entry::getKey).toList())) {
      String full = ROOT + "." + key;
      if (key.startsWith("spark.conf.")) {
        continue; // free-form spark.* settings, passed to Spark as given
      } else if (key.startsWith("sweep.evaluate-on.")) {
        continue; // keys are dataset names, checked against the sweep by Settings.sweep()
      } else if (key.startsWith("datasets.")) {
        String rest = key.substring("datasets.".length());
        int dot = rest.indexOf('.');
        String datasetKey = dot < 0 ? rest : rest.substring(dot + 1);
        boolean known = datasetKey.equals("path") || template.hasPath(datasetKey)
            || reference.hasPath(ROOT + ".prepare." + datasetKey);
        if (dot < 0 || !known) {
          throw new ConfigError(
              "unknown key " + full + "; a dataset takes: format, path, splits, synthetic.{"
                  + String.join(", ", new TreeSet<>(template.getConfig("synthetic").root().keySet()))
                  + "}, and its own values of magnitude.prepare: "
                  + String.join(", ", new TreeSet<>(reference.getConfig(ROOT + ".prepare").root().keySet())));
        }
      } else if (!reference.hasPath(full)) {
        throw new ConfigError("unknown key " + full + "; " + knownNear(full));
      }
    }
  }

  private String knownNear(String full) {
    String parent = full;
    while (parent.contains(".")) {
      parent = parent.substring(0, parent.lastIndexOf('.'));
      if (reference.hasPath(parent)) {
        return "known keys under " + parent + ": "
            + String.join(", ", new TreeSet<>(reference.getConfig(parent).root().keySet()));
      }
    }
    return "see the reference.conf files for the known keys";
  }
}
