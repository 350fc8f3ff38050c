package dev.magnitude.prepare.tokenize;

import static dev.magnitude.prepare.PreparedTables.box;
import static dev.magnitude.prepare.PreparedTables.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.prepare.PrepareJob;
import dev.magnitude.prepare.PreparedTables;
import dev.magnitude.prepare.SharedSpark;
import dev.magnitude.prepare.beir.BrokenBeir;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.ShardedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A BEIR folder prepared with a HuggingFace tokenizer.json (the tiny WordPiece fixture). */
@ExtendWith(SharedSpark.class)
class HuggingFacePrepareTest {
  private static final List<String> SPLITS = List.of("train", "test");
  private static final int MAX_LENGTH = 16;

  @TempDir Path tmp;

  @AfterEach
  void freeNativeTokenizers() {
    HuggingFaceTokenizer.evictNative();
  }

  private static TokenizerSpec spec(Path tokenizerJson) {
    return new TokenizerSpec("huggingface", tokenizerJson.toString(), 1, 1, 0, MAX_LENGTH, "none");
  }

  private static DatasetSpec beir(String name, Path folder, Path tokenizerJson) {
    // BrokenBeir quarantines over half of corpus.jsonl and qrels/train.tsv.
    return new DatasetSpec(name, "beir", folder.toUri().toString(), SPLITS, null, spec(tokenizerJson), 4, 1.0);
  }

  @Test
  void preparesWithTheTokenizerJsonAndStoresItNextToTheManifest(SparkSession spark) throws IOException {
    Path folder = BrokenBeir.write(tmp.resolve("raw"));
    Path tokenizerJson = Files.createDirectories(tmp.resolve("tok")).resolve("tokenizer.json");
    Files.write(tokenizerJson, HuggingFaceTokenizerTest.TINY);
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    DatasetSpec dataset = beir("hf", folder, tokenizerJson);
    Manifest manifest = PrepareJob.prepare(spark, work, dataset, false);

    // ids 0..39, [PAD] 0
    assertThat(manifest.tokenizer()).isEqualTo(new TokenizerInfo(
        "huggingface", "huggingface-" + HuggingFaceTokenizerTest.sha16(HuggingFaceTokenizerTest.TINY) + "-len16",
        40, MAX_LENGTH, 0));
    Path stored = local(work.dataset("hf")).resolve("tokenizer.json");
    assertThat(Files.readAllBytes(stored)).isEqualTo(HuggingFaceTokenizerTest.TINY);
    assertThat(local(work.vocabulary("hf"))).doesNotExist();
    assertThat(manifest.tables()).containsEntry("corpus/documents", 4L).containsEntry("train/queries", 2L);

    HuggingFaceTokenizer tiny = HuggingFaceTokenizer.of(spec(tokenizerJson), HuggingFaceTokenizerTest.TINY);
    Map<String, Row> documents = documents(spark, work);
    assertThat(documents).containsOnlyKeys("d1", "d2", "d5", "7");
    for (Row d : documents.values()) {
      assertThat(d.<Integer>getList(2)).as(d.getString(0)).containsExactly(box(tiny.encode(d.getString(1))));
    }
    // "Alpha first document": none of the words is in the tiny vocabulary.
    assertThat(documents.get("d1").<Integer>getList(2)).containsExactly(2, 1, 1, 1, 3);

    PreparedTables.assertSkips(spark, work, manifest, () -> PrepareJob.prepare(spark, work, dataset, false));

    // Same size, other content ("small" 30 becomes "first" 30), other modification time: prepared again.
    byte[] changedJson = HuggingFaceTokenizerTest.replace(HuggingFaceTokenizerTest.TINY, "\"small\": 30", "\"first\": 30");
    assertThat(changedJson).hasSameSizeAs(HuggingFaceTokenizerTest.TINY);
    Files.write(tokenizerJson, changedJson);
    Files.setLastModifiedTime(tokenizerJson, PreparedTables.LONG_AGO);
    Manifest changed = PrepareJob.prepare(spark, work, dataset, false);
    assertThat(changed.tokenizer().id())
        .isEqualTo("huggingface-" + HuggingFaceTokenizerTest.sha16(changedJson) + "-len16")
        .isNotEqualTo(manifest.tokenizer().id());
    assertThat(changed.contentHash()).isNotEqualTo(manifest.contentHash());
    assertThat(changed.tables()).isEqualTo(manifest.tables());
    assertThat(Files.readAllBytes(stored)).isEqualTo(changedJson);
    assertThat(documents(spark, work).get("d1").<Integer>getList(2)).containsExactly(2, 1, 30, 1, 3);
  }

  @Test
  void aMissingTokenizerJsonIsAOneLineErrorNamingTheDatasetAndThePath(SparkSession spark) {
    Path folder = BrokenBeir.write(tmp.resolve("raw"));
    Path missing = tmp.resolve("nowhere/tokenizer.json");
    WorkDir work = new WorkDir(tmp.resolve("w").toUri().toString());
    assertThatThrownBy(() -> PrepareJob.prepare(spark, work, beir("hfmissing", folder, missing), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dataset hfmissing: tokenizer.json " + missing + " does not exist; check the tokenizer path");
    assertThat(local(work.dataset("hfmissing"))).doesNotExist();
  }

  private static Map<String, Row> documents(SparkSession spark, WorkDir work) {
    Map<String, Row> byId = new java.util.TreeMap<>();
    ShardedTable.read(spark, work.documents("hf"), PreparedSchemas.DOCUMENTS).collectAsList()
        .forEach(r -> byId.put(r.getString(0), r));
    return byId;
  }
}
