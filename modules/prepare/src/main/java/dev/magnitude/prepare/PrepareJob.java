package dev.magnitude.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.images.ImageCaptionInput;
import dev.magnitude.prepare.images.ImageCaptionReader;
import dev.magnitude.prepare.io.HadoopFiles;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.msmarco.MsMarcoReader;
import dev.magnitude.prepare.qa.QaReader;
import dev.magnitude.prepare.sts.StsInput;
import dev.magnitude.prepare.sts.StsReader;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import dev.magnitude.prepare.tokenize.TextTokenizer;
import dev.magnitude.prepare.tokenize.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.ArraySeq;

/**
 * The prepare job: turns one dataset into tokenized Parquet tables under the work directory.
 *
 * <p>Output, under {@code <work>/prepared/<dataset>/} ({@link WorkDir}), each table in part-*.parquet
 * files with Spark's _SUCCESS, schemas in data-schemas/:
 *
 * <pre>
 * retrieval, qa  corpus/documents             id, text, token_ids                 (documents.avsc)
 *                &lt;split&gt;/queries               id, text, token_ids                 (queries.avsc): queries judged in the split
 *                &lt;split&gt;/qrels                 query_id, doc_id, relevance         (qrels.avsc)
 * qa             &lt;split&gt;/answers               query_id, answer                    (answers.avsc)
 * sts            &lt;split&gt;/pairs                 id, text_a, token_ids_a, text_b, token_ids_b, score (pairs.avsc)
 * image-text     &lt;split&gt;/images                id, file, width, height, png        (images.avsc)
 *                &lt;split&gt;/captions              id, image_id, text, token_ids       (captions.avsc)
 * every task     _quarantine                  file, line, reason, raw             (quarantine.avsc): every rejected row
 *                vocab.txt | tokenizer.json   the tokenizer's artifact: the built-in vocabulary, one word per line in
 *                                             id order, or the HuggingFace tokenizer.json used
 *                prepare-settings.json        what the dataset was prepared from ({@link PrepareSettings})
 *                manifest.json                {@link Manifest}
 *                _SUCCESS                     written last
 * </pre>
 *
 * <p>Format {@code synthetic} first generates its BEIR folder into {@code <work>/raw/<dataset>} ({@link
 * SyntheticRetrieval}). Each format's reader validates its files into a {@link RawInput} (valid rows, every
 * rejected row, per-file counts); a {@link TaskFlow} per task says which tables follow from it. The rest —
 * what this class does — is the same for every format. Files in the manifest are named as in the input
 * folder.
 *
 * <ul>
 *   <li><b>Atomic.</b> Everything is written under {@code prepared/.<dataset>.tmp-<uuid>}, which is renamed
 *       to {@code prepared/<dataset>} when complete, and {@code _SUCCESS} is written after the rename. A
 *       killed job leaves a temporary folder (removed by the next prepare of the dataset) or a folder
 *       without {@code _SUCCESS}, never something that looks finished. Two concurrent prepares of one
 *       dataset are not supported.
 *   <li><b>Idempotent.</b> When {@code _SUCCESS} exists and the stored {@link PrepareSettings} equal the
 *       current ones (tokenizer, splits, shard bound, format settings, generator spec or input files' sizes
 *       and modification times; image files themselves are not fingerprinted), the stored manifest is returned and nothing is recomputed; {@code force} redoes it.
 *   <li><b>Deterministic.</b> Equal input and settings give the same rows in the same shards ({@link
 *       ShardedTable}) and the same {@link Manifest#contentHash()}: SHA-256 over the schema version, the
 *       tokenizer id, the tokenizer's artifact and each table's row count and order-independent row hash.
 *   <li><b>Scalable.</b> Nothing is collected on the driver but counts, per-reason counts and the top
 *       max-vocabulary words.
 * </ul>
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

  /** Table name of the quarantine in {@link Manifest#tables()}. */
  public static final String QUARANTINE_TABLE = "_quarantine";

  /** The setting that bounds the quarantined fraction of each input file, named in the job's message. */
  public static final String MAX_QUARANTINED_FRACTION_KEY = "magnitude.prepare.max-quarantined-fraction";

  private final SparkSession spark;

  /** The job bound to a session, for callers that prepare several datasets. */
  public PrepareJob(SparkSession spark) {
    this.spark = spark;
  }

  /** Same as {@link #prepare(SparkSession, WorkDir, DatasetSpec, boolean)} in this job's session. */
  public Manifest prepare(WorkDir work, DatasetSpec dataset, boolean force) {
    return prepare(spark, work, dataset, force);
  }

  /**
   * Prepares {@code dataset} into {@code work}, or returns the manifest of an identical earlier prepare.
   *
   * @param force prepare again even when a finished, identical preparation exists
   * @return the manifest of the prepared dataset
   * @throws IllegalArgumentException when the input cannot be prepared (a missing or empty file, no valid
   *     documents, no judged training query, an input file with more than max-quarantined-fraction of its
   *     rows quarantined, bad splits); the message names the file or setting. Nothing is committed then.
   */
  public static Manifest prepare(SparkSession spark, WorkDir work, DatasetSpec dataset, boolean force) {
    checkSplits(dataset);
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    String name = dataset.name();
    boolean synthetic = dataset.format().equals("synthetic");
    String raw = synthetic ? rawFolder(work, name) : dataset.path();
    PrepareSettings settings =
        PrepareSettings.of(dataset, Tables.SCHEMA_VERSION, inputFiles(files, raw, dataset));
    if (!force) {
      Manifest done = finished(files, work, name, settings);
      if (done != null) {
        return done;
      }
    } else {
      LOG.info("prepare {}: force: preparing {} whatever is there", name, work.dataset(name));
    }

    SparkContext sc = spark.sparkContext();
    // The caller's job group and description (a sweep's, say) are put back afterwards.
    String callerGroup = sc.getLocalProperty("spark.jobGroup.id");
    String callerDescription = sc.getLocalProperty("spark.job.description");
    sc.setJobGroup("prepare-" + name, "prepare dataset " + name, false);
    long start = System.nanoTime();
    try {
      for (String stale : files.glob(work.prepared() + "/." + name + ".tmp-*")) {
        LOG.info("prepare {}: removing the temporary folder of an unfinished earlier run: {}", name, stale);
        files.delete(stale);
      }
      if (synthetic) {
        generate(files, work, dataset);
      }
      String tmp = work.prepared() + "/." + name + ".tmp-" + UUID.randomUUID();
      Manifest manifest;
      try {
        manifest = new Preparation(spark, files, work, dataset, raw, tmp).run(settings);
      } catch (RuntimeException e) {
        deleteQuietly(files, tmp);
        throw e;
      }
      commit(files, tmp, work.dataset(name));
      LOG.info(
          "prepare {}: done in {} s: tables {}, {} rows quarantined, content hash {}",
          name,
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9),
          manifest.tables(),
          manifest.quarantined(),
          manifest.contentHash());
      return manifest;
    } finally {
      sc.clearJobGroup();
      if (callerGroup != null) {
        sc.setJobGroup(callerGroup, callerDescription, false);
      } else if (callerDescription != null) {
        sc.setJobDescription(callerDescription);
      }
    }
  }

  /** Where format synthetic generates its BEIR folder. */
  public static String rawFolder(WorkDir work, String dataset) {
    return work.root() + "/raw/" + dataset;
  }

  // ---------------------------------------------------------------------------------------------------

  private static void checkSplits(DatasetSpec dataset) {
    Set<String> seen = new HashSet<>();
    for (String split : dataset.splits()) {
      if (!seen.add(split)) {
        throw new IllegalArgumentException(
            "dataset " + dataset.name() + " lists split '" + split + "' twice in splits " + dataset.splits()
                + "; list each split once");
      }
      if (!split.matches("[a-z0-9][a-z0-9_-]*") || split.equals(WorkDir.CORPUS)) {
        throw new IllegalArgumentException(
            "dataset " + dataset.name() + " split '" + split + "' must match [a-z0-9][a-z0-9_-]* (it is used in "
                + "paths) and must not be '" + WorkDir.CORPUS + "' (the folder of the documents)");
      }
    }
    if (dataset.format().equals("synthetic")) {
      if (!SyntheticRetrieval.SPLITS.containsAll(dataset.splits()) || !dataset.trainSplit().equals("train")) {
        throw new IllegalArgumentException(
            "dataset " + dataset.name() + " (format synthetic) has splits " + dataset.splits()
                + "; the generator makes train, dev and test: list some of them, train first");
      }
    }
  }

  /** The input files of a dataset relative to its folder: what its reader reads, but image files. */
  static List<String> inputFileNames(DatasetSpec dataset) {
    return switch (dataset.format()) {
      case "synthetic" -> List.of();
      case "beir" -> BeirReader.files(dataset.splits());
      case "msmarco" -> MsMarcoReader.files(dataset.splits());
      case "qa" -> QaReader.files(dataset.splits());
      case "sts" -> StsReader.files(dataset.splits(), dataset.sts());
      case "coco", "captions-jsonl" -> ImageCaptionReader.files(dataset.format(), dataset.splits(), dataset.images());
      default -> throw new IllegalArgumentException("dataset " + dataset.name() + ": unknown format " + dataset.format());
    };
  }

  private static List<PrepareSettings.InputFile> inputFiles(HadoopFiles files, String folder, DatasetSpec dataset) {
    List<PrepareSettings.InputFile> inputs = new ArrayList<>();
    for (String file : inputFileNames(dataset)) {
      String uri = folder + "/" + file;
      if (files.exists(uri)) {
        FileStatus status = files.status(uri);
        inputs.add(new PrepareSettings.InputFile(file, status.getLen(), status.getModificationTime()));
      } else {
        // The reader reports the missing file; here it only has to differ from any earlier state.
        inputs.add(new PrepareSettings.InputFile(file, -1, -1));
      }
    }
    String tokenizer = dataset.tokenizer().path();
    if (tokenizer != null) {
      // Tokenizers.fit reports a missing file.
      FileStatus status = files.exists(tokenizer) ? files.status(tokenizer) : null;
      inputs.add(new PrepareSettings.InputFile(tokenizer, status == null ? -1 : status.getLen(),
          status == null ? -1 : status.getModificationTime()));
    }
    return inputs;
  }

  /** The manifest of a finished, identical preparation, or null. */
  private static Manifest finished(HadoopFiles files, WorkDir work, String name, PrepareSettings settings) {
    String dir = work.dataset(name);
    if (!files.exists(dir + "/" + WorkDir.SUCCESS)) {
      LOG.info("prepare {}: no finished preparation at {}; preparing", name, dir);
      return null;
    }
    String stored = dir + "/" + PrepareSettings.FILE;
    if (!files.exists(stored) || !files.readString(stored).equals(settings.toJson())) {
      LOG.info("prepare {}: settings or input changed since {} was prepared; preparing again", name, dir);
      return null;
    }
    try {
      String uri = work.manifest(name);
      Manifest manifest = ChecksummedJson.read(files.readString(uri), Manifest.class, uri);
      LOG.info(
          "prepare {}: already prepared at {} with the same settings (content hash {}); skipping (force to redo)",
          name, dir, manifest.contentHash());
      return manifest;
    } catch (RuntimeException e) {
      LOG.warn("prepare {}: cannot read {} ({}); preparing again", name, work.manifest(name), e.getMessage());
      return null;
    }
  }

  private static void generate(HadoopFiles files, WorkDir work, DatasetSpec dataset) {
    String name = dataset.name();
    String raw = rawFolder(work, name);
    String tmp = work.root() + "/raw/." + name + ".tmp-" + UUID.randomUUID();
    LOG.info("prepare {}: generating synthetic BEIR folder {} from {}", name, raw, dataset.synthetic());
    SyntheticRetrieval.Generated data = SyntheticRetrieval.generate(dataset.synthetic());
    try {
      SyntheticRetrieval.writeBeir(data, dataset.splits(), relative -> files.create(tmp + "/" + relative));
    } catch (IOException e) {
      deleteQuietly(files, tmp);
      throw new UncheckedIOException("cannot write synthetic dataset " + name + " to " + tmp + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(files, tmp);
      throw e;
    }
    files.delete(raw);
    files.rename(tmp, raw);
  }

  private static void commit(HadoopFiles files, String tmp, String target) {
    if (files.exists(target)) {
      // _SUCCESS first: if the job dies between these steps, what remains does not look finished.
      files.delete(target + "/" + WorkDir.SUCCESS);
      files.delete(target);
    }
    files.rename(tmp, target);
    files.writeString(target + "/" + WorkDir.SUCCESS, "");
  }

  private static void deleteQuietly(HadoopFiles files, String uri) {
    try {
      files.delete(uri);
    } catch (RuntimeException e) {
      LOG.warn("cannot remove {}: {}", uri, e.getMessage());
    }
  }

  static String sha256Hex(String s) {
    return sha256Hex(s.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** One preparation into a temporary folder. */
  private static final class Preparation {
    private final SparkSession spark;
    private final HadoopFiles files;
    private final WorkDir work;
    private final DatasetSpec dataset;
    private final String name;
    private final String raw;
    private final String tmp;

    Preparation(SparkSession spark, HadoopFiles files, WorkDir work, DatasetSpec dataset, String raw, String tmp) {
      this.spark = spark;
      this.files = files;
      this.work = work;
      this.dataset = dataset;
      this.name = dataset.name();
      this.raw = raw;
      this.tmp = tmp;
    }

    Manifest run(PrepareSettings settings) {
      stage("read", "reading " + dataset.format() + " folder " + raw + " (splits " + String.join(", ", dataset.splits())
          + ")");
      // A tokenizer.json is read before the input, so a bad path fails at once, not after minutes of reading.
      TextTokenizer given = dataset.tokenizer().builtin() ? null : fitTokenizer(null);
      try (TaskFlow flow = flow(read())) {
        RawInput input = flow.input();
        LOG.info("prepare {}: rows read per file {}, of which rejected {}", name, new TreeMap<>(input.rowsIn()),
            new TreeMap<>(input.rejectedIn()));
        String problem = flow.unusable();
        if (problem != null) {
          throw nothingValid(input, problem);
        }
        checkQuarantinedFraction(input);

        stage("vocabulary", "fitting the " + dataset.tokenizer().kind() + " tokenizer");
        TextTokenizer tokenizer = given != null ? given : fitTokenizer(flow);
        LOG.info("prepare {}: tokenizer {} ({}), id space {}", name, tokenizer.id(), tokenizer.artifactName(),
            tokenizer.info().vocabularySize());

        Broadcast<TextTokenizer> broadcast =
            JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(tokenizer);
        Map<String, ShardedTable.Table> written = new TreeMap<>();
        try {
          for (TaskFlow.Output table : flow.outputs(broadcast)) {
            write(table.name(), table.rows(), table.schema(), table.path(), table.count(), table.keys());
            written.put(table.name(), new ShardedTable.Table(staged(table.path()), table.schema()));
          }
          long rejected = input.rejectedIn().values().stream().mapToLong(Long::longValue).sum();
          write(QUARANTINE_TABLE, input.quarantine(), PreparedSchemas.QUARANTINE, work.quarantine(name),
              rejected, "file", "line");
          written.put(QUARANTINE_TABLE, new ShardedTable.Table(staged(work.quarantine(name)), PreparedSchemas.QUARANTINE));
        } finally {
          broadcast.destroy();
        }
        files.writeBytes(staged(work.dataset(name) + "/" + tokenizer.artifactName()), tokenizer.artifact());

        stage("manifest", "reading back the written tables");
        Map<String, ShardedTable.Stats> stats = ShardedTable.stats(spark, written);
        Map<String, Long> tables = new TreeMap<>();
        stats.forEach((table, s) -> tables.put(table, s.rows()));
        Map<String, Long> writtenPerFile =
            flow.written(stats, table -> ShardedTable.read(spark, written.get(table).path(), written.get(table).schema()));
        Manifest manifest =
            new Manifest(
                name,
                dataset.format(),
                dataset.task().id(),
                Tables.SCHEMA_VERSION,
                tokenizer.info(),
                dataset.splits(),
                accounting(input.rowsIn(), writtenPerFile),
                tables,
                contentHash(tokenizer, stats));
        files.writeString(staged(work.manifest(name)), ChecksummedJson.seal(manifest.toJson()));
        files.writeString(staged(work.dataset(name) + "/" + PrepareSettings.FILE), settings.toJson());
        return manifest;
      }
    }

    private RawInput read() {
      try {
        return switch (dataset.format()) {
          case "synthetic", "beir" -> new BeirReader(spark).read(raw, dataset.splits());
          case "msmarco" -> new MsMarcoReader(spark).read(raw, dataset.splits());
          case "qa" -> new QaReader(spark).read(raw, dataset.splits());
          case "sts" -> new StsReader(spark).read(raw, dataset.splits(), dataset.sts());
          case "coco", "captions-jsonl" ->
              new ImageCaptionReader(spark).read(dataset.format(), raw, dataset.splits(), dataset.images());
          default -> throw new IllegalArgumentException("unknown format " + dataset.format());
        };
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("dataset " + name + ": " + e.getMessage(), e);
      }
    }

    private TaskFlow flow(RawInput input) {
      try {
        return switch (dataset.task()) {
          case RETRIEVAL, QA -> new RetrievalFlow(dataset, work, input);
          case STS -> new StsFlow(dataset, work, (StsInput) input);
          case IMAGE_TEXT -> new ImageTextFlow(dataset, work, (ImageCaptionInput) input);
        };
      } catch (RuntimeException e) {
        input.close();
        throw e;
      }
    }

    private TextTokenizer fitTokenizer(TaskFlow flow) {
      try {
        // Only the built-in tokenizer counts a vocabulary over the texts; a flow is needed for it alone.
        TextTokenizer tokenizer =
            Tokenizers.fit(dataset.tokenizer(), flow == null ? null : flow.vocabularyTexts(), files.conf());
        if (tokenizer instanceof BuiltinTokenizer builtin && builtin.vocabulary().isEmpty()) {
          LOG.warn("prepare {}: the vocabulary is empty (no word is seen min-count = {} times); every word "
              + "maps to a hash bucket or [UNK]", name, dataset.tokenizer().minCount());
        }
        return tokenizer;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("dataset " + name + ": " + e.getMessage(), e);
      }
    }

    private void write(String table, Dataset<Row> rows, StructType schema, String finalPath, long count, String... keys) {
      stage("write", "writing " + table + " (" + count + " rows)");
      ShardedTable.write(rows, schema, staged(finalPath), dataset.shardMaxRows(), count, keys);
    }

    /** in = written + quarantined per input file, the quarantined side counted from what was written. */
    private Map<String, FileCounts> accounting(Map<String, Long> rowsIn, Map<String, Long> written) {
      Map<String, Long> quarantined = new TreeMap<>();
      ShardedTable.read(spark, staged(work.quarantine(name)), PreparedSchemas.QUARANTINE)
          .groupBy("file").count().collectAsList()
          .forEach(r -> quarantined.put(r.getString(0), r.getLong(1)));
      Map<String, FileCounts> counts = new TreeMap<>();
      for (Map.Entry<String, Long> in : rowsIn.entrySet()) {
        String file = in.getKey();
        try {
          counts.put(file, new FileCounts(in.getValue(), written.getOrDefault(file, 0L),
              quarantined.getOrDefault(file, 0L)));
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("prepare " + name + ": row accounting of " + file + " failed (a bug): "
              + e.getMessage(), e);
        }
      }
      return counts;
    }

    private String contentHash(TextTokenizer tokenizer, Map<String, ShardedTable.Stats> stats) {
      StringBuilder canonical = new StringBuilder("magnitude prepared dataset\n")
          .append("schema-version=").append(Tables.SCHEMA_VERSION).append('\n')
          .append("tokenizer=").append(tokenizer.id()).append('\n')
          .append(tokenizer.artifactName()).append(" sha256=").append(sha256Hex(tokenizer.artifact())).append('\n');
      stats.forEach((table, s) -> canonical.append(table).append(" rows=").append(s.rows())
          .append(" xxhash64-sum=").append(Long.toHexString(s.hash())).append('\n'));
      return sha256Hex(canonical.toString());
    }

    /**
     * Fails when an input file has more than max-quarantined-fraction of its rows quarantined (files without
     * rows are not checked). Uses the per-file counts of the reader; only when a file is over the limit are
     * its rejections counted by reason, in one aggregate.
     */
    private void checkQuarantinedFraction(RawInput input) {
      double max = dataset.maxQuarantinedFraction();
      List<String> over = new ArrayList<>();
      for (String file : input.rowsIn().keySet().stream().sorted().toList()) {
        long in = input.rowsIn().getOrDefault(file, 0L);
        long quarantined = input.rejectedIn().getOrDefault(file, 0L);
        if (in > 0 && (double) quarantined / in > max) {
          over.add(file);
        }
      }
      if (over.isEmpty()) {
        return;
      }
      Map<String, Map<String, Long>> reasons = reasonCounts(input);
      // Valid queries nobody judged are not bad rows: the official MS MARCO query files hold many of them.
      over.removeIf(file -> (double) counted(input, file, reasons) / input.rowsIn().get(file) <= max);
      if (over.isEmpty()) {
        return;
      }
      for (String file : over.subList(1, over.size())) {
        LOG.error("prepare {}: {} is also over the quarantine limit: {}", name, file,
            quarantinedSummary(input, file, reasons));
      }
      throw new IllegalArgumentException("dataset " + name + ": " + over.get(0) + ": "
          + quarantinedSummary(input, over.get(0), reasons));
    }

    /** Quarantined rows of a file the limit counts: all but {@link Reasons#NO_JUDGEMENTS}. */
    private static long counted(RawInput input, String file, Map<String, Map<String, Long>> reasons) {
      return input.rejectedIn().get(file) - reasons.getOrDefault(file, Map.of()).getOrDefault(Reasons.NO_JUDGEMENTS, 0L);
    }

    private String quarantinedSummary(RawInput input, String file, Map<String, Map<String, Long>> allReasons) {
      Map<String, Long> reasons = allReasons.getOrDefault(file, Map.of());
      long in = input.rowsIn().get(file);
      long quarantined = input.rejectedIn().get(file);
      long counted = counted(input, file, allReasons);
      List<String> commonest = reasons.entrySet().stream()
          .filter(e -> !e.getKey().equals(Reasons.NO_JUDGEMENTS))
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(3)
          .map(e -> e.getKey() + " (" + e.getValue() + ")")
          .toList();
      String unjudged = counted == quarantined ? ""
          : " (not counting " + (quarantined - counted) + " unjudged queries)";
      return counted + " of " + in + " rows quarantined" + unjudged + " ("
          + String.format(Locale.ROOT, "%.1f", 100.0 * counted / in) + "%), more than "
          + MAX_QUARANTINED_FRACTION_KEY + " = " + dataset.maxQuarantinedFraction() + "; commonest reasons: "
          + String.join(", ", commonest);
    }

    /** Quarantined rows per file and reason, in one aggregate (a few rows per file reach the driver). */
    private static Map<String, Map<String, Long>> reasonCounts(RawInput input) {
      Map<String, Map<String, Long>> counts = new TreeMap<>();
      input.quarantine().groupBy("file", "reason").count().collectAsList()
          .forEach(r -> counts.computeIfAbsent(r.getString(0), f -> new TreeMap<>()).put(r.getString(1), r.getLong(2)));
      return counts;
    }

    private IllegalArgumentException nothingValid(RawInput input, String problem) {
      Map<String, Long> reasons = new TreeMap<>();
      reasonCounts(input).forEach((file, byReason) ->
          byReason.forEach((reason, n) -> reasons.put(file + ": " + reason, n)));
      return new IllegalArgumentException("dataset " + name + ": " + problem + "; rows read per file "
          + new TreeMap<>(input.rowsIn()) + ", quarantined by reason " + reasons
          + "; fix the input files and prepare again");
    }

    /** The temporary location of a final path under prepared/&lt;dataset&gt;. */
    private String staged(String finalPath) {
      String base = work.dataset(name);
      if (!finalPath.startsWith(base)) {
        throw new IllegalStateException(finalPath + " is not under " + base);
      }
      return tmp + finalPath.substring(base.length());
    }

    private void stage(String stage, String message) {
      spark.sparkContext().setJobDescription("prepare " + name + ": " + stage);
      LOG.info("prepare {}: {}", name, message);
    }
  }

}
