package dev.magnitude.jobs.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.schema.Tables;
import dev.magnitude.jobs.support.TestSpark;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.output.AtomicParquetFile;
import dev.magnitude.worker.output.EmbeddingExport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EmbeddingPages} against a second route: the trainer's files as parquet-avro reads them, and
 * hand-built pages (rows cut across pages, bit-packed and RLE level runs, version 2 pages, empty vectors)
 * against the rows they were built from.
 */
class EmbeddingPagesTest {
  private static final Configuration CONF = new Configuration();
  private static final MessageType LAYOUT = MessageTypeParser.parseMessageType(
      "message Embedding { required binary id (STRING); "
          + "required group vector (LIST) { repeated group list { required float element; } } }");

  record Doc(String id, float[] vector) {}

  @Test
  void trainerFilesAreReadAsParquetAvroReadsThem(@TempDir Path dir) throws IOException {
    Random random = new Random(5);
    int dim = 48;
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextGaussian();
      }
      // non-ASCII ids too: UTF-8 decoded as Spark decodes them
      docs.add(new Doc(i % 7 == 0 ? "döc-" + i + "-\u6587" : "d" + i, v));
    }
    String file = dir.resolve("documents.parquet").toString();
    writeTrainerFile(file, docs, dim);

    List<EmbeddingPages.Split> splits = EmbeddingPages.plan(file, CONF);
    assertThat(splits).hasSize(1);
    assertThat(splits.get(0).rows()).isEqualTo(3000);
    List<Doc> read = read(splits, dim);
    List<Doc> avro = readAvro(file);
    assertThat(avro).hasSize(3000);
    assertSame(read, avro);
    assertSame(read, docs);
  }

  @Test
  void rowsCutAcrossVersion1PagesWithBitPackedLevels(@TempDir Path dir) throws IOException {
    // 5 values a row: the repetition levels 0 1 1 1 1 0 1 1 ... never make a run of 8, so they are bit-packed
    List<Doc> docs = docs(23, 5, 1);
    int entries = 23 * 5;
    // pages of 7, 3, 12, 1, ... entries: rows start and end inside pages, one row spans three pages
    List<Integer> cuts = new ArrayList<>(List.of(7, 3, 12, 1));
    int used = 23;
    while (used < entries) {
      int n = Math.min(9, entries - used);
      cuts.add(n);
      used += n;
    }
    String file = dir.resolve("cut.parquet").toString();
    craft(file, docs, cuts, false);
    assertSame(read(EmbeddingPages.plan(file, CONF), 5), docs);
  }

  @Test
  void oneValueRowsGiveRunsOfZeroRepetitionLevels(@TempDir Path dir) throws IOException {
    List<Doc> docs = docs(40, 1, 2);
    String file = dir.resolve("ones.parquet").toString();
    craft(file, docs, List.of(17, 23), false);
    assertSame(read(EmbeddingPages.plan(file, CONF), 1), docs);
  }

  @Test
  void version2PagesAreReadToo(@TempDir Path dir) throws IOException {
    List<Doc> docs = docs(30, 16, 3);
    String file = dir.resolve("v2.parquet").toString();
    craft(file, docs, List.of(10 * 16, 20 * 16), true);
    assertSame(read(EmbeddingPages.plan(file, CONF), 16), docs);
  }

  @Test
  void aVectorOfAnotherLengthOrAnEmptyOneIsTheScorersDimensionError(@TempDir Path dir) throws IOException {
    List<Doc> docs = new ArrayList<>(docs(6, 4, 4));
    docs.set(3, new Doc("short", new float[] {1, 2, 3}));
    String file = dir.resolve("short.parquet").toString();
    craft(file, docs, List.of(10, 13), false);
    List<EmbeddingPages.Split> splits = EmbeddingPages.plan(file, CONF);
    assertThatThrownBy(() -> read(splits, 4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("query and document dimensions differ: 4 vs 3; were they embedded by the same run? (document short)");

    docs.set(3, new Doc("empty", new float[0]));
    String emptyFile = dir.resolve("empty.parquet").toString();
    craft(emptyFile, docs, List.of(13, 8), false);
    List<EmbeddingPages.Split> emptySplits = EmbeddingPages.plan(emptyFile, CONF);
    assertThatThrownBy(() -> read(emptySplits, 4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("query and document dimensions differ: 4 vs 0; were they embedded by the same run? (document empty)");
    // the rows before it were read as they are
    List<Doc> before = new ArrayList<>();
    assertThatThrownBy(() -> EmbeddingPages.read(emptySplits.get(0), CONF, 4, 1 << 18, new EmbeddingPages.Buffers(),
        (id, v, from) -> before.add(new Doc(id, java.util.Arrays.copyOfRange(v, from, from + 4)))));
    assertSame(before, docs.subList(0, 3));
  }

  @Test
  void planTakesTheTrainerLayoutOnly(@TempDir Path dir) throws IOException {
    List<Doc> docs = docs(10, 8, 6);
    // a folder of two files with Hadoop's markers and checksums beside them: one split per row group
    Path folder = dir.resolve("folder");
    writeTrainerFile(folder.resolve("part-00001.parquet").toString(), docs.subList(5, 10), 8);
    writeTrainerFile(folder.resolve("part-00000.parquet").toString(), docs.subList(0, 5), 8);
    Files.createFile(folder.resolve("_SUCCESS"));
    List<EmbeddingPages.Split> splits = EmbeddingPages.plan(folder.toString(), CONF);
    assertThat(splits).extracting(s -> Path.of(java.net.URI.create(s.file())).getFileName().toString())
        .containsExactly("part-00000.parquet", "part-00001.parquet");
    assertSame(read(splits, 8), docs);
    // one task's buffers: the second row group (of the same size) is read into the first one's buffers
    EmbeddingPages.Buffers buffers = new EmbeddingPages.Buffers();
    List<Doc> again = new ArrayList<>();
    int[] held = new int[splits.size()];
    for (int i = 0; i < splits.size(); i++) {
      EmbeddingPages.read(splits.get(i), CONF, 8, 1 << 18, buffers,
          (id, v, from) -> again.add(new Doc(id, java.util.Arrays.copyOfRange(v, from, from + 8))));
      held[i] = buffers.held();
    }
    assertSame(again, docs);
    assertThat(held[0]).isPositive();
    assertThat(held[1]).isEqualTo(held[0]);

    // a sub-folder (Spark's partition discovery would read it): Spark's reader
    Files.createDirectories(folder.resolve("k=1"));
    assertThat(EmbeddingPages.plan(folder.toString(), CONF)).isNull();

    // dictionary-encoded pages (values from a small set, so that Parquet keeps the dictionary): Spark's reader
    String dictionary = dir.resolve("dictionary.parquet").toString();
    try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(
        HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(dictionary), CONF))
        .withSchema(DataSchemas.load(Tables.EMBEDDINGS)).withConf(conf3Level()).withDictionaryEncoding(true).build()) {
      for (Doc doc : docs) {
        GenericRecord r = new org.apache.avro.generic.GenericData.Record(DataSchemas.load(Tables.EMBEDDINGS));
        r.put(Tables.ID, doc.id());
        List<Float> v = new ArrayList<>();
        for (float x : doc.vector()) {
          v.add((float) Math.round(x));
        }
        r.put(Tables.VECTOR, v);
        r.put(Tables.NORM, 1.0);
        writer.write(r);
      }
    }
    try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(dictionary), CONF))) {
      assertThat(reader.getRowGroups().get(0).getColumns().get(1).hasDictionaryPage()).isTrue();
    }
    assertThat(EmbeddingPages.plan(dictionary, CONF)).isNull();

    // nullable elements (as Spark writes array<float>): Spark's reader
    MessageType nullable = MessageTypeParser.parseMessageType(
        "message spark { optional binary id (STRING); "
            + "optional group vector (LIST) { repeated group list { optional float element; } } }");
    String sparkLike = dir.resolve("nullable.parquet").toString();
    ParquetFileWriter empty = new ParquetFileWriter(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(sparkLike), CONF),
        nullable, ParquetFileWriter.Mode.CREATE, 1 << 20, 0);
    empty.start();
    empty.end(java.util.Map.of());
    assertThat(EmbeddingPages.plan(sparkLike, CONF)).isNull();
  }

  @Test
  void packingFollowsSparksFilePartitions() {
    List<EmbeddingPages.Split> splits = List.of(
        new EmbeddingPages.Split("a", 0, 1, 4, 50), new EmbeddingPages.Split("b", 0, 1, 4, 50),
        new EmbeddingPages.Split("c", 0, 1, 4, 50), new EmbeddingPages.Split("d", 0, 1, 4, 120));
    // each split counts with the open cost 4: 54 + 54 = 108 ≤ 110, 108 + 50 > 110
    assertThat(EmbeddingPages.pack(splits, 110, 4)).extracting(List::size).containsExactly(2, 1, 1);
    assertThat(EmbeddingPages.pack(splits, 1000, 4)).extracting(List::size).containsExactly(4);
    assertThat(EmbeddingPages.pack(List.of(), 10, 4)).isEmpty();
  }

  /**
   * A task prefers the hosts that hold most of its row groups' bytes, most first, at most three: on the local
   * disk "localhost"; under a file system whose blocks of 100 bytes lie on two hosts each (b on h{b} and
   * h{b+1}), the bytes per host worked out by hand.
   */
  @Test
  void tasksPreferTheHostsHoldingTheirRowGroups(@TempDir Path dir) throws IOException {
    String file = dir.resolve("a.parquet").toString();
    writeTrainerFile(file, docs(20, 8, 7), 8);
    List<EmbeddingPages.Split> splits = EmbeddingPages.plan(file, CONF);
    assertThat(splits).singleElement().satisfies(s -> assertThat(s.offset()).isEqualTo(4)); // past "PAR1"
    assertThat(EmbeddingPages.hosts(splits, CONF)).containsExactly("localhost");
    var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
    var rdd = EmbeddingPages.tasks(jsc, List.of(splits, splits), CONF);
    assertThat(rdd.getNumPartitions()).isEqualTo(2);
    assertThat(rdd.collect()).containsExactly(splits, splits);
    for (org.apache.spark.Partition partition : rdd.rdd().partitions()) {
      assertThat(scala.jdk.javaapi.CollectionConverters.asJava(rdd.rdd().preferredLocations(partition)))
          .containsExactly("localhost");
    }

    Configuration conf = new Configuration(CONF);
    conf.set("fs." + BlockHostsFileSystem.SCHEME + ".impl", BlockHostsFileSystem.class.getName());
    conf.setBoolean("fs." + BlockHostsFileSystem.SCHEME + ".impl.disable.cache", true);
    String remote = BlockHostsFileSystem.SCHEME + "://" + Path.of(file).toAbsolutePath();
    // bytes 50-149: block 0 gives h0 and h1 50 each, block 1 gives h1 and h2 50 each
    assertThat(EmbeddingPages.hosts(List.of(new EmbeddingPages.Split(remote, 0, 1, 50, 100)), conf))
        .containsExactly("h1", "h0", "h2");
    // and bytes 180-379 beside them: block 1 gives h1 and h2 20 more, block 2 h2 and h3 100, block 3 h3 and h4
    // 80: h0 50, h1 120, h2 170, h3 180, h4 80, of which the three largest
    assertThat(EmbeddingPages.hosts(List.of(new EmbeddingPages.Split(remote, 0, 1, 50, 100),
        new EmbeddingPages.Split(remote, 1, 1, 180, 200)), conf)).containsExactly("h3", "h2", "h1");
  }

  // --- helpers

  private static Configuration conf3Level() {
    Configuration conf = new Configuration(CONF);
    conf.setBoolean("parquet.avro.write-old-list-structure", false);
    return conf;
  }

  static void writeTrainerFile(String file, List<Doc> docs, int dim) throws IOException {
    try (AtomicParquetFile out = AtomicParquetFile.embeddings(file, DataSchemas.load(Tables.EMBEDDINGS), CONF)) {
      for (Doc doc : docs) {
        EmbeddingExport.writeRow(out, doc.id(), doc.vector(), 0, dim);
      }
      out.commit();
    }
  }

  private static List<Doc> docs(int n, int dim, long seed) {
    Random random = new Random(seed);
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextGaussian();
      }
      docs.add(new Doc("d" + i, v));
    }
    return docs;
  }

  private static List<Doc> read(List<EmbeddingPages.Split> splits, int dim) throws IOException {
    List<Doc> docs = new ArrayList<>();
    for (EmbeddingPages.Split split : splits) {
      EmbeddingPages.read(split, CONF, dim, 1 << 18, new EmbeddingPages.Buffers(),
          (id, v, from) -> docs.add(new Doc(id, java.util.Arrays.copyOfRange(v, from, from + dim))));
    }
    return docs;
  }

  private static List<Doc> readAvro(String file) throws IOException {
    List<Doc> docs = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file), CONF)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        @SuppressWarnings("unchecked")
        List<Float> v = (List<Float>) r.get(Tables.VECTOR);
        float[] vector = new float[v.size()];
        for (int j = 0; j < vector.length; j++) {
          vector[j] = v.get(j);
        }
        docs.add(new Doc(r.get(Tables.ID).toString(), vector));
      }
    }
    return docs;
  }

  private static void assertSame(List<Doc> actual, List<Doc> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).id()).isEqualTo(expected.get(i).id());
      assertThat(actual.get(i).vector()).as(expected.get(i).id()).containsExactly(expected.get(i).vector());
    }
  }

  /**
   * Writes the docs in one row group of hand-built pages: the ids in one plain page (no levels), the vectors'
   * entries (an empty vector is one entry without a value) in pages of the given entry counts, levels RLE /
   * bit-packing hybrid, values plain; version 1 pages (levels with their length in front) or version 2.
   */
  private static void craft(String file, List<Doc> docs, List<Integer> pageEntries, boolean v2) throws IOException {
    ColumnDescriptor id = LAYOUT.getColumnDescription(new String[] {"id"});
    ColumnDescriptor vector = LAYOUT.getColumnDescription(new String[] {"vector", "list", "element"});
    List<int[]> levels = new ArrayList<>(); // rep, def
    List<Float> values = new ArrayList<>();
    for (Doc doc : docs) {
      if (doc.vector().length == 0) {
        levels.add(new int[] {0, 0});
      }
      for (int j = 0; j < doc.vector().length; j++) {
        levels.add(new int[] {j == 0 ? 0 : 1, 1});
        values.add(doc.vector()[j]);
      }
    }
    assertThat(pageEntries.stream().mapToInt(Integer::intValue).sum()).isEqualTo(levels.size());
    ParquetFileWriter writer = new ParquetFileWriter(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file), CONF),
        LAYOUT, ParquetFileWriter.Mode.CREATE, 1 << 20, 0);
    writer.start();
    writer.startBlock(docs.size());

    writer.startColumn(id, docs.size(), CompressionCodecName.UNCOMPRESSED);
    java.io.ByteArrayOutputStream ids = new java.io.ByteArrayOutputStream();
    for (Doc doc : docs) {
      byte[] b = doc.id().getBytes(StandardCharsets.UTF_8);
      ids.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
      ids.writeBytes(b);
    }
    BytesInput idBytes = BytesInput.from(ids.toByteArray());
    writer.writeDataPage(docs.size(), (int) idBytes.size(), idBytes, Statistics.createStats(id.getPrimitiveType()),
        Encoding.BIT_PACKED, Encoding.BIT_PACKED, Encoding.PLAIN);
    writer.endColumn();

    writer.startColumn(vector, levels.size(), CompressionCodecName.UNCOMPRESSED);
    int entry = 0;
    int value = 0;
    for (int n : pageEntries) {
      RunLengthBitPackingHybridEncoder rep = new RunLengthBitPackingHybridEncoder(1, 64, 1 << 20, new HeapByteBufferAllocator());
      RunLengthBitPackingHybridEncoder def = new RunLengthBitPackingHybridEncoder(1, 64, 1 << 20, new HeapByteBufferAllocator());
      ByteBuffer floats = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
      int rows = 0;
      for (int e = entry; e < entry + n; e++) {
        rep.writeInt(levels.get(e)[0]);
        def.writeInt(levels.get(e)[1]);
        rows += levels.get(e)[0] == 0 ? 1 : 0;
        if (levels.get(e)[1] == 1) {
          floats.putFloat(values.get(value++));
        }
      }
      entry += n;
      BytesInput data = BytesInput.from(java.util.Arrays.copyOf(floats.array(), floats.position()));
      BytesInput repBytes = BytesInput.copy(rep.toBytes());
      BytesInput defBytes = BytesInput.copy(def.toBytes());
      if (v2) {
        writer.writeDataPageV2(rows, 0, n, repBytes, defBytes, Encoding.PLAIN, data, (int) data.size(),
            Statistics.createStats(vector.getPrimitiveType()));
      } else {
        BytesInput page = BytesInput.concat(BytesInput.fromInt((int) repBytes.size()), repBytes,
            BytesInput.fromInt((int) defBytes.size()), defBytes, data);
        writer.writeDataPage(n, (int) page.size(), page, Statistics.createStats(vector.getPrimitiveType()),
            Encoding.RLE, Encoding.RLE, Encoding.PLAIN);
      }
    }
    writer.endColumn();
    writer.endBlock();
    writer.end(java.util.Map.of());
  }
}
