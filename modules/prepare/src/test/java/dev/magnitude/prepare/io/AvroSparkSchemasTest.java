package dev.magnitude.prepare.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class AvroSparkSchemasTest {
  @Test
  void nullableUnionsAndArraysBecomeTheSparkTypesSparkWrites() {
    // documents.avsc: ["null","string"] x2 and ["null", array of ["null","int"]]: all nullable
    StructType expected = new StructType()
        .add("id", DataTypes.StringType, true)
        .add("text", DataTypes.StringType, true)
        .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType, true), true);
    assertThat(AvroSparkSchemas.of("documents")).isEqualTo(expected);
  }

  @Test
  void requiredFieldsStayRequired() {
    // embeddings.avsc is written by the trainer without unions: id string, vector array<float>, norm double
    StructType expected = new StructType()
        .add("id", DataTypes.StringType, false)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add("norm", DataTypes.DoubleType, false);
    assertThat(AvroSparkSchemas.of("embeddings")).isEqualTo(expected);
  }

  @Test
  void anUnknownSchemaIsNamed() {
    assertThatThrownBy(() -> AvroSparkSchemas.of("nope"))
        .hasMessageStartingWith("no schema /data-schemas/nope.avsc on the classpath");
  }
}
