package dev.magnitude.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.magnitude.core.run.EncoderSpec;
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
    lockStaleAfter();
    train();
    aggregate();
    significance();
    spark();
    return this;
  }

  public String workDir() {
    return new Binder(config, M).string("work-dir");
  }

  public PrepareSettings prepare() {
    Binder b = new Binder(config, M + ".prepare");
    return new PrepareSettings(
        b.integer("shard-max-rows", 1),
        tokenizer(b.child("tokenizer")),
        b.number("max-quarantined-fraction", 0, 1),
        sts(b.child("sts")),
        images(b.child("images")));
  }

  private static TokenizerSpec tokenizer(Binder t) {
    String kind = t.string("kind", TokenizerSpec.KINDS);
    String path = t.has("path") ? t.string("path") : null;
    if (kind.equals(TokenizerSpec.HUGGINGFACE) && (path == null || path.isBlank())) {
      throw new ConfigError(t.full("path") + " is not set: kind = huggingface needs the tokenizer.json file "
          + "(a local path or Hadoop URI)");
    }
    try {
      return new TokenizerSpec(
          kind,
          path,
          t.integer("min-count", 1),
          t.integer("max-vocabulary", 1),
          t.integer("hash-buckets", 0),
          t.integer("max-length", 1),
          t.string("padding", TokenizerSpec.PADDINGS));
    } catch (IllegalArgumentException e) {
      throw t.invalidSection(e);
    }
  }

  private static StsSpec sts(Binder s) {
    String delimiter = s.string("delimiter");
    if (delimiter.length() != 1) {
      throw s.invalid("delimiter", delimiter, "one character, such as \"\\t\" or \",\"");
    }
    String file = s.string("file");
    if (!file.contains(StsSpec.SPLIT)) {
      throw s.invalid("file", file, "a file name containing " + StsSpec.SPLIT);
    }
    try {
      return new StsSpec(
          file,
          delimiter,
          s.bool("header"),
          s.string("sentence1"),
          s.string("sentence2"),
          s.string("score"),
          s.number("score-min", -Double.MAX_VALUE, Double.MAX_VALUE),
          s.number("score-max", -Double.MAX_VALUE, Double.MAX_VALUE));
    } catch (IllegalArgumentException e) {
      throw s.invalidSection(e);
    }
  }

  private static ImageSpec images(Binder i) {
    try {
      return new ImageSpec(
          i.integer("size", 8), i.string("coco-annotations"), i.string("coco-images"), i.string("manifest"));
    } catch (IllegalArgumentException e) {
      throw i.invalidSection(e);
    }
  }

  /**
   * Every configured dataset by name, in name order. A dataset may set its own {@code tokenizer}, {@code sts},
   * {@code images}, {@code shard-max-rows} and {@code max-quarantined-fraction}; what it does not set comes
   * from {@code magnitude.prepare}.
   */
  public Map<String, DatasetSpec> datasets() {
    Binder all = new Binder(config, M + ".datasets");
    prepare(); // the shared defaults bind (and fail) on their own keys first
    Config prepare = config.getConfig(M + ".prepare");
    Map<String, DatasetSpec> out = new TreeMap<>();
    for (String name : all.raw().root().keySet()) {
      String path = M + ".datasets." + quoteIfNeeded(name);
      Config effective = config.withValue(path, config.getConfig(path).withFallback(prepare).root());
      out.put(name, dataset(new Binder(effective, path), name));
    }
    return out;
  }

  private static DatasetSpec dataset(Binder b, String name) {
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
    TokenizerSpec tokenizer = tokenizer(b.child("tokenizer"));
    StsSpec sts = sts(b.child("sts"));
    ImageSpec images = images(b.child("images"));
    int shardMaxRows = b.integer("shard-max-rows", 1);
    double maxQuarantined = b.number("max-quarantined-fraction", 0, 1);
    try {
      return new DatasetSpec(
          name, format, path, b.strings("splits"), synthetic, tokenizer, shardMaxRows, maxQuarantined, sts, images);
    } catch (IllegalArgumentException e) {
      throw b.invalidSection(e);
    }
  }

  /**
   * {@code magnitude.sweep.lock.stale-after}: a run lock whose heartbeat is older belongs to a sweep that
   * died and is taken over (at least 10 seconds; heartbeats come every fifth of it).
   */
  public java.time.Duration lockStaleAfter() {
    return new Binder(config, M + ".sweep.lock").duration("stale-after", java.time.Duration.ofSeconds(10));
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
    return new SweepSpec(id, datasets, variants, seeds, evalSplit, evaluateOn(b, known, datasets, evalSplit));
  }

  /**
   * {@code magnitude.sweep.evaluate-on}: training dataset → other datasets its runs are also scored on. A run
   * can be scored on a dataset of its own task only (retrieval and qa count as one: both are ranked queries
   * against a corpus with qrels), because the worker exports what the run's task embeds (queries and a
   * corpus, sentence pairs, or captions and images).
   */
  private static Map<String, List<String>> evaluateOn(
      Binder b, Map<String, DatasetSpec> known, List<String> datasets, String evalSplit) {
    Binder e = b.child("evaluate-on");
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String train : new java.util.TreeSet<>(e.raw().root().keySet())) {
      String key = quoteIfNeeded(train);
      if (!datasets.contains(train)) {
        throw new ConfigError(e.full(key) + ": '" + train + "' is not a dataset of the sweep; "
            + b.full("datasets") + " = " + datasets + " (a key names the dataset the runs train on)");
      }
      List<String> others = e.strings(key);
      DatasetSpec.Task task = known.get(train).task();
      for (String other : others) {
        if (!known.containsKey(other)) {
          throw new ConfigError(e.full(key) + " names unknown dataset '" + other + "'; configured datasets: "
              + String.join(", ", known.keySet()) + " (define it under magnitude.datasets)");
        }
        if (other.equals(train)) {
          throw e.invalid(key, others, "datasets other than " + train + " (its own eval split is always scored)");
        }
        DatasetSpec.Task otherTask = known.get(other).task();
        if (scoringGroup(otherTask) != scoringGroup(task)) {
          throw new ConfigError(e.full(key) + ": runs on " + train + " (task " + task.id() + ") cannot be scored on "
              + other + " (task " + otherTask.id() + "): a run is scored on datasets of its own task only "
              + "(retrieval and qa together)");
        }
        if (!known.get(other).splits().contains(evalSplit)) {
          throw new ConfigError(e.full(key) + ": dataset " + other + " has no split " + evalSplit + " ("
              + b.full("eval-split") + "); its splits: " + known.get(other).splits());
        }
      }
      if (new java.util.HashSet<>(others).size() != others.size()) {
        throw e.invalid(key, others, "each dataset once");
      }
      if (!others.isEmpty()) {
        out.put(train, others);
      }
    }
    return out;
  }

  /** Tasks whose eval sets are scored the same way: retrieval and qa rank queries against a corpus. */
  private static DatasetSpec.Task scoringGroup(DatasetSpec.Task task) {
    return task == DatasetSpec.Task.QA ? DatasetSpec.Task.RETRIEVAL : task;
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
    Binder learned = b.child("learned");
    double alphaInit = learned.number("alpha-init", 0, 1);
    if (alphaInit <= 0 || alphaInit >= 1) {
      throw learned.invalid("alpha-init", alphaInit, "a number strictly between 0 and 1 (α = sigmoid(θ))");
    }
    Binder scale = b.child("logit-scale");
    boolean learnable = scale.bool("learnable");
    double scaleMax = scale.positive("max");
    if (learnable) {
      for (Map.Entry<Variant, Double> tau : temperature.entrySet()) {
        if (1 / tau.getValue() > scaleMax) {
          throw scale.invalid("max", scaleMax, "at least the initial scale 1/τ = " + (1 / tau.getValue())
              + " of variant " + tau.getKey() + " (temperature." + tau.getKey().id() + " = " + tau.getValue() + ")");
        }
      }
    }
    TrainSettings settings =
        new TrainSettings(
            e.string("kind", EncoderSpec.KINDS),
            e.integer("embedding-dim", 1),
            e.integer("layers", 1),
            e.integer("heads", 1),
            e.integer("max-length", 1),
            encoderTokenizer(e),
            b.integer("steps", 1),
            b.integer("batch-size", 2),
            b.positive("learning-rate"),
            b.integer("warmup-steps", 0),
            temperature,
            b.integer("checkpoint-every", 1),
            b.number("gradient-clip", 0, Double.MAX_VALUE),
            w.integer("threads", 1),
            w.strings("java-options"),
            b.integer("parallelism", 0),
            b.child("sts").number("positive-threshold", -Double.MAX_VALUE, Double.MAX_VALUE),
            b.integer("gpus-per-run", 0),
            // path and towers are newer than most hand-written test configurations: absent = the reference default
            e.has("path") ? e.string("path").strip() : "",
            e.has("towers") ? e.string("towers", EncoderSpec.TOWERS) : EncoderSpec.SHARED,
            alphaInit,
            learnable,
            scaleMax,
            b.has("hard-negatives") ? b.integer("hard-negatives", 0) : TrainSettings.DEFAULT_HARD_NEGATIVES,
            e.has("dropout") ? e.number("dropout", 0, 1) : EncoderSpec.DEFAULT_DROPOUT);
    if (settings.encoderDropout() >= 1) {
      throw e.invalid("dropout", settings.encoderDropout(), "a probability in [0, 1)");
    }
    if (!settings.encoderKind().equals(EncoderSpec.TRANSFORMER) && settings.encoderDropout() != EncoderSpec.DEFAULT_DROPOUT) {
      throw e.invalid("dropout", settings.encoderDropout(),
          EncoderSpec.DEFAULT_DROPOUT + " (only kind = transformer has dropout; kind = " + settings.encoderKind() + ")");
    }
    boolean torchscript = settings.encoderKind().equals(EncoderSpec.TORCHSCRIPT);
    if (torchscript && settings.encoderPath().isEmpty()) {
      throw e.invalid("path", "", "the path or URI of a TorchScript module (kind = torchscript needs one)");
    }
    if (!torchscript && !settings.encoderPath().isEmpty()) {
      throw e.invalid("path", settings.encoderPath(), "\"\" (only kind = torchscript reads a module)");
    }
    if (torchscript && settings.tokenizer().isEmpty()) {
      throw e.invalid("tokenizer", "",
          "the tokenizer.json of the TorchScript module (kind = torchscript: its token ids must be the data's)");
    }
    if (settings.encoderKind().equals(EncoderSpec.TRANSFORMER) && settings.embeddingDim() % settings.heads() != 0) {
      throw e.invalid("heads", settings.heads(), "a divisor of embedding-dim = " + settings.embeddingDim());
    }
    return settings;
  }

  private static String encoderTokenizer(Binder e) {
    String t = e.string("tokenizer").strip();
    if (!t.isEmpty() && !TrainSettings.isTokenizerFile(t) && !t.matches("(builtin|huggingface)-[0-9a-z-]+")) {
      throw e.invalid("tokenizer", t,
          "\"\" (the dataset's own), a tokenizer id (builtin-…, huggingface-…) or the path of a tokenizer.json");
    }
    return t;
  }

  public AggregateSettings aggregate() {
    Binder b = new Binder(config, M + ".aggregate");
    Binder boot = b.child("bootstrap");
    double level = boot.number("level", 0.5, 0.999);
    Binder norms = b.child("doc-norms");
    int topK = b.integer("top-k", 1);
    int depth = Math.min(norms.integer("retrieved-depth", 1), topK);
    return new AggregateSettings(topK, boot.integer("samples", 1), boot.longValue("seed"), level, depth,
        norms.integer("max-raw-rows", 0), norms.integer("histogram-bins", 1));
  }

  /** {@code magnitude.aggregate.significance}: the paired tests of variant comparisons and the verdict's level. */
  public SignificanceSettings significance() {
    Binder b = new Binder(config, M + ".aggregate.significance");
    return new SignificanceSettings(b.integer("permutations", 1), b.longValue("seed"), b.number("alpha", 1e-6, 0.5));
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
