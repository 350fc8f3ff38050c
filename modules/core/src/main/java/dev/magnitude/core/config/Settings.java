package dev.magnitude.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration bound to typed objects. Each section binds when first asked for, so a module's
 * tests need only the reference.conf of the sections they use; entry points call {@link #validate()}
 * at start-up so that any bad key or value stops the job before it writes anything.
 */
public final class Settings {
  private static final String M = ConfigLoader.ROOT;

  private final Config config;

  public Settings(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  /** Binds every section, throwing the first {@link ConfigError}. */
  public Settings validate() {
    workDir();
    datasets();
    sweep();
    train();
    aggregate();
    spark();
    return this;
  }

  public String workDir() {
    return new Binder(config, M).string("work-dir");
  }

  public PrepareSettings prepare() {
    Binder b = new Binder(config, M + ".prepare");
    Binder t = b.child("tokenizer");
    TokenizerSpec tokenizer;
    try {
      tokenizer =
          new TokenizerSpec(
              t.integer("min-count", 1), t.integer("max-vocabulary", 1), t.integer("hash-buckets", 0), t.integer("max-length", 1));
    } catch (IllegalArgumentException e) {
      throw t.invalidSection(e);
    }
    return new PrepareSettings(
        b.integer("shard-max-rows", 1), tokenizer, b.number("max-quarantined-fraction", 0, 1));
  }

  /** Every configured dataset by name, in name order. */
  public Map<String, DatasetSpec> datasets() {
    Binder all = new Binder(config, M + ".datasets");
    PrepareSettings prepare = prepare();
    Map<String, DatasetSpec> out = new TreeMap<>();
    for (String name : all.raw().root().keySet()) {
      out.put(name, dataset(all.child(quoteIfNeeded(name)), name, prepare));
    }
    return out;
  }

  private static DatasetSpec dataset(Binder b, String name, PrepareSettings prepare) {
    String format = b.string("format", DatasetSpec.FORMATS);
    SyntheticSpec synthetic = null;
    if (format.equals("synthetic")) {
      Binder s = b.child("synthetic");
      try {
        synthetic =
            new SyntheticSpec(
                s.integer("documents", 1),
                s.integer("topics", 1),
                s.integer("train-queries", 1),
                s.integer("dev-queries", 1),
                s.integer("test-queries", 1),
                s.longValue("seed"));
      } catch (IllegalArgumentException e) {
        throw s.invalidSection(e);
      }
    }
    String path = b.has("path") ? b.string("path") : null;
    try {
      return new DatasetSpec(
          name, format, path, b.strings("splits"), synthetic, prepare.tokenizer(), prepare.shardMaxRows(),
          prepare.maxQuarantinedFraction());
    } catch (IllegalArgumentException e) {
      throw b.invalidSection(e);
    }
  }

  public SweepSpec sweep() {
    Binder b = new Binder(config, M + ".sweep");
    Map<String, DatasetSpec> known = datasets();
    List<String> datasets = b.strings("datasets");
    if (datasets.isEmpty()) {
      throw b.invalid("datasets", datasets, "at least one dataset");
    }
    for (String d : datasets) {
      if (!known.containsKey(d)) {
        throw new ConfigError(
            b.full("datasets") + " names unknown dataset '" + d + "'; configured datasets: "
                + String.join(", ", known.keySet()) + " (define it under magnitude.datasets)");
      }
    }
    List<Variant> variants = new ArrayList<>();
    for (String v : b.strings("variants")) {
      try {
        variants.add(Variant.of(v));
      } catch (IllegalArgumentException e) {
        throw b.invalid("variants", v, "variants among " + Variant.allowed());
      }
    }
    if (variants.isEmpty()) {
      throw b.invalid("variants", variants, "at least one of " + Variant.allowed());
    }
    List<Long> seeds = b.longs("seeds");
    if (seeds.isEmpty()) {
      throw b.invalid("seeds", seeds, "at least one seed");
    }
    String id = b.string("id");
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw b.invalid("id", id, "a name of letters, digits, '_', '.', '-' (it names a folder)");
    }
    String evalSplit = b.string("eval-split");
    for (String d : datasets) {
      if (!known.get(d).splits().contains(evalSplit)) {
        throw b.invalid("eval-split", evalSplit, "a split of dataset " + d + ": " + known.get(d).splits());
      }
    }
    return new SweepSpec(id, datasets, variants, seeds, evalSplit);
  }

  public TrainSettings train() {
    Binder b = new Binder(config, M + ".train");
    Binder e = b.child("encoder");
    Binder t = b.child("temperature");
    Map<Variant, Double> temperature = new EnumMap<>(Variant.class);
    for (Variant v : Variant.values()) {
      temperature.put(v, t.positive(v.id()));
    }
    Binder w = b.child("worker");
    TrainSettings settings =
        new TrainSettings(
            e.string("kind", List.of("transformer")),
            e.integer("embedding-dim", 1),
            e.integer("layers", 1),
            e.integer("heads", 1),
            e.integer("max-length", 1),
            b.integer("steps", 1),
            b.integer("batch-size", 2),
            b.positive("learning-rate"),
            b.integer("warmup-steps", 0),
            temperature,
            b.integer("checkpoint-every", 1),
            b.number("gradient-clip", 0, Double.MAX_VALUE),
            w.integer("threads", 1),
            w.strings("java-options"),
            b.integer("parallelism", 0));
    if (settings.embeddingDim() % settings.heads() != 0) {
      throw e.invalid("heads", settings.heads(), "a divisor of embedding-dim = " + settings.embeddingDim());
    }
    return settings;
  }

  public AggregateSettings aggregate() {
    Binder b = new Binder(config, M + ".aggregate");
    Binder boot = b.child("bootstrap");
    double level = boot.number("level", 0.5, 0.999);
    return new AggregateSettings(b.integer("top-k", 1), boot.integer("samples", 1), boot.longValue("seed"), level);
  }

  public SparkSettings spark() {
    Binder b = new Binder(config, M + ".spark");
    Map<String, String> conf = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : new TreeMap<>(toMap(b.child("conf").raw())).entrySet()) {
      conf.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
    }
    return new SparkSettings(b.string("master"), b.string("app-name"), conf);
  }

  private static Map<String, ConfigValue> toMap(Config c) {
    Map<String, ConfigValue> m = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      m.put(e.getKey().replace("\"", ""), e.getValue());
    }
    return m;
  }

  private static String quoteIfNeeded(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key + "\"";
  }
}
