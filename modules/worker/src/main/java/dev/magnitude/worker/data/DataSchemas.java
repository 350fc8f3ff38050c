package dev.magnitude.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;

/** The Avro schemas of data-schemas/, read from the classpath ({@code /data-schemas/<name>.avsc}). */
public final class DataSchemas {
  private DataSchemas() {}

  /**
   * @param table a table name from {@link dev.magnitude.core.schema.Tables}, e.g. {@code embeddings}
   * @throws IllegalStateException if the schema is not on the classpath (core jar missing)
   */
  public static Schema load(String table) {
    String resource = "/data-schemas/" + table + ".avsc";
    try (InputStream in = DataSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the classpath; is magnitude-core on it?");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
