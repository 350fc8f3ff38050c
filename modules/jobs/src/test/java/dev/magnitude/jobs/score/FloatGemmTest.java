package dev.magnitude.jobs.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The float pre-pass in libtorch: the product, and the pairs at or above a per-query cut. */
class FloatGemmTest {

  /**
   * Queries (1, 0), (0, 2), (1, 1) against the documents (3, 1), (0, 1), (-1, 2) of a block that starts
   * at the second document of the array (a leading (9, 9) is skipped): scores 3, 0, -1 / 2, 2, 4 /
   * 4, 1, 1, all exact in float.
   */
  @Test
  void scoresAndCutsOfAHandComputedBlock() {
    float[] queries = {1, 0, 0, 2, 1, 1};
    float[] documents = {9, 9, 3, 1, 0, 1, -1, 2};
    try (FloatGemm gemm = new FloatGemm(queries, 3, 2)) {
      assertThat(gemm.scores(documents, 2, 3)).containsExactly(3, 0, -1, 2, 2, 4, 4, 1, 1);
      // cuts: query 0 at 0 (keeps 3 and 0: >= includes the tie), query 1 above everything, query 2 at 1
      FloatGemm.Passing passing = gemm.atLeast(documents, 2, 3, new float[] {0, 5, 1});
      List<String> pairs = new ArrayList<>();
      for (int i = 0; i < passing.size(); i++) {
        pairs.add(passing.query(i) + ":" + passing.document(i) + "=" + passing.scores()[i]);
      }
      assertThat(pairs).containsExactly("0:0=3.0", "0:1=0.0", "2:0=4.0", "2:1=1.0", "2:2=1.0");
      assertThat(gemm.atLeast(documents, 2, 3, new float[] {10, 10, 10}).size()).isZero();
      assertThatThrownBy(() -> gemm.atLeast(documents, 2, 3, new float[] {0}))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 cuts for 3 queries");
      assertThatThrownBy(() -> gemm.scores(documents, 4, 3))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit in 8 floats");
    }
  }

