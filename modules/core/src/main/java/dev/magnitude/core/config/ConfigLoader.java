package dev.magnitude.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Loads the configuration in layers, later winning: the reference.conf of every module on the class
 * path, then the JVM's system properties under {@code magnitude} (e.g. {@code spark-submit
 * --driver-java-options -Dmagnitude.work-dir=...}), then each {@code --conf} file in order (profiles such as
 * conf/local.conf, sweeps such as conf/sweeps/demo.conf), then {@code -Dkey=value} overrides. Nothing set is
 * ignored silently; each of these is a {@link ConfigError} naming the key and, where one is near, the known key
 * it was probably meant to be ("did you mean magnitude.train.steps?", {@link KeySuggestions}):
 *
 * <ul>
 *   <li>a key under {@code magnitude} that the reference does not know (a file, an override or a system
 *       property);
 *   <li>a top-level key of a file other than {@code magnitude} that no setting under {@code magnitude} depends
 *       on: {@code train.steps = 5} without the wrapper. A top-level value that a setting substitutes ({@code
 *       paper-data = "/data"} with {@code path = ${paper-data}"/beir/fiqa"}) is allowed;
 *   <li>an override that is neither under {@code magnitude} nor a system property ({@link SystemPropertyKeys};
 *       the command line sets those as system properties, so they are not configuration);
 *   <li>a system property whose first segment is a misspelling of {@code magnitude} ({@code
 *       -Dmagnitud.train.steps}).
 * </ul>
 */
public final class ConfigLoader {
  public static final String ROOT = "magnitude";
  /** System properties whose first segment is this near {@code magnitude} are taken for misspellings of it. */
  private static final int ROOT_MISSPELLING = 2;

  private final Config reference;
  private final Properties systemProperties;
  private final KeySuggestions suggestions;

  /**
   * A loader that reads no system properties.
   *
   * @param reference the defaults, resolved
   */
  public ConfigLoader(Config reference) {
    this(reference, new Properties());
  }

  /**
   * @param reference the defaults, resolved, without system properties ({@link
   *     ConfigFactory#defaultReferenceUnresolved()}, resolved)
   * @param systemProperties the JVM's; those under {@code magnitude} are a layer over the reference
   */
  public ConfigLoader(Config reference, Properties systemProperties) {
    this.reference = reference;
    this.systemProperties = systemProperties;
    this.suggestions = new KeySuggestions(reference);
  }

  /** The reference.conf files of the class path and this JVM's system properties. */
  public static ConfigLoader fromClasspath() {
    return new ConfigLoader(ConfigFactory.defaultReferenceUnresolved().resolve(), System.getProperties());
  }

  /**
   * @param files HOCON files, later ones override earlier ones
   * @param overrides key=value pairs (from -D), overriding every file; keys that are system properties
   *     ({@link SystemPropertyKeys#isSystemProperty}) are left out (the caller sets them)
   * @throws ConfigError for an unreadable file, a syntax error, an unknown key or a key outside {@code magnitude}
   */
  public Config load(List<Path> files, Map<String, String> overrides) {
    Config merged = ConfigFactory.empty();
    List<Config> parsed = new ArrayList<>();
    for (Path file : files) {
      Config one = parseFile(file);
      parsed.add(one);
      merged = one.withFallback(merged);
    }
    Config user = overrides(settingsOnly(overrides)).withFallback(merged);
    Config system = systemLayer();
    Config all = resolve(user.withFallback(system).withFallback(reference));
    checkKnownKeys(system, " (a JVM system property)");
    checkKnownKeys(user, "");
    for (int i = 0; i < files.size(); i++) {
      checkOutsideKeys(files.get(i), parsed.get(i), user, system, all);
    }
    return all;
  }

  private static Config resolve(Config config) {
    try {
      return config.resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new ConfigError("configuration cannot be resolved: " + e.getMessage(), e);
    }
  }

  /** The overrides under {@code magnitude}; system properties dropped; anything else an error. */
  private Map<String, String> settingsOnly(Map<String, String> overrides) {
    Map<String, String> settings = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(ROOT + ".")) {
        settings.put(key, e.getValue());
      } else if (!SystemPropertyKeys.isSystemProperty(key)) {
        throw new ConfigError("-D" + key + "=" + e.getValue() + " is neither a Magnitude setting (" + ROOT
            + ".*) nor a system property (" + String.join(", ", SystemPropertyKeys.PREFIXES) + ")"
            + suggestions.didYouMean(key));
      }
    }
    return settings;
  }

  /** The system properties under {@code magnitude}; a misspelled first segment is an error. */
  private Config systemLayer() {
    Properties mine = new Properties();
    for (String name : new TreeSet<>(systemProperties.stringPropertyNames())) {
      String first = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
      if (name.startsWith(ROOT + ".")) {
        mine.put(name, systemProperties.getProperty(name));
      } else if (name.contains(".") && !first.equals(ROOT) && KeySuggestions.distance(first, ROOT) <= ROOT_MISSPELLING) {
        throw new ConfigError("JVM system property " + name + " is not read: Magnitude's settings are under " + ROOT
            + "." + suggestions.didYouMean(ROOT + name.substring(first.length())));
      }
    }
    return ConfigFactory.parseProperties(mine, ConfigParseOptions.defaults().setOriginDescription("-D (JVM)"));
  }

  /**
   * Every top-level key of {@code file} but {@code magnitude} must be one that a setting under {@code magnitude}
   * depends on: without it the configuration would not resolve, or would resolve to other settings.
   */
  private void checkOutsideKeys(Path file, Config parsed, Config user, Config system, Config all) {
    for (String key : new TreeSet<>(parsed.root().keySet())) {
      if (key.equals(ROOT)) {
        continue;
      }
      String path = ConfigUtil.joinPath(key);
      Config without = user.withoutPath(path).withFallback(system).withFallback(reference);
      boolean used;
      try {
        used = !without.resolve().getConfig(ROOT).equals(all.getConfig(ROOT));
      } catch (ConfigException e) {
        used = true; // a substitution needs it
      }
      if (!used) {
        ConfigValue value = parsed.root().get(key);
        String leaf = value instanceof com.typesafe.config.ConfigObject object && !object.isEmpty()
            ? key + "." + new TreeSet<>(parsed.getConfig(path).entrySet().stream().map(Map.Entry::getKey).toList())
                .first()
            : key;
        int line = value.origin().lineNumber();
        throw new ConfigError("config file " + file + (line > 0 ? " line " + line : "") + ": top-level key " + leaf
            + " is not a Magnitude setting (settings go under " + ROOT + " { }; another top-level key must be"
            + " substituted into one)" + suggestions.didYouMean(leaf));
      }
    }
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
  private void checkKnownKeys(Config user, String source) {
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
              "unknown key " + full + source + "; a dataset takes: format, path, splits, synthetic.{"
                  + String.join(", ", new TreeSet<>(template.getConfig("synthetic").root().keySet()))
                  + "}, and its own values of magnitude.prepare: "
                  + String.join(", ", new TreeSet<>(reference.getConfig(ROOT + ".prepare").root().keySet()))
                  + (dot < 0 ? "" : suggestions.didYouMean(full, suggestions.datasetKeys(rest.substring(0, dot)))));
        }
      } else if (!reference.hasPath(full)) {
        throw new ConfigError("unknown key " + full + source + "; " + knownNear(full) + suggestions.didYouMean(full));
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
