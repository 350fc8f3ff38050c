package dev.magnitude.prepare.io;

import dev.magnitude.core.schema.Tables;
import org.apache.spark.sql.types.StructType;

/**
 * Spark schemas of the prepared tables, one per data-schemas/&lt;name&gt;.avsc (schema version {@link
 * Tables#SCHEMA_VERSION}). Every field is nullable because Spark writes every Parquet column as optional;
 * the avsc files say so with {@code ["null", T]} unions.
 */
public final class PreparedSchemas {
  private PreparedSchemas() {}

  /** documents.avsc: id, text, token_ids (array of int). */
  public static final StructType DOCUMENTS = AvroSparkSchemas.of(Tables.DOCUMENTS);
  /** queries.avsc: id, text, token_ids (array of int). */
  public static final StructType QUERIES = AvroSparkSchemas.of(Tables.QUERIES);
  /** qrels.avsc: query_id, doc_id, relevance. */
  public static final StructType QRELS = AvroSparkSchemas.of(Tables.QRELS);
  /** quarantine.avsc: file (relative to the raw folder), line (1-based), reason, raw. */
  public static final StructType QUARANTINE = AvroSparkSchemas.of(Tables.QUARANTINE);
  /** answers.avsc: query_id, answer (QA: one row per gold answer string). */
  public static final StructType ANSWERS = AvroSparkSchemas.of(Tables.ANSWERS);
  /** pairs.avsc: id, text_a, token_ids_a, text_b, token_ids_b, score (STS). */
  public static final StructType PAIRS = AvroSparkSchemas.of(Tables.PAIRS);
  /** images.avsc: id, file, width, height, png (bytes). */
  public static final StructType IMAGES = AvroSparkSchemas.of(Tables.IMAGES);
  /** captions.avsc: id, image_id, text, token_ids. */
  public static final StructType CAPTIONS = AvroSparkSchemas.of(Tables.CAPTIONS);
}
