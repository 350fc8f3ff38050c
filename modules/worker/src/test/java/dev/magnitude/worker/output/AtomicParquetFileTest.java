package dev.magnitude.worker.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.DataSchemas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicParquetFileTest {
  /** Embeddings are written uncompressed, every other table with Snappy; both read back as written. */
  @Test
  void embeddingsAreUncompressedAndOtherFilesSnappy(@TempDir Path dir) throws IOException {
    Configuration conf = new Configuration();
    String embeddings = dir.resolve("embeddings/documents.parquet").toString();
    String other = dir.resolve("other.parquet").toString();
    try (AtomicParquetFile file = AtomicParquetFile.embeddings(embeddings, DataSchemas.load(Tables.EMBEDDINGS), conf)) {
      EmbeddingExport.writeRow(file, "d1", new float[] {3f, 4f, 1f, 0f}, 0, 2);
      EmbeddingExport.writeRow(file, "d2", new float[] {3f, 4f, 1f, 0f}, 1, 2);
      file.commit();
    }
    try (AtomicParquetFile file = AtomicParquetFile.create(other, DataSchemas.load(Tables.EMBEDDINGS), conf)) {
      EmbeddingExport.writeRow(file, "d1", new float[] {3f, 4f}, 0, 2);
      file.commit();
    }
    assertThat(codecs(embeddings, conf)).containsExactly(CompressionCodecName.UNCOMPRESSED);
    assertThat(codecs(other, conf)).containsExactly(CompressionCodecName.SNAPPY);
    try (Stream<Path> files = Files.list(dir.resolve("embeddings"))) {
      // the committed file under its name, no temporary one left (Hadoop's local checksum file aside)
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")))
          .containsExactly("documents.parquet");
    }
    try (ParquetFileReader reader = open(embeddings, conf)) {
      assertThat(reader.getRecordCount()).isEqualTo(2);
      List<String> columns = new ArrayList<>();
      for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
        columns.add(column.getPath().toDotString());
      }
      assertThat(columns).containsExactly("id", "vector.list.element", "norm");
    }
  }

  /**
   * An embeddings file's data pages stay near {@link AtomicParquetFile#EMBEDDING_PAGE_BYTES} (Parquet
   * checks the size every so many rows, so a page may overshoot a little), far below Parquet's 1 MB.
   */
  @Test
  void embeddingPagesAreSmall(@TempDir Path dir) throws IOException {
    Configuration conf = new Configuration();
    String path = dir.resolve("documents.parquet").toString();
    int rows = 1200;
    int dim = 256;
    float[] vectors = new float[rows * dim];
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = (float) random.nextGaussian();
    }
    try (AtomicParquetFile file = AtomicParquetFile.embeddings(path, DataSchemas.load(Tables.EMBEDDINGS), conf)) {
      for (int i = 0; i < rows; i++) {
        EmbeddingExport.writeRow(file, "d" + i, vectors, i, dim);
      }
      file.commit();
    }
    List<Long> pageBytes = new ArrayList<>();
    try (ParquetFileReader reader = open(path, conf)) {
      org.apache.parquet.column.ColumnDescriptor vector = reader.getFileMetaData().getSchema().getColumns().get(1);
      assertThat(vector.getPath()).containsExactly("vector", "list", "element");
      for (org.apache.parquet.column.page.PageReadStore group = reader.readNextRowGroup(); group != null;
          group = reader.readNextRowGroup()) {
        org.apache.parquet.column.page.PageReader pages = group.getPageReader(vector);
        for (org.apache.parquet.column.page.DataPage page = pages.readPage(); page != null; page = pages.readPage()) {
          pageBytes.add((long) page.getUncompressedSize());
        }
      }
    }
    // 1.2 MB of floats (and their levels): one or two pages at Parquet's default size
    assertThat(pageBytes.stream().mapToLong(Long::longValue).sum()).isGreaterThan((long) rows * dim * 4);
    assertThat(pageBytes).hasSizeGreaterThanOrEqualTo(6).allMatch(b -> b < 256 * 1024);
  }

  private static Set<CompressionCodecName> codecs(String path, Configuration conf) throws IOException {
    Set<CompressionCodecName> codecs = new HashSet<>();
    try (ParquetFileReader reader = open(path, conf)) {
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        block.getColumns().forEach(c -> codecs.add(c.getCodec()));
      }
    }
    return codecs;
  }

  private static ParquetFileReader open(String path, Configuration conf) throws IOException {
    return ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(path), conf));
  }
}
