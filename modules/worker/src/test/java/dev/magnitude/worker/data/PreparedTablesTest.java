package dev.magnitude.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.PreparedFixture;
import dev.magnitude.worker.RunFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedTablesTest {
  @TempDir java.nio.file.Path tmp;

  private final PreparedTables tables = new PreparedTables(PreparedFixture.conf());

  @Test
  void readsSparkShapedThreeLevelListsAcrossParts() throws IOException {
    String folder = tmp.resolve("queries").toString();
    List<TokenizedText> rows =
        List.of(
            new TokenizedText("q1", new int[] {4, 5, 6}),
            new TokenizedText("q2", new int[] {}),
            new TokenizedText("q3", new int[] {9}),
            new TokenizedText("q4", new int[] {7, 7}),
            new TokenizedText("q5", new int[] {8}));
    PreparedFixture.writeTexts(folder, Tables.QUERIES, rows, 2, Set.of("q5"));
    // Not data: Spark's marker, checksum sidecars and a stray temporary file.
    Files.writeString(tmp.resolve("queries/.part-00009.crc"), "x");
    Files.writeString(tmp.resolve("queries/_temporary-part"), "x");

    // The fixture has exactly Spark's layout: optional columns, a 3-level LIST of optional int32.
    Path first = PartFiles.list(folder, PreparedFixture.conf()).get(0);
    MessageType schema;
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(first, PreparedFixture.conf()))) {
      schema = reader.getFooter().getFileMetaData().getSchema();
    }
    assertThat(schema.getType(Tables.TOKEN_IDS).toString().replaceAll("\\s+", " ").trim())
        .isEqualTo("optional group token_ids (LIST) { repeated group list { optional int32 element; } }");
    assertThat(schema.getType(Tables.ID).isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL))
        .isTrue();

    List<TokenizedText> read = new ArrayList<>();
    long count = tables.readTexts(folder, 10, read::add);

    assertThat(count).isEqualTo(5);
    assertThat(PartFiles.list(folder, PreparedFixture.conf())).hasSize(3);
    assertThat(read).extracting(TokenizedText::id).containsExactly("q1", "q2", "q3", "q4", "q5");
    assertThat(read.get(0).tokenIds()).containsExactly(4, 5, 6);
    assertThat(read.get(1).tokenIds()).isEmpty();
    assertThat(read.get(3).tokenIds()).containsExactly(7, 7);
    assertThat(read.get(4).tokenIds()).as("a null list reads as empty").isEmpty();
  }

  @Test
  void readsAFileWithoutAvroSchemaAsSparkWritesIt() throws IOException {
    // Spark's footer holds its own row metadata, no parquet.avro.schema: write with the plain example
    // writer and Spark's message type, so the reader must derive the Avro types from Parquet alone.
    MessageType spark =
        MessageTypeParser.parseMessageType(
            "message spark_schema { optional binary id (STRING); optional binary text (STRING);"
                + " optional group token_ids (LIST) { repeated group list { optional int32 element; } } }");
    Files.createDirectories(tmp.resolve("spark"));
    Path file = new Path(tmp.resolve("spark/part-00000-c000.snappy.parquet").toString());
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, PreparedFixture.conf()))
            .withType(spark)
            .withConf(PreparedFixture.conf())
            .build()) {
      Group row = new SimpleGroupFactory(spark).newGroup();
      row.add(Tables.ID, "s1");
      Group list = row.addGroup(Tables.TOKEN_IDS);
      list.addGroup("list").add("element", 7);
      list.addGroup("list").add("element", 8);
      writer.write(row);
    }

    List<TokenizedText> read = new ArrayList<>();
    tables.readTexts(tmp.resolve("spark").toString(), 10, read::add);

    assertThat(read).singleElement().satisfies(t -> assertThat(t.tokenIds()).containsExactly(7, 8));
  }

  @Test
  void tokenIdOutsideVocabularyFailsNamingRowAndValue() throws IOException {
    String folder = tmp.resolve("documents").toString();
    PreparedFixture.writeTexts(
        folder, Tables.DOCUMENTS, List.of(new TokenizedText("ok", new int[] {9}), new TokenizedText("bad", new int[] {3, 10})), 5);

    assertThatThrownBy(() -> tables.readTexts(folder, 10, row -> {}))
        .isInstanceOf(RunFailure.class)
        .hasMessageContaining("token id 10 of row id bad")
        .hasMessageContaining("[0, 10)")
        .hasMessageContaining("vocabulary-size");
  }

  @Test
  void missingOrEmptyFolderNamesThePath() throws IOException {
    String missing = tmp.resolve("prepared/x/train/queries").toString();
    assertThatThrownBy(() -> tables.readTexts(missing, 10, row -> {}))
        .isInstanceOf(RunFailure.class)
        .hasMessage("prepared data missing: " + missing + " does not exist; run the prepare job first");

    Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(tmp.resolve("empty/_SUCCESS"), "");
    assertThatThrownBy(() -> tables.readQrels(tmp.resolve("empty").toString()))
        .hasMessageContaining("holds no part files");
  }

  @Test
  void readsQrelsWithGrades() throws IOException {
    String folder = tmp.resolve("qrels").toString();
    List<Qrel> qrels = List.of(new Qrel("q1", "d1", 2), new Qrel("q1", "d2", 0), new Qrel("q2", "d1", 1));
    PreparedFixture.writeQrels(folder, qrels, 2);

    List<Qrel> read = tables.readQrels(folder);

    assertThat(read).containsExactlyElementsOf(qrels);
    assertThat(read).filteredOn(Qrel::relevant).hasSize(2);
  }
}
