package dev.magnitude.worker.data;

import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.RunFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Reads the prepared tables (written by the prepare job with Spark) with parquet-avro through Hadoop
 * FS, so {@code file:}, {@code hdfs:} and {@code s3a:} work alike. No Spark.
 *
 * <p>Spark writes every column optional and lists in the 3-level form
 * {@code token_ids (LIST) { repeated group list { optional int32 element } }}, with no Avro schema in
 * the footer. parquet-avro by default then takes the repeated group for the element record; this
 * reader turns that off and projects the columns it needs with the data-schemas/ types, so lists come
 * back as lists of ints whether or not the file carries an Avro schema.
 *
 * <p>Rows are visited in part-file name order, then file order: a deterministic order on any
 * FileSystem. Not thread-safe.
 */
public final class PreparedTables {
  /** Receives one row; may throw I/O errors, which end the read. */
  @FunctionalInterface
  public interface RowHandler<T> {
    void accept(T row) throws IOException;
  }

  private static final String ADD_LIST_ELEMENT_RECORDS = "parquet.avro.add-list-element-records";
  private static final String WRITE_OLD_LIST_STRUCTURE = "parquet.avro.write-old-list-structure";

  private final Configuration conf;

  public PreparedTables(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Visits every row of a queries or documents table.
   *
   * @param folder the table folder, e.g. {@code <work>/prepared/<dataset>/test/queries}
   * @param vocabularySize token ids must lie in [0, vocabularySize)
   * @return rows read
   * @throws RunFailure if the folder is missing or empty, a row has no id, or a token id lies outside
   *     the vocabulary (naming the file, row and value)
   */
  public long readTexts(String folder, int vocabularySize, RowHandler<TokenizedText> handler)
      throws IOException {
    Schema projection = project(DataSchemas.load(Tables.QUERIES), Tables.ID, Tables.TOKEN_IDS);
    long rows = 0;
    for (Path part : PartFiles.list(folder, conf)) {
      try (ParquetReader<GenericRecord> reader = open(part, projection)) {
        GenericRecord record;
        long row = 0;
        while ((record = reader.read()) != null) {
          handler.accept(toText(record, part, row++, vocabularySize));
          rows++;
        }
      }
    }
    return rows;
  }

  /**
   * Visits every row of an STS pairs table ({@code <work>/prepared/<dataset>/<split>/pairs}).
   *
   * @param vocabularySize token ids must lie in [0, vocabularySize)
   * @return rows read
   * @throws RunFailure if the folder is missing or empty, a row has no id or no score, or a token id lies
   *     outside the vocabulary (naming the file, row and value)
   */
  public long readPairs(String folder, int vocabularySize, RowHandler<SentencePair> handler) throws IOException {
    Schema projection =
        project(DataSchemas.load(Tables.PAIRS), Tables.ID, Tables.TOKEN_IDS_A, Tables.TOKEN_IDS_B, Tables.SCORE);
    long rows = 0;
    for (Path part : PartFiles.list(folder, conf)) {
      try (ParquetReader<GenericRecord> reader = open(part, projection)) {
        GenericRecord record;
        long row = 0;
        while ((record = reader.read()) != null) {
          Object id = record.get(Tables.ID);
          Object score = record.get(Tables.SCORE);
          if (id == null || score == null) {
            throw new RunFailure("pairs row " + row + " of " + part + " has a null id or score");
          }
          handler.accept(new SentencePair(
              id.toString(),
              tokens(record.get(Tables.TOKEN_IDS_A), id, part, vocabularySize),
              tokens(record.get(Tables.TOKEN_IDS_B), id, part, vocabularySize),
              ((Number) score).doubleValue()));
          row++;
          rows++;
        }
      }
    }
    return rows;
  }

  /**
   * Visits every row of an image-text images table ({@code <work>/prepared/<dataset>/<split>/images}).
   *
   * @return rows read
   * @throws RunFailure if the folder is missing or empty, or a row has no id or no PNG bytes
   */
  public long readImages(String folder, RowHandler<ImageRow> handler) throws IOException {
    Schema projection = project(DataSchemas.load(Tables.IMAGES), Tables.ID, Tables.PNG);
    long rows = 0;
    for (Path part : PartFiles.list(folder, conf)) {
      try (ParquetReader<GenericRecord> reader = open(part, projection)) {
        GenericRecord record;
        long row = 0;
        while ((record = reader.read()) != null) {
          Object id = record.get(Tables.ID);
          Object png = record.get(Tables.PNG);
          if (id == null || png == null) {
            throw new RunFailure("images row " + row + " of " + part + " has a null id or png");
          }
          ByteBuffer buffer = ((ByteBuffer) png).duplicate();
          byte[] bytes = new byte[buffer.remaining()];
          buffer.get(bytes);
          handler.accept(new ImageRow(id.toString(), bytes));
          row++;
          rows++;
        }
      }
    }
    return rows;
  }

  /**
   * Visits every row of an image-text captions table ({@code <work>/prepared/<dataset>/<split>/captions}).
   *
   * @param vocabularySize token ids must lie in [0, vocabularySize)
   * @return rows read
   * @throws RunFailure if the folder is missing or empty, a row has no id or image id, or a token id lies
   *     outside the vocabulary
   */
  public long readCaptions(String folder, int vocabularySize, RowHandler<CaptionRow> handler) throws IOException {
    Schema projection = project(DataSchemas.load(Tables.CAPTIONS), Tables.ID, Tables.IMAGE_ID, Tables.TOKEN_IDS);
    long rows = 0;
    for (Path part : PartFiles.list(folder, conf)) {
      try (ParquetReader<GenericRecord> reader = open(part, projection)) {
        GenericRecord record;
        long row = 0;
        while ((record = reader.read()) != null) {
          Object id = record.get(Tables.ID);
          Object image = record.get(Tables.IMAGE_ID);
          if (id == null || image == null) {
            throw new RunFailure("captions row " + row + " of " + part + " has a null id or image_id");
          }
          handler.accept(new CaptionRow(
              id.toString(), image.toString(), tokens(record.get(Tables.TOKEN_IDS), id, part, vocabularySize)));
          row++;
          rows++;
        }
      }
    }
    return rows;
  }

  /** Reads all rows of a qrels table; nothing is filtered (see {@link Qrel#relevant()}). */
  public List<Qrel> readQrels(String folder) throws IOException {
    Schema schema = DataSchemas.load(Tables.QRELS);
    List<Qrel> qrels = new ArrayList<>();
    for (Path part : PartFiles.list(folder, conf)) {
      try (ParquetReader<GenericRecord> reader = open(part, schema)) {
        GenericRecord record;
        long row = 0;
        while ((record = reader.read()) != null) {
          Object query = record.get(Tables.QUERY_ID);
          Object doc = record.get(Tables.DOC_ID);
          Object relevance = record.get(Tables.RELEVANCE);
          if (query == null || doc == null || relevance == null) {
            throw new RunFailure(
                "qrels row " + row + " of " + part + " has a null query_id, doc_id or relevance");
          }
          qrels.add(new Qrel(query.toString(), doc.toString(), ((Number) relevance).intValue()));
          row++;
        }
      }
    }
    return qrels;
  }

  private ParquetReader<GenericRecord> open(Path part, Schema projection) throws IOException {
    Configuration readConf = new Configuration(conf);
    // Without this, a file with no Avro schema in its footer (every Spark file) reads token_ids as a
    // list of {element: int} records.
    readConf.setBoolean(ADD_LIST_ELEMENT_RECORDS, false);
    // The projection is converted to a Parquet schema to match against the file; it must use the
    // 3-level list form too, or nothing matches.
    readConf.setBoolean(WRITE_OLD_LIST_STRUCTURE, false);
    AvroReadSupport.setRequestedProjection(readConf, projection);
    return AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(part, readConf))
        .withConf(readConf)
        .build();
  }

