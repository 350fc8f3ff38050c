package dev.magnitude.prepare.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark schemas made from the Avro schemas in data-schemas/ (on the classpath as
 * {@code /data-schemas/<name>.avsc}), so every Spark writer follows the one definition. A
 * {@code ["null", T]} union is a nullable T; string, int, long, float, double, boolean, bytes and
 * arrays of them are supported (what the schemas use).
 */
public final class AvroSparkSchemas {
  private AvroSparkSchemas() {}

  /** The Spark schema of {@code data-schemas/<name>.avsc}, fields in the file's order. */
  public static StructType of(String name) {
    Schema avro = avro(name);
    List<StructField> fields = new ArrayList<>();
    for (Schema.Field f : avro.getFields()) {
      Schema type = f.schema();
      boolean nullable = isNullableUnion(type);
      fields.add(DataTypes.createStructField(f.name(), sparkType(nonNull(type), name + "." + f.name()), nullable));
    }
    return DataTypes.createStructType(fields);
  }

  /** The Avro schema {@code /data-schemas/<name>.avsc}. */
  public static Schema avro(String name) {
    String resource = "/data-schemas/" + name + ".avsc";
    try (InputStream in = AvroSparkSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no schema " + resource + " on the classpath; is magnitude-core there?");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static boolean isNullableUnion(Schema s) {
    return s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
  }

  private static Schema nonNull(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    List<Schema> types = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
    if (types.size() != 1) {
      throw new IllegalArgumentException("unsupported union " + s + ": only [\"null\", T] is supported");
    }
    return types.get(0);
  }

  private static DataType sparkType(Schema s, String where) {
    return switch (s.getType()) {
      case STRING -> DataTypes.StringType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case FLOAT -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case BOOLEAN -> DataTypes.BooleanType;
      case BYTES -> DataTypes.BinaryType;
      case ARRAY -> DataTypes.createArrayType(
          sparkType(nonNull(s.getElementType()), where + "[]"), isNullableUnion(s.getElementType()));
      default -> throw new IllegalArgumentException("unsupported Avro type " + s.getType() + " at " + where);
    };
  }
}
