package dev.magnitude.prepare.sts;

import static dev.magnitude.prepare.PreparedTables.box;
import static dev.magnitude.prepare.PreparedTables.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.PreparedTables;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.TestRows;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
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

/** Format sts through the prepare job: pairs tables, per-file accounting, skipping and the quarantine limit. */
@ExtendWith(SharedSpark.class)
class StsPrepareTest {
  private static final List<String> SPLITS = List.of("train", "dev");
  private static final TokenizerSpec TOKENIZER = new TokenizerSpec(1, 100, 0, 16);

  @TempDir Path tmp;

  private static DatasetSpec sts(String name, Path folder, double maxQuarantinedFraction) {
    return new DatasetSpec(name, "sts", folder.toUri().toString(), SPLITS, null, TOKENIZER, 3, maxQuarantinedFraction,
        StsFixtures.STSB, DatasetSpec.DEFAULT_IMAGES);
  }

  private WorkDir work() {
    return new WorkDir(tmp.resolve("w").toUri().toString());
  }

  @Test
  void preparesAnStsBFolderEndToEnd(SparkSession spark) throws IOException {
    Path folder = StsFixtures.writeClean(tmp.resolve("raw"));
    WorkDir work = work();
    DatasetSpec dataset = sts("stsb", folder, 0.5);
    Manifest manifest = PrepareJob.prepare(spark, work, dataset, false);

    assertThat(manifest.task()).isEqualTo("sts");
    assertThat(manifest.format()).isEqualTo("sts");
    assertThat(manifest.splits()).isEqualTo(SPLITS);
    assertThat(manifest.tables()).isEqualTo(new TreeMap<>(Map.of(
        "train/pairs", 4L, "dev/pairs", 2L, PrepareJob.QUARANTINE_TABLE, 0L)));
    assertThat(manifest.files()).isEqualTo(new TreeMap<>(Map.of(
        "train.tsv", new FileCounts(4, 4, 0), "dev.tsv", new FileCounts(2, 2, 0))));
    assertThat(Manifest.fromJson(Files.readString(local(work.manifest("stsb"))))).isEqualTo(manifest);
    for (String split : SPLITS) {
      PreparedTables.assertShape(work.table("stsb", split, "pairs"), "pairs");
    }

    // Scores as written; ids are line numbers.
    assertThat(PreparedTables.rows(spark, work.table("stsb", "dev", "pairs"), PreparedSchemas.PAIRS,
        "id", "text_a", "text_b", "score")).containsExactly(
            "2|A man is playing a flute.|A man plays the flute.|4.2",
            "3|The council met on Monday.|The bridge reopened on Monday.|1.0");
    assertThat(PreparedTables.rows(spark, work.table("stsb", "train", "pairs"), PreparedSchemas.PAIRS, "id", "score"))
        .containsExactly("2|5.0", "3|3.8", "4|0.4", "5|2.25");

    // The tokenizer, rebuilt from vocab.txt, gives both sentences their ids.
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(TOKENIZER, Files.readAllLines(local(work.vocabulary("stsb"))));
    assertThat(manifest.tokenizer()).isEqualTo(tokenizer.info());
    Row row = ShardedTable.read(spark, work.table("stsb", "train", "pairs"), PreparedSchemas.PAIRS)
        .filter("id = '3'").first();
    assertThat(row.getString(1)).isEqualTo("A cook slices an onion.");
    assertThat(row.<Integer>getList(2)).isNotEmpty().containsExactly(box(tokenizer.encode(row.getString(1))));
    assertThat(row.getString(3)).isEqualTo("Someone is cutting an onion.");
    assertThat(row.<Integer>getList(4)).isNotEmpty().containsExactly(box(tokenizer.encode(row.getString(3))));
    assertThat(row.getDouble(5)).isEqualTo(3.8);

    // Nothing changed: skipped. A changed file: prepared again.
    PreparedTables.assertSkips(spark, work, manifest, () -> PrepareJob.prepare(spark, work, dataset, false));
    Files.writeString(folder.resolve("dev.tsv"),
        "main-news\tdeft-news\t2014\t0018\t2.500\tThe shop opened early.\tThe shop closed late.\n",
        StandardOpenOption.APPEND);
    Manifest changed = PrepareJob.prepare(spark, work, dataset, false);
    assertThat(changed.files().get("dev.tsv")).isEqualTo(new FileCounts(3, 3, 0));
    assertThat(changed.tables()).containsEntry("dev/pairs", 3L).containsEntry("train/pairs", 4L);
    assertThat(changed.contentHash()).isNotEqualTo(manifest.contentHash());
    assertThat(PreparedTables.rows(spark, work.table("stsb", "dev", "pairs"), PreparedSchemas.PAIRS, "id", "score"))
        .containsExactly("2|4.2", "3|1.0", "4|2.5");
  }

  @Test
  void brokenStsInputIsQuarantinedAndAccountedPerFile(SparkSession spark) {
    Path folder = StsFixtures.writeBroken(tmp.resolve("raw"));
    WorkDir work = work();
    Manifest manifest = PrepareJob.prepare(spark, work, sts("broken", folder, 1.0), false); // train: 9 of 12 out

    Map<String, FileCounts> expected = new TreeMap<>();
    StsFixtures.BROKEN_ROWS.forEach((file, in) -> expected.put(
        file, new FileCounts(in, StsFixtures.BROKEN_VALID.get(file), in - StsFixtures.BROKEN_VALID.get(file))));
    assertThat(manifest.files()).isEqualTo(expected);
    assertThat(manifest.quarantined()).isEqualTo(10);
    assertThat(manifest.tables()).isEqualTo(new TreeMap<>(Map.of(
        "train/pairs", 3L, "dev/pairs", 1L, PrepareJob.QUARANTINE_TABLE, 10L)));
    assertThat(TestRows.byReason(ShardedTable.read(spark, work.quarantine("broken"), PreparedSchemas.QUARANTINE)))
        .isEqualTo(new TreeMap<>(StsFixtures.BROKEN_BY_REASON));
    PreparedTables.assertShape(work.quarantine("broken"), "quarantine");
    assertThat(PreparedTables.rows(spark, work.table("broken", "train", "pairs"), PreparedSchemas.PAIRS, "id", "score"))
        .containsExactly("12|5.0", "14|0.0", "2|4.0");
  }

  @Test
  void fileOverTheQuarantineLimitFailsNamingItAndCommitsNothing(SparkSession spark) {
    Path folder = StsFixtures.writeBroken(tmp.resolve("raw"));
    WorkDir work = work();
    // train.tsv: 9 of 12 quarantined; dev.tsv: 1 of 2, not more than half.
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work, sts("strict", folder, 0.5), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dataset strict: train.tsv: 9 of 12 rows quarantined (75.0%), more than "
            + "magnitude.prepare.max-quarantined-fraction = 0.5; commonest reasons: score not a number (3), "
            + "score out of range (2), empty text (1)");
    assertThat(local(work.dataset("strict"))).doesNotExist();
    assertThat(local(work.prepared())).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }
}
