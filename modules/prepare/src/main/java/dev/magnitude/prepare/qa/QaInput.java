package dev.magnitude.prepare.qa;

import dev.magnitude.prepare.beir.BeirInput;
import dev.magnitude.prepare.io.RawInput;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated QA dataset ({@link QaReader}): the BEIR tables, whose queries are those with valid answers,
 * and the answers. Queries rejected for their answers are in the BEIR input's quarantine and counts, so
 * {@link #rowsIn()}, {@link #rejectedIn()} and {@link #quarantine()} are the BEIR input's. Holds cached
 * Spark datasets; {@link #close()} releases them.
 */
public final class QaInput implements RawInput {
  private final BeirInput beir;

  QaInput(BeirInput beir) {
    this.beir = beir;
  }

  /** The documents, queries and qrels, validated under the BEIR rules and the answers rule. */
  public BeirInput beir() {
    return beir;
  }

  /**
   * The answers of the valid queries of {@code split} ({@code beir().queries(split)}): {@code query_id,
   * answer}, one row per answer, trimmed, duplicates within a query dropped.
   */
  public Dataset<Row> answers(String split) {
    return beir.answers(split);
  }

  @Override
  public Map<String, Long> rowsIn() {
    return beir.rowsIn();
  }

  @Override
  public Map<String, Long> rejectedIn() {
    return beir.rejectedIn();
  }

  @Override
  public Dataset<Row> quarantine() {
    return beir.quarantine();
  }

  @Override
  public void close() {
    beir.close();
  }
}
