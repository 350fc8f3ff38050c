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

  /**
   * Before this change every one of these cells went out raw: a spreadsheet ran {@code =HYPERLINK(...)} and
   * {@code @SUM(...)}, and NUL and U+202E (right-to-left override) passed unseen. Expected cells worked out by
   * hand from the rules in {@link Csv}'s javadoc.
   */
  @Test
  void textCellsAreNeutralisedForSpreadsheetsButNumbersStayNumbers() {
    StructType schema = new StructType().add("=cmd", DataTypes.StringType).add("d", DataTypes.DoubleType);
    String csv = Csv.of(schema, List.of(
        RowFactory.create("=HYPERLINK(\"http://x\")", -0.25),
        RowFactory.create("+1+2", Double.NEGATIVE_INFINITY),
        RowFactory.create("-2+3", null),
        RowFactory.create("@SUM(A1)", null),
        RowFactory.create("\tx", null),
        RowFactory.create("\r=1", null),
        RowFactory.create("-0.25", null),
        RowFactory.create("+3", null),
        RowFactory.create("-1.5e-3", null),
        RowFactory.create("-", null),
        RowFactory.create("a=b", null),
        RowFactory.create("nul\u0000here\u001b", null),
        RowFactory.create("\u202Eexe.txt", null),
        RowFactory.create("\u2066iso\u2069 del\u007f c1\u0085", null),
        RowFactory.create("\u0000=1", null)));
    assertThat(csv.split("\r\n", -1)).containsExactly(
        "'=cmd,d",
        // a formula start gets a quote; the quoted field keeps its doubled quotes
        "\"'=HYPERLINK(\"\"http://x\"\")\",-0.25",
        // a computed number is written as Java prints it, even -Infinity
        "'+1+2,-Infinity",
        "'-2+3,",
        "'@SUM(A1),",
        "'\tx,",
        // CR forces quoting, and the cell starts with it
        "\"'\r=1\",",
        // plain decimal numbers in text cells stay numbers
        "-0.25,",
        "+3,",
        "-1.5e-3,",
        // a lone sign is not a number
        "'-,",
        "a=b,",
        // controls and bidi characters become visible escapes; an escaped start is no formula start
        "nul\\u0000here\\u001B,",
        "\\u202Eexe.txt,",
        "\\u2066iso\\u2069 del\\u007F c1\\u0085,",
        "\\u0000=1,",
        "");
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
