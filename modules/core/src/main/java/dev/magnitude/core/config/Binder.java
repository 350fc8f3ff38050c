package dev.magnitude.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.List;

/**
 * Reads typed values from a configuration and turns every problem into a one-line {@link ConfigError}
 * naming the full key, the value found, where it was set and what is allowed.
 */
final class Binder {
  private final Config root;
  private final Config config;
  private final String prefix;

  /** @param prefix full path of the section, e.g. {@code magnitude.train} */
  Binder(Config root, String prefix) {
    if (!root.hasPath(prefix)) {
      throw new ConfigError(
          prefix + " is missing from the configuration; the reference.conf of the module that owns it"
              + " is not on the classpath");
    }
    this.root = root;
    this.config = root.getConfig(prefix);
    this.prefix = prefix;
  }

  Binder child(String key) {
    return new Binder(root, full(key));
  }

  String full(String key) {
    return prefix + "." + key;
  }

  boolean has(String key) {
    return config.hasPath(key);
  }

  Config raw() {
    return config;
  }

  String string(String key) {
    return get(key, "a string", () -> config.getString(key));
  }

  String string(String key, List<String> allowed) {
    String v = string(key);
    if (!allowed.contains(v)) {
      throw invalid(key, v, "one of " + String.join(", ", allowed));
    }
    return v;
  }

  boolean bool(String key) {
    return get(key, "true or false", () -> config.getBoolean(key));
  }

  List<String> strings(String key) {
    return get(key, "a list of strings", () -> config.getStringList(key));
  }

  int integer(String key, int min) {
    int v = get(key, "an integer", () -> config.getInt(key));
    if (v < min) {
      throw invalid(key, v, "an integer >= " + min);
    }
    return v;
  }

  long longValue(String key) {
    return get(key, "an integer", () -> config.getLong(key));
  }

  List<Long> longs(String key) {
    return get(key, "a list of integers", () -> config.getLongList(key));
  }

  /** A finite double in [min, max]. */
  double number(String key, double min, double max) {
    double v = get(key, "a number", () -> config.getDouble(key));
    if (!Double.isFinite(v) || v < min || v > max) {
      throw invalid(key, v, "a number in [" + min + ", " + max + "]");
    }
    return v;
  }

  /** A HOCON duration (e.g. {@code 10 minutes}, {@code 30s}) of at least {@code min}. */
  java.time.Duration duration(String key, java.time.Duration min) {
    java.time.Duration v = get(key, "a duration such as 10 minutes", () -> config.getDuration(key));
    if (v.compareTo(min) < 0) {
      throw invalid(key, v, "a duration of at least " + min);
    }
    return v;
  }

  /** A finite double > 0. */
  double positive(String key) {
    double v = get(key, "a number", () -> config.getDouble(key));
    if (!Double.isFinite(v) || v <= 0) {
      throw invalid(key, v, "a number > 0");
    }
    return v;
  }

  ConfigError invalid(String key, Object value, String allowed) {
    return new ConfigError(full(key) + " = " + render(value) + origin(key) + ": expected " + allowed);
  }

  /** Re-throws a validation failure of a domain record as a ConfigError naming the section. */
  ConfigError invalidSection(IllegalArgumentException e) {
    return new ConfigError(prefix + ": " + e.getMessage(), e);
  }

  private <T> T get(String key, String expected, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (ConfigException.Missing e) {
      throw new ConfigError(full(key) + " is not set: expected " + expected, e);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      ConfigValue value = config.getValue(key);
      throw new ConfigError(full(key) + " = " + value.render() + origin(key) + ": expected " + expected, e);
    }
  }

  private String origin(String key) {
    if (!config.hasPathOrNull(key)) {
      return "";
    }
    var origin = config.getValue(key).origin();
    String where = origin.filename() != null ? origin.filename() : origin.description();
    if (where == null || where.contains("reference.conf")) {
      return "";
    }
    if (where.startsWith("-D")) {
      return " (set by -D" + full(key) + ")";
    }
    return " (set in " + where + (origin.lineNumber() > 0 ? " line " + origin.lineNumber() : "") + ")";
  }

  private static String render(Object value) {
    return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
  }
}
