package dev.magnitude.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.metrics.ScoredDoc;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrecFormatTest {

  @Test
  void runFileRanksByScoreThenDocIdDescending() {
    // q2: d2 0.9 first; d1 and d3 tie at 0.5 → id descending: d3 then d1.
    // q1: a and b tie at 0.25 → b then a. q10: 1e-5 above −1.5.
    // Queries in id order as strings: q1 < q10 < q2. Scores as Double.toString.
    Map<String, List<ScoredDoc>> rankings = Map.of(
        "q2", List.of(new ScoredDoc("d1", 0.5), new ScoredDoc("d3", 0.5), new ScoredDoc("d2", 0.9)),
        "q1", List.of(new ScoredDoc("a", 0.25), new ScoredDoc("b", 0.25)),
        "q10", List.of(new ScoredDoc("z", -1.5), new ScoredDoc("y", 1e-5)));
    assertThat(TrecFormat.runFile(rankings, "run-A")).isEqualTo(
        "q1 Q0 b 1 0.25 run-A\n"
            + "q1 Q0 a 2 0.25 run-A\n"
            + "q10 Q0 y 1 1.0E-5 run-A\n"
            + "q10 Q0 z 2 -1.5 run-A\n"
            + "q2 Q0 d2 1 0.9 run-A\n"
            + "q2 Q0 d3 2 0.5 run-A\n"
            + "q2 Q0 d1 3 0.5 run-A\n");
  }

  @Test
  void scoresKeepEnoughDigitsToKeepTheOrder() {
    // 0.1 + 0.2 = 0.30000000000000004 > 0.3: a fixed 6-digit format would print both as 0.300000 and
    // trec_eval would reorder them by doc id (y before x); the shortest round-trip form keeps them apart.
    String run = TrecFormat.runFile(Map.of("q", List.of(new ScoredDoc("y", 0.3), new ScoredDoc("x", 0.1 + 0.2))), "t");
    assertThat(run).isEqualTo("q Q0 x 1 0.30000000000000004 t\nq Q0 y 2 0.3 t\n");
  }

  @Test
  void qrelsInIdOrder() {
    Map<String, Map<String, Integer>> qrels = Map.of("q2", Map.of("d1", 1, "d0", 0), "q1", Map.of("a", 2));
    assertThat(TrecFormat.qrels(qrels)).isEqualTo("q1 0 a 2\nq2 0 d0 0\nq2 0 d1 1\n");
  }

  @Test
  void refusesWhatTrecEvalCannotRead() {
    assertThatThrownBy(() -> TrecFormat.runFile(Map.of("q 1", List.of(new ScoredDoc("d", 1))), "t"))
        .hasMessageContaining("query id 'q 1' contains white space");
    assertThatThrownBy(() -> TrecFormat.runFile(Map.of("q", List.of(new ScoredDoc("d", 1))), "my run"))
        .hasMessageContaining("run tag");
    assertThatThrownBy(() -> TrecFormat.runFile(Map.of("q", List.of(new ScoredDoc("d", Double.NaN))), "t"))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> TrecFormat.runFile(
        Map.of("q", List.of(new ScoredDoc("d", 1), new ScoredDoc("d", 0.5))), "t"))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> TrecFormat.qrels(Map.of("q", Map.of("", 1)))).hasMessageContaining("empty");
  }
}
