package dev.magnitude.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.FileCounts;
import dev.magnitude.core.manifest.Manifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled samples (data/samples) prepare with their formats and give the row counts their READMEs state,
 * with nothing quarantined. The counts are copied from the READMEs on purpose: a regenerated sample that
 * changes them must change its README too.
 */
@ExtendWith(SharedSpark.class)
class BundledSamplesPrepareTest {
  private static final List<String> SPLITS = List.of("train", "dev", "test");
  private static final TokenizerSpec TOKENIZER = new TokenizerSpec(2, 5000, 0, 32);
  private static final Path SAMPLES = BundledSamples.folder();

  @TempDir Path tmp;

  @Test
  void wordnetRetrieval(SparkSession spark) {
    // README: corpus 3935 entries; queries 1331 / 297 / 304 (1932 in queries.jsonl); qrels 2649 / 576 / 626.
    Manifest manifest = prepare(spark, "wordnet-retrieval", "beir");
    assertThat(manifest.task()).isEqualTo("retrieval");
    assertThat(manifest.tables()).isEqualTo(tables(
        "corpus/documents", 3935,
        "train/queries", 1331, "dev/queries", 297, "test/queries", 304,
        "train/qrels", 2649, "dev/qrels", 576, "test/qrels", 626));
    assertThat(manifest.files()).isEqualTo(clean(
        "corpus.jsonl", 3935, "queries.jsonl", 1932,
        "qrels/train.tsv", 2649, "qrels/dev.tsv", 576, "qrels/test.tsv", 626));
  }

  @Test
  void wordnetSimilarity(SparkSession spark) {
    // README: train.tsv 1766, dev.tsv 389, test.tsv 345 pairs.
    Manifest manifest = prepare(spark, "wordnet-similarity", "sts");
    assertThat(manifest.task()).isEqualTo("sts");
    assertThat(manifest.tables()).isEqualTo(tables("train/pairs", 1766, "dev/pairs", 389, "test/pairs", 345));
    assertThat(manifest.files()).isEqualTo(clean("train.tsv", 1766, "dev.tsv", 389, "test.tsv", 345));
  }

  @Test
  void syntheticSts(SparkSession spark) {
    // README: train.tsv 1050, dev.tsv 225, test.tsv 225 pairs.
    Manifest manifest = prepare(spark, "synthetic-sts", "sts");
    assertThat(manifest.task()).isEqualTo("sts");
    assertThat(manifest.tables()).isEqualTo(tables("train/pairs", 1050, "dev/pairs", 225, "test/pairs", 225));
    assertThat(manifest.files()).isEqualTo(clean("train.tsv", 1050, "dev.tsv", 225, "test.tsv", 225));
  }

  @Test
  void syntheticImages(SparkSession spark) {
    // README: images 320 / 80 / 80, captions 1492 / 369 / 380; an annotations file holds both.
    Manifest manifest = prepare(spark, "synthetic-images", "coco");
    assertThat(manifest.task()).isEqualTo("image-text");
    assertThat(manifest.tables()).isEqualTo(tables(
        "train/images", 320, "dev/images", 80, "test/images", 80,
        "train/captions", 1492, "dev/captions", 369, "test/captions", 380));
    assertThat(manifest.files()).isEqualTo(clean(
        "annotations/captions_train.json", 320 + 1492,
        "annotations/captions_dev.json", 80 + 369,
        "annotations/captions_test.json", 80 + 380));
  }

  private Manifest prepare(SparkSession spark, String sample, String format) {
    Path folder = SAMPLES.resolve(sample);
    // Strict: not a single row may be quarantined.
    DatasetSpec dataset = new DatasetSpec(sample, format, folder.toUri().toString(), SPLITS, null, TOKENIZER, 5000,
        0.0, DatasetSpec.DEFAULT_STS, DatasetSpec.DEFAULT_IMAGES);
    Manifest manifest = PrepareJob.prepare(spark, new WorkDir(tmp.toUri().toString()), dataset, false);
    assertThat(manifest.format()).isEqualTo(format);
    assertThat(manifest.quarantined()).isZero();
    return manifest;
  }

  /** Expected tables: the pairs given and an empty quarantine. */
  private static Map<String, Long> tables(Object... nameAndRows) {
    Map<String, Long> tables = new TreeMap<>();
    for (int i = 0; i < nameAndRows.length; i += 2) {
      tables.put((String) nameAndRows[i], ((Integer) nameAndRows[i + 1]).longValue());
    }
    tables.put(PrepareJob.QUARANTINE_TABLE, 0L);
    return tables;
  }

  /** Expected accounting: every row read is written. */
  private static Map<String, FileCounts> clean(Object... fileAndRows) {
    Map<String, FileCounts> files = new TreeMap<>();
    for (int i = 0; i < fileAndRows.length; i += 2) {
      long n = (Integer) fileAndRows[i + 1];
      files.put((String) fileAndRows[i], new FileCounts(n, n, 0));
    }
    return files;
  }
}
