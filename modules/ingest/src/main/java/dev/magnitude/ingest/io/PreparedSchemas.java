package dev.magnitude.ingest.io;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import dev.magnitude.core.schema.Tables;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * Spark schemas of the prepared tables, one per data-schemas/&lt;name&gt;.avsc (schema version {@link
 * Tables#SCHEMA_VERSION}). Every field is nullable because Spark writes every Parquet column as optional;
 * the avsc files say so with {@code ["null", T]} unions.
 */
public final class PreparedSchemas {
  private PreparedSchemas() {}

  /** documents.avsc: id, text, token_ids (array of int). */
  public static final StructType DOCUMENTS = textWithTokens();
  /** queries.avsc: id, text, token_ids (array of int). */
  public static final StructType QUERIES = textWithTokens();
  /** qrels.avsc: query_id, doc_id, relevance. */
  public static final StructType QRELS =
      createStructType(
          List.of(
              createStructField(Tables.QUERY_ID, StringType, true),
              createStructField(Tables.DOC_ID, StringType, true),
              createStructField(Tables.RELEVANCE, IntegerType, true)));
  /** quarantine.avsc: file (relative to the raw folder), line (1-based), reason, raw. */
  public static final StructType QUARANTINE =
      createStructType(
          List.of(
              createStructField("file", StringType, true),
              createStructField("line", LongType, true),
              createStructField("reason", StringType, true),
              createStructField("raw", StringType, true)));

  private static StructType textWithTokens() {
    return createStructType(
        List.of(
            createStructField(Tables.ID, StringType, true),
            createStructField(Tables.TEXT, StringType, true),
            createStructField(Tables.TOKEN_IDS, createArrayType(IntegerType, true), true)));
  }
}
