package dev.magnitude.prepare.qa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.PreparedTables;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.beir.Reasons;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Format qa through the prepare job: the retrieval tables plus answers per split (fixture of {@link QaReaderTest}). */
@ExtendWith(SharedSpark.class)
class QaPrepareTest {
  private static final List<String> SPLITS = List.of("train", "test");

  @TempDir Path tmp;

  @Test
  void preparesAQaFolderWithAnswersPerSplit(SparkSession spark) throws IOException {
    Path folder = QaReaderTest.write(tmp.resolve("raw"));
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    // queries.jsonl has 9 of its 12 rows quarantined.
    DatasetSpec dataset = new DatasetSpec(
        "qa", "qa", folder.toUri().toString(), SPLITS, null, new TokenizerSpec(1, 100, 0, 8), 3, 1.0);
    Manifest manifest = PrepareJob.prepare(spark, work, dataset, false);

    assertThat(manifest.task()).isEqualTo("qa");
    assertThat(manifest.format()).isEqualTo("qa");
    assertThat(manifest.splits()).isEqualTo(SPLITS);
    Map<String, Long> tables = new TreeMap<>(Map.of(
        "corpus/documents", 3L,
        "train/queries", 2L, "train/qrels", 2L, "train/answers", 4L,
        "test/queries", 2L, "test/qrels", 2L, "test/answers", 3L));
    tables.put(PrepareJob.QUARANTINE_TABLE, 10L);
    assertThat(manifest.tables()).isEqualTo(tables);
    // Queries: the distinct ids judged in some split (q1, q2, q3) are written.
    assertThat(manifest.files()).isEqualTo(new TreeMap<>(Map.of(
        "corpus.jsonl", new FileCounts(3, 3, 0),
        "queries.jsonl", new FileCounts(12, 3, 9),
        "qrels/train.tsv", new FileCounts(3, 2, 1),
        "qrels/test.tsv", new FileCounts(2, 2, 0))));

    assertThat(PreparedTables.rows(spark, work.table("qa", "train", "answers"), PreparedSchemas.ANSWERS,
        "query_id", "answer")).containsExactly("q1|Paris", "q1|paris", "q2|Everest", "q2|Mount Everest");
    assertThat(PreparedTables.rows(spark, work.table("qa", "test", "answers"), PreparedSchemas.ANSWERS,
        "query_id", "answer")).containsExactly("q1|Paris", "q1|paris", "q3|100 degrees Celsius");
    assertThat(PreparedTables.rows(spark, work.table("qa", "test", "queries"), PreparedSchemas.QUERIES, "id", "text"))
        .containsExactly("q1|capital of france", "q3|boiling point of water");
    for (String split : SPLITS) {
      PreparedTables.assertShape(work.table("qa", split, "answers"), "answers");
      PreparedTables.assertShape(work.table("qa", split, "queries"), "queries");
      PreparedTables.assertShape(work.table("qa", split, "qrels"), "qrels");
    }
    PreparedTables.assertShape(work.documents("qa"), "documents");
    assertThat(TestRows.byReason(ShardedTable.read(spark, work.quarantine("qa"), PreparedSchemas.QUARANTINE)))
        .isEqualTo(new TreeMap<>(Map.of(
            Reasons.MISSING_ANSWERS, 5L, Reasons.DUPLICATE_ID, 1L, Reasons.EMPTY_TEXT, 1L, Reasons.NO_JUDGEMENTS, 1L,
            Reasons.INVALID_UTF8, 1L, Reasons.UNKNOWN_QUERY, 1L)));

    PreparedTables.assertSkips(spark, work, manifest, () -> PrepareJob.prepare(spark, work, dataset, false));
  }
}
