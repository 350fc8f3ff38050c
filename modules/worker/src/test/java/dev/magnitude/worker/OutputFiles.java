package dev.magnitude.worker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Reads back what the worker wrote, the way a consumer without the writer's Avro schema would. */
public final class OutputFiles {
  private OutputFiles() {}

  public static List<GenericRecord> rows(String path) throws IOException {
    List<GenericRecord> rows = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(new Path(path), PreparedFixture.conf()))
            .withConf(PreparedFixture.conf())
            .build()) {
      GenericRecord r;
      while ((r = reader.read()) != null) {
        rows.add(r);
      }
    }
    return rows;
  }

  /**
   * The file's Parquet schema converted to Avro (3-level lists read as lists, not element records),
   * ignoring the Avro schema parquet-avro stores in the footer: what Spark and other readers see.
   */
  public static Schema parquetSchemaAsAvro(String path) throws IOException {
    org.apache.hadoop.conf.Configuration conf = PreparedFixture.conf();
    conf.setBoolean("parquet.avro.add-list-element-records", false);
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(path), conf))) {
      return new AvroSchemaConverter(conf).convert(reader.getFooter().getFileMetaData().getSchema());
    }
  }
}