  private static TokenizedText toText(GenericRecord record, Path part, long row, int vocabularySize) {
    Object id = record.get(Tables.ID);
    if (id == null) {
      throw new RunFailure("row " + row + " of " + part + " has no id");
    }
    return new TokenizedText(id.toString(), tokens(record.get(Tables.TOKEN_IDS), id, part, vocabularySize));
  }

  private static int[] tokens(Object list, Object id, Path part, int vocabularySize) {
    if (list == null) {
      return new int[0];
    }
    List<?> values = (List<?>) list;
    int[] tokens = new int[values.size()];
    for (int i = 0; i < tokens.length; i++) {
      Object value = values.get(i);
      if (value == null) {
        throw new RunFailure("row id " + id + " of " + part + " has a null token id at position " + i);
      }
      int token = ((Number) value).intValue();
      if (token < 0 || token >= vocabularySize) {
        throw new RunFailure(
            "token id " + token + " of row id " + id + " in " + part + " lies outside [0, " + vocabularySize
                + "): the data was prepared with a larger id space than encoder vocabulary-size = "
                + vocabularySize + "; take vocabulary-size from the dataset's manifest");
      }
      tokens[i] = token;
    }
    return tokens;
  }

  private static Schema project(Schema schema, String... fields) {
    List<Schema.Field> kept = new ArrayList<>();
    for (String name : fields) {
      Schema.Field field = schema.getField(name);
      kept.add(new Schema.Field(field, field.schema()));
    }
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, kept);
  }
}
