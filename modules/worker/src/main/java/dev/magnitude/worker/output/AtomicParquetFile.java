package dev.magnitude.worker.output;

import java.io.Closeable;
import java.io.IOException;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * A single Parquet file written under a temporary name ({@code _tmp-<uuid>-<name>} next to it, which
 * readers skip) and renamed to its final name by {@link #commit()}. Closing without committing deletes
 * the temporary file, so a failed or killed writer never leaves a file under the final name.
 *
 * <p>Lists are written in the standard 3-level form (as Spark writes them). Not thread-safe.
 */
public final class AtomicParquetFile implements Closeable {
  private final FileSystem fs;
  private final Path target;
  private final Path tmp;
  private final ParquetWriter<GenericRecord> writer;
  private final Schema schema;
  private long rows;
  private boolean open = true;

  private AtomicParquetFile(FileSystem fs, Path target, Path tmp, ParquetWriter<GenericRecord> writer, Schema schema) {
    this.fs = fs;
    this.target = target;
    this.tmp = tmp;
    this.writer = writer;
    this.schema = schema;
  }

  /** A file compressed with Snappy, Parquet's default page size and dictionaries (embeddings: {@link #embeddings}). */
  public static AtomicParquetFile create(String path, Schema schema, Configuration conf) throws IOException {
    return create(path, schema, conf, CompressionCodecName.SNAPPY, ParquetWriter.DEFAULT_PAGE_SIZE, true);
  }

  private static AtomicParquetFile create(
      String path, Schema schema, Configuration conf, CompressionCodecName codec, int pageSize, boolean dictionaries)
      throws IOException {
    Path target = new Path(path);
    FileSystem fs = target.getFileSystem(conf);
    fs.mkdirs(target.getParent());
    Path tmp = new Path(target.getParent(), "_tmp-" + UUID.randomUUID() + "-" + target.getName());
    Configuration writeConf = new Configuration(conf);
    writeConf.setBoolean("parquet.avro.write-old-list-structure", false);
    ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(tmp, writeConf))
            .withSchema(schema)
            .withConf(writeConf)
            .withCompressionCodec(codec)
            .withPageSize(pageSize)
            .withDictionaryEncoding(dictionaries)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build();
    return new AtomicParquetFile(fs, target, tmp, writer, schema);
  }

  /**
   * An embeddings file: uncompressed. Float vectors do not compress (Snappy saved 1.4 % of the vector
   * column on the demo's trained embeddings, 0.5 % on Gaussian vectors), while decompressing them costs
   * the scorer a copy of every page: a fresh array per page (1 MB by default, a humongous object for
   * G1 at a 2 GB heap) and a fifth of the reading time. Pages are {@link #EMBEDDING_PAGE_BYTES}: the
   * scorer reads with Parquet buffers of 256 KB, and a page that straddles two of them is copied into
   * an array of its own, which stays small (not humongous) when the page is. No dictionaries: ids are
   * distinct and float values nearly so, and the scorer reads plain pages straight (its {@code
   * EmbeddingPages}), while a dictionary-encoded page sends the whole table through Spark's reader.
   */
  public static AtomicParquetFile embeddings(String path, Schema schema, Configuration conf) throws IOException {
    return create(path, schema, conf, CompressionCodecName.UNCOMPRESSED, EMBEDDING_PAGE_BYTES, false);
  }

  /** Target size of an embeddings file's data pages (Parquet's default is 1 MB). */
  public static final int EMBEDDING_PAGE_BYTES = 128 * 1024;

  public Schema schema() {
    return schema;
  }

  public void write(GenericRecord record) throws IOException {
    writer.write(record);
    rows++;
  }

  public long rows() {
    return rows;
  }

  /** Closes the file and renames it into place, replacing an older file of the same name. */
  public void commit() throws IOException {
    open = false;
    writer.close();
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  /** Abandons an uncommitted file. */
  @Override
  public void close() throws IOException {
    if (open) {
      open = false;
      try {
        writer.close();
      } finally {
        fs.delete(tmp, false);
      }
    }
  }
}
