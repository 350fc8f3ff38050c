package dev.magnitude.ingest.io;

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
}
