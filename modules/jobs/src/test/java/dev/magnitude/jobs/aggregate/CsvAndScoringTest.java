package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.run.Variant;
import dev.magnitude.jobs.score.Scoring;
import dev.magnitude.jobs.score.Vectors;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The CSV form of the result tables (RFC 4180), and the per-side exponents of {@link Scoring}. */
class CsvAndScoringTest {

  @Test
  void csvQuotesOnlyWhatNeedsItAndWritesNullAsEmpty() {
    StructType schema = new StructType()
        .add("run_id", DataTypes.StringType)
        .add("in_domain", DataTypes.BooleanType)
        .add("d", DataTypes.DoubleType)
        .add("reason", DataTypes.StringType);
    String csv = Csv.of(schema, List.of(
        RowFactory.create("a", true, 0.25, null),
        RowFactory.create("b", false, null, "x, \"y\"\nz")));
    assertThat(csv).isEqualTo(
        "run_id,in_domain,d,reason\r\n"
            + "a,true,0.25,\r\n"
            + "b,false,,\"x, \"\"y\"\"\nz\"\r\n");
    assertThatThrownBy(() -> Csv.of(schema, List.of(RowFactory.create("a"))))
        .hasMessageContaining("row of 1 values for 4 columns");
  }

  @Test
  void scoringsAreTheFourFixedOnesWithPerSideExponents() {
    assertThat(Scoring.FIXED).extracting(Scoring::id).containsExactly("cosine", "query-norm", "doc-norm", "dot");
    for (Variant v : List.of(Variant.COSINE, Variant.QUERY_NORM, Variant.DOC_NORM, Variant.DOT)) {
      Scoring s = Scoring.of(v);
      assertThat(s.queryExponent()).isEqualTo(v.normalizesQuery() ? 1.0 : 0.0);
      assertThat(s.documentExponent()).isEqualTo(v.normalizesDocument() ? 1.0 : 0.0);
    }
    float[] v = {3, 4}; // norm 5
    assertThat(Vectors.toDouble(v, 1)).containsExactly(new double[] {0.6, 0.8}, within(1e-15));
    assertThat(Vectors.toDouble(v, 0)).containsExactly(3.0, 4.0);
    // a partial exponent divides by ‖v‖^α: 5^0.5 = √5
    assertThat(Vectors.toDouble(v, 0.5)[0]).isCloseTo(3 / Math.sqrt(5), within(1e-15));
    assertThat(Vectors.toDouble(new float[] {0, 0}, 0.5)).containsExactly(0.0, 0.0);
    assertThatThrownBy(() -> new Scoring("bad", 1.5, 0)).hasMessageContaining("exponents must be in [0, 1]");
  }
}
