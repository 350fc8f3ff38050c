package dev.magnitude.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.SyntheticSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.beir.BrokenBeir;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval.Document;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedSpark.class)
class PrepareJobTest {
  private static final SyntheticSpec SYNTHETIC = new SyntheticSpec(200, 10, 60, 20, 20, 7);
  private static final TokenizerSpec TOKENIZER = new TokenizerSpec(2, 5000, 64, 32);
  private static final List<String> SPLITS = List.of("train", "dev", "test");
  private static final int SHARD_MAX_ROWS = 50;
  private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));

  @TempDir Path tmp;

  private static DatasetSpec synthetic(TokenizerSpec tokenizer) {
    return new DatasetSpec("synth", "synthetic", null, SPLITS, SYNTHETIC, tokenizer, SHARD_MAX_ROWS, 0.5);
  }

  private WorkDir work(String name) {
    return new WorkDir(tmp.resolve(name).toUri().toString());
  }

  private static Path local(String uri) {
    return Path.of(java.net.URI.create(uri));
  }

  @Test
  void preparesSyntheticDatasetWithAvscSchemasBoundedShardsMatchingTokensDeterministically(SparkSession spark) throws IOException {
    WorkDir work = work("w");
    Manifest manifest = PrepareJob.prepare(spark, work, synthetic(TOKENIZER), false);
    SyntheticRetrieval.Generated data = SyntheticRetrieval.generate(SYNTHETIC);

    // Row counts: a second route through the generator's in-memory dataset.
    Map<String, Long> expectedTables = new TreeMap<>();
    expectedTables.put("corpus/documents", 200L);
    expectedTables.put("train/queries", 60L);
    expectedTables.put("dev/queries", 20L);
    expectedTables.put("test/queries", 20L);
    SPLITS.forEach(s -> expectedTables.put(s + "/qrels", (long) data.qrels().get(s).size()));
    expectedTables.put(PrepareJob.QUARANTINE_TABLE, 0L);
    assertThat(manifest.tables()).isEqualTo(expectedTables);
    Map<String, FileCounts> expectedFiles = new TreeMap<>();
    expectedFiles.put("corpus.jsonl", new FileCounts(200, 200, 0));
    expectedFiles.put("queries.jsonl", new FileCounts(100, 100, 0));
    SPLITS.forEach(s -> {
      long n = data.qrels().get(s).size();
      expectedFiles.put("qrels/" + s + ".tsv", new FileCounts(n, n, 0));
    });
    assertThat(manifest.files()).isEqualTo(expectedFiles);
    assertThat(manifest.dataset()).isEqualTo("synth");
    assertThat(manifest.format()).isEqualTo("synthetic");
    assertThat(manifest.splits()).isEqualTo(SPLITS);
    assertThat(manifest.contentHash()).matches("[0-9a-f]{64}");
    assertThat(Manifest.fromJson(Files.readString(local(work.manifest("synth"))))).isEqualTo(manifest);

    // The tokenizer, rebuilt from vocab.txt, gives every written document its token ids.
    List<String> vocabulary = Files.readAllLines(local(work.vocabulary("synth")));
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(TOKENIZER, vocabulary);
    assertThat(manifest.tokenizer()).isEqualTo(tokenizer.info());
    assertThat(manifest.tokenizer().vocabularySize()).isEqualTo(4 + vocabulary.size() + 64);
    Map<String, Document> generated = data.documents().stream().collect(Collectors.toMap(Document::id, Function.identity()));
    List<Row> documents = spark.read().parquet(work.documents("synth")).collectAsList();
    assertThat(documents).hasSize(200);
    for (Row r : documents) {
      Document d = generated.get(r.getString(0));
      assertThat(r.getString(1)).isEqualTo(d.title().isEmpty() ? d.text() : d.title() + " " + d.text());
      assertThat(r.<Integer>getList(2)).containsExactly(box(tokenizer.encode(r.getString(1))));
      assertThat(r.getList(2)).hasSizeLessThanOrEqualTo(32);
    }

    // Every table: columns as in data-schemas, at most SHARD_MAX_ROWS rows per file, Spark's _SUCCESS.
    Map<String, String> avsc = new LinkedHashMap<>();
    avsc.put(work.documents("synth"), "documents");
    for (String split : SPLITS) {
      avsc.put(work.table("synth", split, "queries"), "queries");
      avsc.put(work.table("synth", split, "qrels"), "qrels");
    }
    for (Map.Entry<String, String> table : avsc.entrySet()) {
      Path folder = local(table.getKey());
      List<Path> parts = ParquetFiles.parts(folder);
      assertThat(parts).as(table.getKey()).isNotEmpty();
      String expected = ParquetFiles.shape(ParquetFiles.avsc(table.getValue()));
      for (Path part : parts) {
        assertThat(ParquetFiles.shape(ParquetFiles.avroSchema(part))).as(part.toString()).isEqualTo(expected);
        assertThat(ParquetFiles.rows(part)).as(part.toString()).isBetween(1L, (long) SHARD_MAX_ROWS);
      }
      assertThat(folder.resolve("_SUCCESS")).exists();
    }
    List<Path> documentShards = ParquetFiles.parts(local(work.documents("synth")));
    assertThat(documentShards.size()).isGreaterThanOrEqualTo(200 / SHARD_MAX_ROWS);
    assertThat(documentShards.stream().mapToLong(ParquetFiles::rows).sum()).isEqualTo(200);

    assertThat(local(work.dataset("synth")).resolve("_SUCCESS")).exists();
    assertThat(local(work.quarantine("synth")).resolve("_SUCCESS")).exists();
    assertThat(local(PrepareJob.rawFolder(work, "synth")).resolve("corpus.jsonl")).exists();
    try (Stream<Path> prepared = Files.list(local(work.prepared()))) {
      assertThat(prepared.map(p -> p.getFileName().toString())).containsExactly("synth");
    }

    // Deterministic: a second prepare into another work directory writes the same rows into the same
    // shards, in the same order, and has the same manifest (content hash included).
    WorkDir other = work("other");
    assertThat(PrepareJob.prepare(spark, other, synthetic(TOKENIZER), false)).isEqualTo(manifest);
    for (String table : List.of("corpus/documents", "train/queries", "train/qrels")) {
      String split = table.substring(0, table.indexOf('/'));
      String name = table.substring(table.indexOf('/') + 1);
      String column = name.equals("qrels") ? "doc_id" : "id";
      Map<String, List<String>> shards = shardContents(spark, local(work.table("synth", split, name)), column);
      assertThat(shards).as(table).hasSizeGreaterThan(1)
          .isEqualTo(shardContents(spark, local(other.table("synth", split, name)), column));
    }
  }

  @Test
  void secondPrepareSkipsUnlessForcedOrSettingsChange(SparkSession spark) throws IOException {
    WorkDir work = work("w");
    Manifest first = PrepareJob.prepare(spark, work, synthetic(TOKENIZER), false);
    Path manifestFile = local(work.manifest("synth"));
    // Backdate the manifest: a prepare that skips leaves it as it is; one that works rewrites it.
    Files.setLastModifiedTime(manifestFile, LONG_AGO);
    int jobs = spark.sparkContext().statusTracker().getJobIdsForGroup("prepare-synth").length;

    Manifest again = PrepareJob.prepare(spark, work, synthetic(TOKENIZER), false);
    assertThat(again).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(manifestFile)).isEqualTo(LONG_AGO);
    assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup("prepare-synth")).hasSize(jobs);

    Manifest forced = new PrepareJob(spark).prepare(work, synthetic(TOKENIZER), true);
    assertThat(forced).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(manifestFile)).isNotEqualTo(LONG_AGO);

    Files.setLastModifiedTime(manifestFile, LONG_AGO);
    TokenizerSpec shorter = new TokenizerSpec(2, 5000, 64, 8);
    Manifest changed = PrepareJob.prepare(spark, work, synthetic(shorter), false);
    assertThat(Files.getLastModifiedTime(manifestFile)).isNotEqualTo(LONG_AGO);
    assertThat(changed.tokenizer().maxLength()).isEqualTo(8);
    assertThat(changed.tokenizer().id()).isNotEqualTo(first.tokenizer().id());
    assertThat(changed.contentHash()).isNotEqualTo(first.contentHash());
    assertThat(changed.tables()).isEqualTo(first.tables());
  }

  /**
   * A manifest changed in place without its .crc side file (a file system without checksums). Before, the
   * second prepare skipped and returned the changed counts as the dataset's; its sha256 member now makes it the
   * damaged case, which prepares again.
   */
  @Test
  void aManifestDamagedInPlaceIsPreparedAgainNotTrusted(SparkSession spark) throws IOException {
    WorkDir work = work("w");
    Manifest first = PrepareJob.prepare(spark, work, synthetic(TOKENIZER), false);
    Path manifestFile = local(work.manifest("synth"));
    String written = Files.readString(manifestFile);
    assertThat(written).contains("\"sha256\" : \"").contains("\"corpus/documents\" : 200,");
    Files.writeString(manifestFile, written.replace("\"corpus/documents\" : 200,", "\"corpus/documents\" : 201,"));
    Files.delete(manifestFile.resolveSibling(".manifest.json.crc"));
    Files.setLastModifiedTime(manifestFile, LONG_AGO);

    Manifest again = PrepareJob.prepare(spark, work, synthetic(TOKENIZER), false);
    assertThat(again).isEqualTo(first);
    assertThat(again.tables().get("corpus/documents")).isEqualTo(200L);
    assertThat(Files.getLastModifiedTime(manifestFile)).isNotEqualTo(LONG_AGO);
    assertThat(Files.readString(manifestFile)).isEqualTo(written);
  }

  @Test
  void brokenBeirInputIsQuarantinedAndAccountedPerFile(SparkSession spark) throws IOException {
    Path folder = BrokenBeir.write(tmp.resolve("raw"));
    DatasetSpec beir = new DatasetSpec(
        "broken", "beir", folder.toUri().toString(), List.of("train", "test"), null, new TokenizerSpec(1, 100, 0, 8), 4,
        1.0); // BrokenBeir quarantines over half of corpus.jsonl and qrels/train.tsv
    WorkDir work = work("w");
    Manifest manifest = PrepareJob.prepare(spark, work, beir, false);

    Map<String, FileCounts> expected = new TreeMap<>();
    BrokenBeir.ROWS.forEach((file, in) ->
        expected.put(file, new FileCounts(in, BrokenBeir.WRITTEN.get(file), in - BrokenBeir.WRITTEN.get(file))));
    assertThat(manifest.files()).isEqualTo(expected);
    assertThat(manifest.quarantined()).isEqualTo(17);
    assertThat(manifest.tables()).containsEntry(PrepareJob.QUARANTINE_TABLE, 17L)
        .containsEntry("corpus/documents", 4L).containsEntry("train/queries", 2L).containsEntry("test/qrels", 2L);

    Map<String, Long> byReason = TestRows.byReason(ShardedTable.read(spark, work.quarantine("broken"), PreparedSchemas.QUARANTINE));
    assertThat(byReason).isEqualTo(new TreeMap<>(BrokenBeir.QUARANTINED_BY_REASON));
    String quarantineShape = ParquetFiles.shape(ParquetFiles.avsc("quarantine"));
    for (Path part : ParquetFiles.parts(local(work.quarantine("broken")))) {
      assertThat(ParquetFiles.shape(ParquetFiles.avroSchema(part))).isEqualTo(quarantineShape);
      assertThat(ParquetFiles.rows(part)).isLessThanOrEqualTo(4);
    }

    // The input is part of the settings: a changed qrels file is prepared again.
    assertThat(PrepareJob.prepare(spark, work, beir, false)).isEqualTo(manifest);
    Files.writeString(folder.resolve("qrels/test.tsv"), "q2\td2\t1\n", java.nio.file.StandardOpenOption.APPEND);
    Manifest changed = PrepareJob.prepare(spark, work, beir, false);
    assertThat(changed.files().get("qrels/test.tsv")).isEqualTo(new FileCounts(3, 3, 0));
    assertThat(changed.tables()).containsEntry("test/queries", 3L);
  }

  @Test
  void emptyCorpusFailsNamingTheFileAndLeavesNothingThatLooksFinished(SparkSession spark) throws IOException {
    Path folder = BrokenBeir.write(tmp.resolve("raw"));
    Files.writeString(folder.resolve("corpus.jsonl"), "");
    DatasetSpec beir = new DatasetSpec(
        "empty", "beir", folder.toUri().toString(), List.of("train", "test"), null, TOKENIZER, 10, 0.5);
    WorkDir work = work("w");
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work, beir, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corpus.jsonl at " + folder.toUri().toString().replaceAll("/$", "") + "/corpus.jsonl")
        .hasMessageContaining("is empty (no rows)");
    // No dataset folder and no temporary folder: prepared/ is empty or was never made.
    assertThat(local(work.prepared())).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void fileOverTheQuarantineLimitFailsNamingItsCommonestReasonsAndCommitsNothing(SparkSession spark)
      throws IOException {
    Path folder = BrokenBeir.write(tmp.resolve("raw"));
    // 11 rows, 7 quarantined: invalid JSON 4, empty text 2, missing id 1; d1, d2, d5 and 7 are the valid
    // documents BrokenBeir's qrels judge.
    Files.writeString(folder.resolve("corpus.jsonl"), String.join("\n",
        "{\"_id\":\"d1\",\"text\":\"first document\"}",
        "not json",
        "{\"_id\":\"e1\",\"text\":\"\"}",
        "{\"_id\":\"d2\",\"text\":\"second document\"}",
        "{broken",
        "{\"text\":\"no id\"}",
        "still not json",
        "{\"_id\":\"e2\",\"title\":\" \",\"text\":\" \"}",
        "{\"_id\":\"d5\",\"text\":\"fifth document\"}",
        "nope",
        "{\"_id\":7,\"text\":\"numeric id\"}") + "\n");
    WorkDir work = work("w");
    DatasetSpec strict = new DatasetSpec(
        "mine", "beir", folder.toUri().toString(), List.of("train", "test"), null, new TokenizerSpec(1, 100, 0, 8), 4,
        0.5);
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work, strict, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dataset mine: corpus.jsonl: 7 of 11 rows quarantined (63.6%), more than "
            + "magnitude.prepare.max-quarantined-fraction = 0.5; commonest reasons: invalid JSON (4), empty text (2), "
            + "missing id (1)");
    // Nothing committed, and the temporary folder is gone.
    assertThat(local(work.dataset("mine"))).doesNotExist();
    assertThat(local(work.prepared())).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());

    DatasetSpec lenient = new DatasetSpec(
        "mine", "beir", folder.toUri().toString(), List.of("train", "test"), null, new TokenizerSpec(1, 100, 0, 8), 4,
        1.0);
    Manifest manifest = PrepareJob.prepare(spark, work, lenient, false);
    assertThat(manifest.files().get("corpus.jsonl")).isEqualTo(new FileCounts(11, 4, 7));
    assertThat(local(work.dataset("mine")).resolve(WorkDir.SUCCESS)).exists();
  }

  @Test
  void rejectsSplitsTheGeneratorDoesNotMake(SparkSession spark) {
    DatasetSpec bad = new DatasetSpec("synth", "synthetic", null, List.of("test", "train"), SYNTHETIC, TOKENIZER, 10, 0.5);
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work("w"), bad, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataset synth (format synthetic) has splits [test, train]")
        .hasMessageContaining("train first");
    DatasetSpec twice = new DatasetSpec("synth", "synthetic", null, List.of("train", "train"), SYNTHETIC, TOKENIZER, 10, 0.5);
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work("w"), twice, false))
        .hasMessageContaining("lists split 'train' twice");
  }

  private static Integer[] box(int[] ids) {
    return java.util.Arrays.stream(ids).boxed().toArray(Integer[]::new);
  }

  /** Each shard's column values in file order, keyed by partition and file number (not the job id). */
  private static Map<String, List<String>> shardContents(SparkSession spark, Path table, String column) {
    Pattern name = Pattern.compile("part-(\\d+)-.*-(c\\d+)\\..*parquet");
    Map<String, List<String>> shards = new TreeMap<>();
    for (Path part : ParquetFiles.parts(table)) {
      Matcher m = name.matcher(part.getFileName().toString());
      assertThat(m.matches()).as(part.toString()).isTrue();
      List<String> values = spark.read().parquet(part.toString()).select(column).collectAsList().stream()
          .map(r -> r.getString(0)).toList();
      shards.put(m.group(1) + "/" + m.group(2), values);
    }
    return shards;
  }
}