  /** Random blocks: atLeast returns exactly the pairs of scores() at or above the cut, in row-major order. */
  @Test
  void atLeastEqualsFilteringAllScores() {
    Random random = new Random(11);
    int queries = 37;
    int dim = 16;
    float[] q = new float[queries * dim];
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) random.nextGaussian();
    }
    try (FloatGemm gemm = new FloatGemm(q, queries, dim)) {
      for (int rows : new int[] {1, 5, 300}) {
        float[] docs = new float[(rows + 2) * dim];
        for (int i = 0; i < docs.length; i++) {
          docs[i] = (float) random.nextGaussian();
        }
        float[] all = gemm.scores(docs, dim, rows);
        float[] cuts = new float[queries];
        for (int j = 0; j < queries; j++) {
          // about one in five pairs passes; some cuts equal a score exactly
          cuts[j] = j % 3 == 0 ? all[j * rows] : (float) (1.0 + random.nextGaussian() * 0.2) * 3.3f;
        }
        List<Long> expected = new ArrayList<>();
        for (int j = 0; j < queries; j++) {
          for (int d = 0; d < rows; d++) {
            if (all[j * rows + d] >= cuts[j]) {
              expected.add((long) j * rows + d);
            }
          }
        }
        FloatGemm.Passing passing = gemm.atLeast(docs, dim, rows, cuts);
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < passing.size(); i++) {
          got.add(passing.positions()[i]);
          assertThat(passing.scores()[i]).isEqualTo(all[(int) passing.positions()[i]]);
        }
        assertThat(got).as("rows %d", rows).containsExactlyElementsOf(expected);
        assertThat(expected).as("rows %d: the case passes some pairs", rows).isNotEmpty();
        // every pair passes a cut of −∞ (more pairs than the reused arrays start with at 300 rows)
        float[] none = new float[queries];
        java.util.Arrays.fill(none, Float.NEGATIVE_INFINITY);
        FloatGemm.Passing everything = gemm.atLeast(docs, dim, rows, none);
        assertThat(everything.size()).isEqualTo(queries * rows);
        for (int i = 0; i < everything.size(); i++) {
          assertThat(everything.positions()[i]).isEqualTo(i);
          assertThat(everything.scores()[i]).isEqualTo(all[i]);
        }
      }
    }
  }

  /**
   * The chunked test of atLeast ({@link FloatGemm#CHUNK} scores with one branch) against a scan of every
   * score: blocks whose size is below, at and above multiples of the chunk, cuts equal to the maximum
   * of a group of documents and to a score inside a group (ties pass), NaN and ±∞ scores (a document with a
   * NaN element, one with an infinite element), and NaN, −∞ and +∞ cuts.
   */
  @Test
  void chunkedCutEqualsScanningEveryScore() {
    int group = FloatGemm.CHUNK;
    Random random = new Random(29);
    int queries = 23;
    int dim = 8;
    float[] q = new float[queries * dim];
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) random.nextGaussian();
    }
    try (FloatGemm gemm = new FloatGemm(q, queries, dim)) {
      for (int rows : new int[] {1, group - 1, group, group + 1, 3 * group - 1, 4 * group, 300}) {
        float[] docs = new float[rows * dim];
        for (int i = 0; i < docs.length; i++) {
          docs[i] = (float) random.nextGaussian();
        }
        if (rows > group) {
          docs[(rows - 1) * dim] = Float.NaN; // a NaN score for every query in the last (short) group
          docs[dim + 3] = Float.POSITIVE_INFINITY; // +∞ or −∞ by the sign of the query's element
        }
        float[] all = gemm.scores(docs, 0, rows);
        float[] cuts = new float[queries];
        int boundaries = 0;
        for (int j = 0; j < queries; j++) {
          int g = (j / 6) % ((rows + group - 1) / group);
          int from = g * group;
          int to = Math.min(rows, from + group);
          float groupMax = Float.NEGATIVE_INFINITY;
          for (int d = from; d < to; d++) {
            if (all[j * rows + d] > groupMax) {
              groupMax = all[j * rows + d];
            }
          }
          cuts[j] = switch (j % 6) {
            case 0 -> groupMax; // the group's maximum itself: the group must be scanned
            case 1 -> all[j * rows + (from + to) / 2]; // a score inside a group
            case 2 -> Float.NaN;
            case 3 -> Float.NEGATIVE_INFINITY;
            case 4 -> Float.POSITIVE_INFINITY;
            default -> (float) (2.0 + random.nextGaussian());
          };
          if (j % 6 == 0 && Float.isFinite(groupMax)) {
            boundaries++;
          }
        }
        List<Long> expected = new ArrayList<>();
        for (int j = 0; j < queries; j++) {
          for (int d = 0; d < rows; d++) {
            if (all[j * rows + d] >= cuts[j]) {
              expected.add((long) j * rows + d);
            }
          }
        }
        FloatGemm.Passing passing = gemm.atLeast(docs, 0, rows, cuts);
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < passing.size(); i++) {
          got.add(passing.positions()[i]);
          assertThat(Float.floatToRawIntBits(passing.scores()[i]))
              .isEqualTo(Float.floatToRawIntBits(all[(int) passing.positions()[i]]));
        }
        assertThat(got).as("rows %d", rows).containsExactlyElementsOf(expected);
        assertThat(boundaries).as("rows %d: some cut equals a finite group maximum", rows).isPositive();
        if (rows > group) {
          boolean infinite = false;
          for (float a : all) {
            infinite |= Float.isInfinite(a);
          }
          assertThat(infinite).as("rows %d: the case has infinite scores", rows).isTrue();
          assertThat(all[rows - 1]).isNaN();
          // a query with a +∞ cut gets exactly its +∞ scores (the document with the infinite element)
          assertThat(got).as("rows %d", rows).contains(expected.stream().filter(p -> all[(int) (long) p] == Float.POSITIVE_INFINITY).toArray(Long[]::new));
        }
      }
    }
  }
}
