package dev.magnitude.prepare;

import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.tokenize.TextTokenizer;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What differs between the task types of the prepare job (retrieval and QA, STS, image-text): how the input
 * is read, when it is usable, which texts the vocabulary is counted over, which tables are written and how
 * written rows map back to input files. Everything else — settings and skipping, the temporary folder and
 * its commit, the quarantine limit, tokenizer fitting, read-back, the manifest and its content hash — is
 * {@link PrepareJob}'s, the same for every task.
 */
interface TaskFlow extends AutoCloseable {

  /** The validated input; read once, when the flow is made. */
  RawInput input();

  /** Null when the input can be prepared, else what is missing (the job fails with it). */
  String unusable();

  /** The texts the built-in tokenizer counts its vocabulary over: the training split's. */
  Dataset<String> vocabularyTexts();

  /**
   * The tables to write, tokenized with {@code tokenizer}: name (as in {@link
   * dev.magnitude.core.manifest.Manifest#tables()}), final path, schema, rows, row count and key columns.
   */
  List<Output> outputs(Broadcast<TextTokenizer> tokenizer);

  /**
   * Rows written per input file (the keys of {@link RawInput#rowsIn()}), counted from the written tables.
   *
   * @param stats the written tables by name
   * @param read reads a written table by name from where it was staged
   */
  Map<String, Long> written(Map<String, ShardedTable.Stats> stats, java.util.function.Function<String, Dataset<Row>> read);

  @Override
  default void close() {
    input().close();
  }

  /** One table to write; {@code path} is its final path under prepared/&lt;dataset&gt; (the job stages it). */
  record Output(String name, String path, StructType schema, Dataset<Row> rows, long count, String... keys) {}

  /**
   * Rows in {@code schema}'s column order: a column {@code token_ids<suffix>} is the tokenizer's ids of the
   * input column {@code text<suffix>}, any other column is copied from the input column of its name.
   */
  static Dataset<Row> tokenize(Dataset<Row> rows, StructType schema, Broadcast<TextTokenizer> tokenizer) {
    StructType in = rows.schema();
    StructField[] fields = schema.fields();
    int[] source = new int[fields.length];
    boolean[] encode = new boolean[fields.length];
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      encode[i] = name.startsWith("token_ids") && fields[i].dataType() instanceof ArrayType;
      String from = encode[i] ? "text" + name.substring("token_ids".length()) : name;
      source[i] = in.fieldIndex(from);
    }
    MapFunction<Row, Row> map = r -> {
      Object[] values = new Object[source.length];
      for (int i = 0; i < source.length; i++) {
        // The int[] itself: the row encoder copies a primitive array into its row as it is, whereas a Scala
        // sequence of it would be copied as one boxed Integer per id.
        values[i] = encode[i] ? tokenizer.value().encode(r.getString(source[i])) : r.get(source[i]);
      }
      return RowFactory.create(values);
    };
    return rows.map(map, Encoders.row(schema));
  }
}
