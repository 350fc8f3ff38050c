package dev.magnitude.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerRecallTest {

  @Test
  void normalizesLikeSquad() {
    // lower → "the  eiffel-tower!" → drop punctuation → "the  eiffeltower" → drop "the" → collapse
    assertThat(AnswerRecall.normalize("The  Eiffel-Tower!")).isEqualTo("eiffeltower");
    assertThat(AnswerRecall.normalize("U.S. Army")).isEqualTo("us army");
    assertThat(AnswerRecall.normalize("don't")).isEqualTo("dont");
    // only whole-word articles go
    assertThat(AnswerRecall.normalize("A theory of an Anna")).isEqualTo("theory of anna");
    assertThat(AnswerRecall.normalize("(the) end")).isEqualTo("end");
    // SQuAD's punctuation includes ASCII symbols: $ and + are deleted
    assertThat(AnswerRecall.normalize("$5 + tax")).isEqualTo("5 tax");
    assertThat(AnswerRecall.normalize("The")).isEmpty();
    assertThat(AnswerRecall.normalize("   ")).isEmpty();
  }

  @Test
  void normalizesUnicode() {
    // NFKC folds fullwidth letters and the fi ligature
    assertThat(AnswerRecall.normalize("Ｐａｒｉｓ")).isEqualTo("paris");
    assertThat(AnswerRecall.normalize("\uFB01sh")).isEqualTo("fish");
    // Unicode punctuation: guillemets, curly quotes, em dash, inverted question mark, ideographic full stop
    assertThat(AnswerRecall.normalize("«Paris» “the” ¿qué? 1939—1945。")).isEqualTo("paris qué 19391945");
    // accents are kept, and the decomposed form (e + combining acute) equals the composed one after NFKC
    assertThat(AnswerRecall.normalize("Café")).isEqualTo("café");
    assertThat(AnswerRecall.normalize("Cafe\u0301")).isEqualTo("café");
    assertThat(AnswerRecall.normalize("Café")).isNotEqualTo("cafe");
    // no-break space, tab, newline and ideographic space all become one space
    // documented limit: Locale.ROOT lower-cases İ (U+0130) to i + U+0307 (combining dot), kept as a mark
    assertThat(AnswerRecall.normalize("İstanbul")).isEqualTo("i\u0307stanbul");
    assertThat(AnswerRecall.normalize("New\u00A0York\t\n City\u3000Hall")).isEqualTo("new york city hall");
  }

  @Test
  void matchesWholeTokensOnly() {
    // "paris" is in "in paris france" but not in "parisian cafes"
    assertThat(AnswerRecall.hitAt(List.of("In Paris, France."), List.of("Paris"), 1)).isTrue();
    assertThat(AnswerRecall.hitAt(List.of("Parisian cafes"), List.of("Paris"), 1)).isFalse();
    // multi-token answers match as a sequence, articles dropped on both sides
    assertThat(AnswerRecall.hitAt(List.of("...the Beatles were a band"), List.of("The Beatles"), 1)).isTrue();
    // an answer normalizing to nothing matches nothing
    assertThat(AnswerRecall.hitAt(List.of("the end"), List.of("The"), 1)).isFalse();
  }

  @Test
  void hitAtCountsOnlyTheTopK() {
    List<String> passages = List.of("nothing here", "it was in 1969", "1969 again");
    assertThat(AnswerRecall.hitAt(passages, List.of("1970", "1969"), 1)).isFalse();
    assertThat(AnswerRecall.hitAt(passages, List.of("1970", "1969"), 2)).isTrue();
    assertThat(AnswerRecall.hitAt(passages, List.of("1969"), 100)).isTrue(); // k beyond the list
    assertThat(AnswerRecall.firstHitRank(passages, List.of("1969"))).isEqualTo(2);
    assertThat(AnswerRecall.firstHitRank(passages, List.of("2001"))).isZero();
  }

  @Test
  void recallAtKIsTheFractionOfQueriesWithAHit() {
    // q1 hit at rank 1, q2 hit at rank 2, q3 never, q4 retrieved nothing (absent) → miss.
    // recall@1 = 1/4, recall@2 = 2/4
    Map<String, List<String>> retrieved = Map.of(
        "q1", List.of("Paris is the capital", "x"),
        "q2", List.of("x", "Rome, Italy"),
        "q3", List.of("x", "y"));
    Map<String, List<String>> answers = Map.of(
        "q1", List.of("Paris"), "q2", List.of("Rome"), "q3", List.of("Oslo"), "q4", List.of("Bern"));
    assertThat(AnswerRecall.recallAt(retrieved, answers, 1)).isCloseTo(0.25, within(1e-12));
    assertThat(AnswerRecall.recallAt(retrieved, answers, 2)).isCloseTo(0.5, within(1e-12));
    assertThat(AnswerRecall.perQuery(retrieved, answers, 2))
        .containsExactly(Map.entry("q1", 1.0), Map.entry("q2", 1.0), Map.entry("q3", 0.0), Map.entry("q4", 0.0));
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> AnswerRecall.hitAt(List.of("x"), List.of(), 1)).hasMessageContaining("at least one answer");
    assertThatThrownBy(() -> AnswerRecall.hitAt(List.of("x"), List.of("a"), 0)).hasMessageContaining("cutoff k must be > 0");
    assertThatThrownBy(() -> AnswerRecall.perQuery(Map.of(), Map.of("q7", List.of()), 1)).hasMessageContaining("query 'q7'");
  }
}
