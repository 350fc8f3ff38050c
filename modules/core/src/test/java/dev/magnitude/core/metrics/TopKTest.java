package dev.magnitude.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopKTest {

  /**
   * The ranking rule written a second way, for the equivalence tests: numbers before NaN, then score
   * descending, then doc id descending. (No -0.0 in the random scores, where Double.compare differs.)
   */
  private static final Comparator<ScoredDoc> REFERENCE =
      Comparator.comparing((ScoredDoc doc) -> Double.isNaN(doc.score()))
          .thenComparing(ScoredDoc::score, Comparator.reverseOrder())
          .thenComparing(ScoredDoc::docId, Comparator.reverseOrder());

  @Test
  void keepsTheKBestBestFirst() {
    TopK top = new TopK(3);
    top.offer("a", 0.1);
    top.offer("b", 0.9);
    top.offer("c", 0.5);
    top.offer("d", 0.7);
    top.offer("e", 0.2);
    assertThat(top.result()).containsExactly(
        new ScoredDoc("b", 0.9), new ScoredDoc("d", 0.7), new ScoredDoc("c", 0.5));
    assertThat(top.size()).isEqualTo(3);
  }

  @Test
  void rankingOrderBreaksTiesByDocIdDescendingAndTiesSignedZeros() {
    List<ScoredDoc> docs = new ArrayList<>(List.of(
        new ScoredDoc("a", 1.0), new ScoredDoc("c", 1.0), new ScoredDoc("b", 1.0),
        new ScoredDoc("z", 0.0), new ScoredDoc("y", -0.0), new ScoredDoc("x", 2.0)));
    docs.sort(ScoredDoc.RANKING_ORDER);
    // 2.0 first; the 1.0 tie as c, b, a; 0.0 and -0.0 are the same score, so z before y by id.
    assertThat(docs).extracting(ScoredDoc::docId).containsExactly("x", "c", "b", "a", "z", "y");
  }

  @Test
  void nanScoresRankAfterEveryNumber() {
    TopK top = new TopK(3);
    top.offer("a", Double.NaN);
    top.offer("b", 1.0);
    top.offer("c", Double.NEGATIVE_INFINITY);
    top.offer("d", Double.NaN);
    // Numbers first (b, then c at -Infinity); of the two NaNs only one fits: d before a by id.
    assertThat(top.result()).extracting(ScoredDoc::docId).containsExactly("b", "c", "d");

    TopK roomy = new TopK(10);
    roomy.offer("a", Double.NaN);
    roomy.offer("d", Double.NaN);
    roomy.offer("b", -5.0);
    assertThat(roomy.result()).extracting(ScoredDoc::docId).containsExactly("b", "d", "a");
  }

  @Test
  void mergedShardsEqualOneCollectorOverAllDocuments() {
    long seed = 20240611L;
    for (int size : new int[] {0, 1, 7, 100, 2_000}) {
      for (int k : new int[] {1, 3, 10, 100, 5_000}) {
        for (int shards : new int[] {1, 2, 5}) {
          for (boolean manyTies : new boolean[] {false, true}) {
            List<ScoredDoc> docs = randomDocs(new SplittableRandom(seed++), size, manyTies);
            assertMergeEqualsSingle(docs, k, shards);
          }
        }
      }
    }
  }

  @Test
  void serializedCollectorKeepsCollecting() throws Exception {
    TopK top = new TopK(2);
    top.offer("a", 0.3);
    top.offer("b", 0.6);
    TopK copy = roundTrip(top);
    copy.offer("c", 0.9);
    copy.offer("d", 0.1);
    assertThat(copy.k()).isEqualTo(2);
    assertThat(copy.result()).extracting(ScoredDoc::docId).containsExactly("c", "b");
    assertThat(roundTrip(ScoredDoc.RANKING_ORDER)).isSameAs(ScoredDoc.RANKING_ORDER);
  }

  @Test
  void mergeKeepsItsOwnKAndRefusesItself() {
    TopK small = new TopK(1);
    small.offer("a", 0.5);
    TopK other = new TopK(3);
    other.offer("b", 0.7);
    other.offer("c", 0.6);
    assertThat(small.merge(other).result()).containsExactly(new ScoredDoc("b", 0.7));
    assertThat(other.size()).isEqualTo(2); // the merged-in collector is untouched
    assertThatThrownBy(() -> small.merge(small))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("itself");
  }

  @Test
  void thresholdIsTheWorstKeptScoreOnceFull() {
    TopK top = new TopK(2);
    assertThat(top.threshold()).isEqualTo(Double.NEGATIVE_INFINITY);
    top.offer("a", 0.5);
    // one kept of two: anything may still enter
    assertThat(top.threshold()).isEqualTo(Double.NEGATIVE_INFINITY);
    top.offer("b", Double.NaN);
    // full, but the worst kept is NaN: every number ranks before it
    assertThat(top.threshold()).isEqualTo(Double.NEGATIVE_INFINITY);
    top.offer("c", 0.25);
    // kept a = 0.5, c = 0.25: the threshold is 0.25; at the threshold a larger id still enters (tie rule)
    assertThat(top.threshold()).isEqualTo(0.25);
    top.offer("d", 0.25);
    assertThat(top.result()).containsExactly(new ScoredDoc("a", 0.5), new ScoredDoc("d", 0.25));
    // below the threshold: rejected
    top.offer("z", Math.nextDown(0.25));
    assertThat(top.result()).containsExactly(new ScoredDoc("a", 0.5), new ScoredDoc("d", 0.25));
  }

  @Test
  void rejectsNonPositiveK() {
    assertThatThrownBy(() -> new TopK(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be > 0, got 0");
    assertThatThrownBy(() -> new TopK(-3)).hasMessageContaining("got -3");
  }

  private static void assertMergeEqualsSingle(List<ScoredDoc> docs, int k, int shards) {
    TopK single = new TopK(k);
    List<TopK> perShard = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      perShard.add(new TopK(k));
    }
    for (int i = 0; i < docs.size(); i++) {
      ScoredDoc doc = docs.get(i);
      single.offer(doc.docId(), doc.score());
      perShard.get(i % shards).offer(doc.docId(), doc.score());
    }
    TopK merged = new TopK(k);
    perShard.forEach(merged::merge);

    List<ScoredDoc> sorted = new ArrayList<>(docs);
    sorted.sort(REFERENCE);
    List<ScoredDoc> expected = sorted.subList(0, Math.min(k, sorted.size()));
    String context = "size " + docs.size() + ", k " + k + ", shards " + shards;
    assertThat(single.result()).as(context).isEqualTo(expected);
    assertThat(merged.result()).as(context).isEqualTo(expected);
  }

  /** Distinct ids; scores continuous, or from {0, 0.5, 1} for many ties; about 2% NaN. */
  private static List<ScoredDoc> randomDocs(SplittableRandom random, int size, boolean manyTies) {
    List<ScoredDoc> docs = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      double score = manyTies ? random.nextInt(3) / 2.0 : random.nextDouble(-1, 1);
      if (random.nextInt(50) == 0) {
        score = Double.NaN;
      }
      docs.add(new ScoredDoc("doc-" + Integer.toString(random.nextInt(1 << 20), 36) + "-" + i, score));
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  /** get(i) hands out exactly the kept documents (the result's, unordered) and rejects other indexes. */
  @Test
  void getListsTheKeptDocumentsInAnyOrder() {
    TopK top = new TopK(3);
    top.offer("a", 1.0);
    top.offer("b", 5.0);
    top.offer("c", 3.0);
    top.offer("d", 4.0);
    top.offer("e", 0.5);
    List<ScoredDoc> kept = new ArrayList<>();
    for (int i = 0; i < top.size(); i++) {
      kept.add(top.get(i));
    }
    assertThat(kept).containsExactlyInAnyOrderElementsOf(top.result());
    assertThat(top.result()).extracting(ScoredDoc::docId).containsExactly("b", "d", "c");
    assertThatThrownBy(() -> top.get(3)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("3 of 3");
    assertThatThrownBy(() -> new TopK(2).get(0)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
