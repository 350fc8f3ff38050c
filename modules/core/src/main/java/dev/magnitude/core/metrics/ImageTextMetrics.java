package dev.magnitude.core.metrics;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One run scored on one image-text evaluation set: recall at 1, 5 and 10 and the mean and median rank of
 * the first correct item, in both directions.
 *
 * <ul>
 *   <li>text→image: for each caption, the rank of its image among all images of the set.
 *   <li>image→text: for each image with at least one caption, the best rank among its captions of all
 *       captions of the set (a hit at k if ANY of its captions is in the top k). Images without captions
 *       are not counted.
 * </ul>
 *
 * <p>Ranks count from 1; the rank of item g is 1 + the number of items scoring strictly higher + the
 * number of items with an equal score that the tie rule puts first. Two tie rules:
 *
 * <ul>
 *   <li>{@link #of(double[][], int[], List, List)} and {@link #ranks(double[][], int[], List, List)}: the
 *       project's ranking rule ({@link ScoredDoc#RANKING_ORDER}, the one trec_eval and the retrieval
 *       metrics use): ties by id DESCENDING ({@link String#compareTo}). Use these.
 *   <li>{@link #of(double[][], int[])} and {@link #ranks(double[][], int[])}, without ids: ties by index
 *       ascending (the order the caller gives). This is the rule of the first version, kept so the
 *       aggregate job and its tests keep their numbers until they switch to the id versions; with ids
 *       sorted ascending it is the opposite of the project's rule on ties.
 * </ul>
 *
 * Scores must be finite.
 * The median of an even number of ranks is the mean of the two middle ones. R@k is a fraction in [0, 1].
 *
 * @param captions captions scored (the text→image count)
 * @param images images with at least one caption (the image→text count)
 */
public record ImageTextMetrics(
    int captions,
    int images,
    double textToImageR1,
    double textToImageR5,
    double textToImageR10,
    double imageToTextR1,
    double imageToTextR5,
    double imageToTextR10,
    double textToImageMeanRank,
    double textToImageMedianRank,
    double imageToTextMeanRank,
    double imageToTextMedianRank) {

  /**
   * @param scores C × I similarities: scores[c][i] of caption c and image i, under the run's variant
   * @param imageOfCaption for each caption, the index of its image in [0, I)
   * @throws IllegalArgumentException on ragged or empty input, an image index out of range, or a
   *     non-finite score
   */
  public static ImageTextMetrics of(double[][] scores, int[] imageOfCaption) {
    return of(ranks(scores, imageOfCaption));
  }

  /**
   * The metrics with ties broken by the project's ranking rule: id descending.
   *
   * @param scores C × I similarities: scores[c][i] of caption c and image i, under the run's variant
   * @param imageOfCaption for each caption, the index of its image in [0, I)
   * @param captionIds id of each caption (C ids, distinct)
   * @param imageIds id of each image (I ids, distinct)
   * @throws IllegalArgumentException as {@link #of(double[][], int[])}, and when the id lists do not
   *     match the score matrix or hold a null or duplicate id
   */
  public static ImageTextMetrics of(
      double[][] scores, int[] imageOfCaption, List<String> captionIds, List<String> imageIds) {
    return of(ranks(scores, imageOfCaption, captionIds, imageIds));
  }

  /** The metrics of given ranks (images with rank 0, i.e. without captions, left out of image→text). */
  public static ImageTextMetrics of(Ranks ranks) {
    int[] textRanks = ranks.textToImage();
    int[] captioned = Arrays.stream(ranks.imageToText()).filter(r -> r > 0).toArray();
    return new ImageTextMetrics(
        textRanks.length, captioned.length,
        recall(textRanks, 1), recall(textRanks, 5), recall(textRanks, 10),
        recall(captioned, 1), recall(captioned, 5), recall(captioned, 10),
        mean(textRanks), median(textRanks), mean(captioned), median(captioned));
  }

  /**
   * The per-item ranks behind the metrics, the per-query input of a paired test (e.g. reciprocal rank
   * or hit@k per caption).
   *
   * @param textToImage for each caption, the 1-based rank of its image among all images
   * @param imageToText for each image, the best 1-based rank among its captions of all captions; 0 for
   *     an image without captions
   */
  public record Ranks(int[] textToImage, int[] imageToText) {}

  /**
   * Ranks of the first positive in both directions, ties by id descending (the project's rule); same
   * input and errors as {@link #of(double[][], int[], List, List)}.
   */
  public static Ranks ranks(double[][] scores, int[] imageOfCaption, List<String> captionIds, List<String> imageIds) {
    check(scores, imageOfCaption);
    checkIds(captionIds, scores.length, "captionIds", "captions (score rows)");
    checkIds(imageIds, scores[0].length, "imageIds", "images (score columns)");
    return ranks(scores, imageOfCaption,
        (j, g) -> imageIds.get(j).compareTo(imageIds.get(g)) > 0,
        (j, k) -> captionIds.get(j).compareTo(captionIds.get(k)) > 0);
  }

  /**
   * Ranks of the first positive in both directions, ties by index ascending (see the class javadoc);
   * same input and errors as {@link #of(double[][], int[])}.
   */
  public static Ranks ranks(double[][] scores, int[] imageOfCaption) {
    check(scores, imageOfCaption);
    return ranks(scores, imageOfCaption, (j, g) -> j < g, (j, k) -> j < k);
  }

  /** Whether item j goes before item g when their scores are equal. */
  @FunctionalInterface
  private interface TieRule {
    boolean before(int j, int g);
  }

  private static void checkIds(List<String> ids, int expected, String name, String what) {
    Objects.requireNonNull(ids, name + " must not be null");
    if (ids.size() != expected) {
      throw new IllegalArgumentException(name + " has " + ids.size() + " ids for " + expected + " " + what);
    }
    HashSet<String> seen = new HashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      if (ids.get(i) == null || !seen.add(ids.get(i))) {
        throw new IllegalArgumentException(
            name + " holds " + (ids.get(i) == null ? "a null id" : "id '" + ids.get(i) + "' twice") + " at index " + i
                + "; ties are broken by id, so ids must be distinct");
      }
    }
  }

  private static void check(double[][] scores, int[] imageOfCaption) {
    Objects.requireNonNull(scores, "scores must not be null");
    Objects.requireNonNull(imageOfCaption, "imageOfCaption must not be null");
    int c = scores.length;
    if (c == 0 || c != imageOfCaption.length) {
      throw new IllegalArgumentException(
          "scores has " + c + " captions and imageOfCaption " + imageOfCaption.length + "; need the same number, > 0");
    }
    int n = scores[0].length;
    for (int k = 0; k < c; k++) {
      if (scores[k].length != n) {
        throw new IllegalArgumentException("scores row " + k + " has " + scores[k].length + " images, row 0 has " + n);
      }
      if (imageOfCaption[k] < 0 || imageOfCaption[k] >= n) {
        throw new IllegalArgumentException(
            "caption " + k + " belongs to image " + imageOfCaption[k] + ", outside [0, " + n + ")");
      }
      for (double s : scores[k]) {
        if (!Double.isFinite(s)) {
          throw new IllegalArgumentException("caption " + k + " has a non-finite score " + s);
        }
      }
    }
  }

  private static Ranks ranks(double[][] scores, int[] imageOfCaption, TieRule images, TieRule captions) {
    int c = scores.length;
    int n = scores[0].length;
    int[] textRanks = new int[c];
    int[] imageRanks = new int[n];
    Arrays.fill(imageRanks, Integer.MAX_VALUE);
    for (int k = 0; k < c; k++) {
      int g = imageOfCaption[k];
      textRanks[k] = rank(scores[k], g, images);
      imageRanks[g] = Math.min(imageRanks[g], rankInColumn(scores, g, k, captions));
    }
    for (int i = 0; i < n; i++) {
      if (imageRanks[i] == Integer.MAX_VALUE) {
        imageRanks[i] = 0;
      }
    }
    return new Ranks(textRanks, imageRanks);
  }

  /** Rank of item g in the row under the tie rule. */
  private static int rank(double[] row, int g, TieRule ties) {
    int above = 0;
    for (int j = 0; j < row.length; j++) {
      if (row[j] > row[g] || (row[j] == row[g] && j != g && ties.before(j, g))) {
        above++;
      }
    }
    return above + 1;
  }

  /** Rank of caption k among all captions for image i (column i). */
  private static int rankInColumn(double[][] scores, int i, int k, TieRule ties) {
    int above = 0;
    for (int j = 0; j < scores.length; j++) {
      if (scores[j][i] > scores[k][i] || (scores[j][i] == scores[k][i] && j != k && ties.before(j, k))) {
        above++;
      }
    }
    return above + 1;
  }

  private static double recall(int[] ranks, int k) {
    if (ranks.length == 0) {
      return Double.NaN;
    }
    return Arrays.stream(ranks).filter(r -> r <= k).count() / (double) ranks.length;
  }

  private static double mean(int[] ranks) {
    return ranks.length == 0 ? Double.NaN : Arrays.stream(ranks).average().orElseThrow();
  }

  private static double median(int[] ranks) {
    if (ranks.length == 0) {
      return Double.NaN;
    }
    int[] sorted = ranks.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2.0;
  }
}
