package dev.magnitude.prepare.msmarco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Format msmarco through the prepare job: the same prepared tables and manifest as for BEIR. */
@ExtendWith(SharedSpark.class)
class MsMarcoPrepareTest {
  private static final List<String> SPLITS = List.of("train", "dev");
  private static final TokenizerSpec TOKENIZER = new TokenizerSpec(1, 100, 0, 8);

  @TempDir Path tmp;

  private static DatasetSpec msmarco(String name, Path folder) {
    return msmarco(name, folder, 0.5);
  }

  private static DatasetSpec msmarco(String name, Path folder, double maxQuarantinedFraction) {
    return new DatasetSpec(name, "msmarco", folder.toUri().toString(), SPLITS, null, TOKENIZER, 3, maxQuarantinedFraction);
  }

  @Test
  void preparesAnMsMarcoFolderEndToEnd(SparkSession spark) throws IOException {
    Path folder = MsMarcoFixtures.writeClean(tmp.resolve("raw"));
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    Manifest manifest = PrepareJob.prepare(spark, work, msmarco("marco", folder), false);

    assertThat(manifest.format()).isEqualTo("msmarco");
    assertThat(manifest.splits()).isEqualTo(SPLITS);
    Map<String, Long> tables = new TreeMap<>(Map.of(
        "corpus/documents", 5L, "train/queries", 2L, "train/qrels", 2L, "dev/queries", 1L, "dev/qrels", 2L,
        PrepareJob.QUARANTINE_TABLE, 0L));
    assertThat(manifest.tables()).isEqualTo(tables);
    assertThat(manifest.files()).isEqualTo(new TreeMap<>(Map.of(
        "collection.tsv", new FileCounts(5, 5, 0),
        "queries.train.tsv", new FileCounts(2, 2, 0),
        "queries.dev.tsv", new FileCounts(1, 1, 0),
        "qrels.train.tsv", new FileCounts(2, 2, 0),
        "qrels.dev.tsv", new FileCounts(2, 2, 0))));

    assertThat(read(spark, work.table("marco", "train", "queries"), PreparedSchemas.QUERIES, "id", "text"))
        .containsExactly("1048585|what was the manhattan project", "2|where is the eiffel tower");
    assertThat(read(spark, work.table("marco", "dev", "queries"), PreparedSchemas.QUERIES, "id", "text"))
        .containsExactly("1048578|who discovered penicillin");
    assertThat(read(spark, work.table("marco", "train", "qrels"), PreparedSchemas.QRELS, "query_id", "doc_id", "relevance"))
        .containsExactly("1048585|0|1", "2|1|1");
    assertThat(read(spark, work.table("marco", "dev", "qrels"), PreparedSchemas.QRELS, "query_id", "doc_id", "relevance"))
        .containsExactly("1048578|2|1", "1048578|4|1");
    List<Row> documents = ShardedTable.read(spark, work.documents("marco"), PreparedSchemas.DOCUMENTS).collectAsList();
    assertThat(documents).hasSize(5).allSatisfy(r -> assertThat(r.getList(2)).isNotEmpty().hasSizeLessThanOrEqualTo(8));

    // Skip when nothing changed (same manifest, content hash included); a changed input file is prepared again.
    assertThat(PrepareJob.prepare(spark, work, msmarco("marco", folder), false)).isEqualTo(manifest);
    Files.writeString(folder.resolve("qrels.dev.tsv"), "1048578 0 3 0\n", StandardOpenOption.APPEND);
    Manifest changed = PrepareJob.prepare(spark, work, msmarco("marco", folder), false);
    assertThat(changed.files().get("qrels.dev.tsv")).isEqualTo(new FileCounts(3, 3, 0));
    assertThat(changed.tables()).containsEntry("dev/qrels", 3L);
    assertThat(changed.contentHash()).isNotEqualTo(manifest.contentHash());
  }

  @Test
  void brokenMsMarcoInputIsQuarantinedAndAccountedPerFile(SparkSession spark) {
    Path folder = MsMarcoFixtures.writeBroken(tmp.resolve("raw"));
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    Manifest manifest = PrepareJob.prepare(
        spark, work, msmarco("broken", folder, 1.0), false); // over half of three files is quarantined

    Map<String, FileCounts> expected = new TreeMap<>();
    MsMarcoFixtures.ROWS.forEach((file, in) -> expected.put(
        file, new FileCounts(in, MsMarcoFixtures.WRITTEN.get(file), in - MsMarcoFixtures.WRITTEN.get(file))));
    assertThat(manifest.files()).isEqualTo(expected);
    assertThat(manifest.quarantined()).isEqualTo(20);
    assertThat(manifest.tables()).containsEntry(PrepareJob.QUARANTINE_TABLE, 20L)
        .containsEntry("corpus/documents", 4L).containsEntry("train/queries", 2L).containsEntry("dev/queries", 2L)
        .containsEntry("train/qrels", 3L).containsEntry("dev/qrels", 2L);

    Map<String, Long> byReason = TestRows.byReason(ShardedTable.read(spark, work.quarantine("broken"), PreparedSchemas.QUARANTINE));
    assertThat(byReason).isEqualTo(new TreeMap<>(MsMarcoFixtures.QUARANTINED_BY_REASON));
  }

  /**
   * The official query files hold many queries no qrels row judges: they are quarantined and reported, but
   * the quarantine limit does not count them, so real MS MARCO files prepare under the default limit.
   */
  @Test
  void unjudgedQueriesDoNotCountTowardsTheQuarantineLimit(SparkSession spark) throws IOException {
    Path folder = MsMarcoFixtures.writeClean(tmp.resolve("raw"));
    // 2 judged queries, then 4 unjudged and one without text: 5 of 7 quarantined, 1 of 7 counted
    Files.writeString(folder.resolve("queries.train.tsv"),
        "7\tunjudged one\n8\tunjudged two\n9\tunjudged three\n10\tunjudged four\n11\t \n",
        StandardOpenOption.APPEND);
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());

    Manifest manifest = PrepareJob.prepare(spark, work, msmarco("marco", folder, 0.5), false);
    assertThat(manifest.files().get("queries.train.tsv")).isEqualTo(new FileCounts(7, 2, 5));
    assertThat(TestRows.byReason(ShardedTable.read(spark, work.quarantine("marco"), PreparedSchemas.QUARANTINE)))
        .isEqualTo(new TreeMap<>(Map.of("query has no judgements in any split", 4L, "empty text", 1L)));

    // A limit below the counted fraction (1 of 7) still stops the job, and says what it did not count.
    assertThatThrownBy(() -> PrepareJob.prepare(spark, new WorkDir(tmp.resolve("w2").toUri().toString()),
            msmarco("marco", folder, 0.1), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dataset marco: queries.train.tsv: 1 of 7 rows quarantined (not counting 4 unjudged queries) "
            + "(14.3%), more than magnitude.prepare.max-quarantined-fraction = 0.1; commonest reasons: empty text (1)");
  }

  /** The named columns of a prepared table as "a|b", sorted. */
  private static List<String> read(SparkSession spark, String table, org.apache.spark.sql.types.StructType schema,
      String... columns) {
    return TestRows.joined(ShardedTable.read(spark, table, schema).selectExpr(columns));
  }
}
