package dev.magnitude.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageTextMetricsTest {
  // Images A = 0, B = 1, C = 2; captions c0, c1 of A, c2 of B, c3, c4 of C. Rows are captions.
  private static final double[][] SCORES = {
    {0.9, 0.1, 0.2}, // c0: A on top                                  -> rank 1
    {0.3, 0.5, 0.4}, // c1: B and C above A                           -> rank 3
    {0.2, 0.2, 0.1}, // c2: A ties B and has the smaller index        -> rank 2
    {0.1, 0.6, 0.5}, // c3: B above C                                 -> rank 2
    {0.0, 0.1, 0.8}, // c4: C on top                                  -> rank 1
  };
  private static final int[] IMAGE_OF = {0, 0, 1, 2, 2};

  @Test
  void textToImageRanksTheOwnImageOfEachCaption() {
    ImageTextMetrics m = ImageTextMetrics.of(SCORES, IMAGE_OF);
    // ranks 1, 3, 2, 2, 1: two of five at rank 1, all within 5
    assertThat(m.captions()).isEqualTo(5);
    assertThat(m.textToImageR1()).isCloseTo(0.4, within(1e-12));
    assertThat(m.textToImageR5()).isEqualTo(1.0);
    assertThat(m.textToImageR10()).isEqualTo(1.0);
    assertThat(m.textToImageMeanRank()).isCloseTo(9 / 5.0, within(1e-12));
    assertThat(m.textToImageMedianRank()).isEqualTo(2.0); // sorted 1 1 2 2 3
  }

  @Test
  void imageToTextCountsAHitIfAnyCaptionRanksHighEnough() {
    ImageTextMetrics m = ImageTextMetrics.of(SCORES, IMAGE_OF);
    // column A (0.9 0.3 0.2 0.1 0.0): c0 rank 1 -> best 1.
    // column B (0.1 0.5 0.2 0.6 0.1): its only caption c2 has c1 and c3 above -> 3.
    // column C (0.2 0.4 0.1 0.5 0.8): c4 rank 1 (c3 rank 2) -> best 1.
    assertThat(m.images()).isEqualTo(3);
    assertThat(m.imageToTextR1()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(m.imageToTextR5()).isEqualTo(1.0);
    assertThat(m.imageToTextMeanRank()).isCloseTo(5 / 3.0, within(1e-12));
    assertThat(m.imageToTextMedianRank()).isEqualTo(1.0); // sorted 1 1 3
  }

  @Test
  void recallAtFiveMissesAnImageRankedSixthAndImagesWithoutCaptionsAreNotCounted() {
    // 7 images; caption 0 belongs to image 6, which scores lowest -> rank 7; caption 1 to image 0 -> rank 1.
    double[][] scores = {
      {0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1},
      {0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
    };
    ImageTextMetrics m = ImageTextMetrics.of(scores, new int[] {6, 0});
    assertThat(m.textToImageR5()).isEqualTo(0.5);
    assertThat(m.textToImageR10()).isEqualTo(1.0);
    assertThat(m.textToImageMedianRank()).isEqualTo(4.0); // mean of 1 and 7
    // only images 0 and 6 have captions: image 0's caption 1 (0.9 > 0.7) rank 1; image 6's caption 0
    // (0.1 > 0.0) rank 1
    assertThat(m.images()).isEqualTo(2);
    assertThat(m.imageToTextR1()).isEqualTo(1.0);
  }

  @Test
  void withIdsTiesFollowTheProjectRankingRuleIdDescendingInBothDirections() {
    // Every score 0.5: all tied, so ranks are decided by ids alone. Image ids by index: A, C, B (not
    // sorted, so index order and id order differ). Id descending: C (1), B (2), A (0).
    // Captions c0 (of image 0 = A) and c1 (of image 2 = B); id descending: c1, c0.
    double[][] scores = {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}};
    int[] imageOf = {0, 2};
    List<String> captionIds = List.of("c0", "c1");
    List<String> imageIds = List.of("A", "C", "B");
    ImageTextMetrics.Ranks ranks = ImageTextMetrics.ranks(scores, imageOf, captionIds, imageIds);
    // c0 → A: C and B come first → 3; c1 → B: C comes first → 2 (by index descending it would be 1)
    assertThat(ranks.textToImage()).containsExactly(3, 2);
    // A's caption c0: c1 comes first → 2; C has no caption → 0; B's caption c1 → 1
    assertThat(ranks.imageToText()).containsExactly(2, 0, 1);
    ImageTextMetrics m = ImageTextMetrics.of(scores, imageOf, captionIds, imageIds);
    assertThat(m.textToImageR1()).isZero();
    assertThat(m.textToImageMeanRank()).isEqualTo(2.5); // (3 + 2) / 2
    assertThat(m.textToImageMedianRank()).isEqualTo(2.5);
    assertThat(m.images()).isEqualTo(2); // C has no caption
    assertThat(m.imageToTextR1()).isEqualTo(0.5);
    assertThat(m.imageToTextMeanRank()).isEqualTo(1.5); // (2 + 1) / 2
    assertThat(m.imageToTextMedianRank()).isEqualTo(1.5);
  }

  @Test
  void withIdsSameAsIndexRuleWhenNothingTies() {
    // SCORES has exactly one tie (c2: A = B = 0.2, own image B). With ids ascending by index, the id
    // rule puts B (larger id) first → c2 rank 1 instead of 2: T→I ranks 1 3 1 2 1 → R@1 3/5, mean 8/5,
    // median 1. Image→text has no tie involving a best caption, so it is unchanged (1 3 1).
    ImageTextMetrics m = ImageTextMetrics.of(SCORES, IMAGE_OF, List.of("c0", "c1", "c2", "c3", "c4"), List.of("A", "B", "C"));
    assertThat(m.textToImageR1()).isCloseTo(0.6, within(1e-12));
    assertThat(m.textToImageMeanRank()).isCloseTo(8 / 5.0, within(1e-12));
    assertThat(m.textToImageMedianRank()).isEqualTo(1.0);
    assertThat(m.imageToTextMeanRank()).isCloseTo(5 / 3.0, within(1e-12));
    assertThat(m.imageToTextR1()).isCloseTo(2 / 3.0, within(1e-12));
  }

  @Test
  void refusesIdListsThatDoNotFit() {
    assertThatThrownBy(() -> ImageTextMetrics.of(new double[][] {{1.0, 0.5}}, new int[] {0}, List.of("c"), List.of("A")))
        .hasMessageContaining("imageIds has 1 ids for 2 images");
    assertThatThrownBy(() -> ImageTextMetrics.of(new double[][] {{1.0, 0.5}}, new int[] {0}, List.of("c"), List.of("A", "A")))
        .hasMessageContaining("id 'A' twice");
  }

  @Test
  void refusesNonFiniteScoresAndOutOfRangeImages() {
    assertThatThrownBy(() -> ImageTextMetrics.of(new double[][] {{Double.NaN}}, new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-finite");
    assertThatThrownBy(() -> ImageTextMetrics.of(new double[][] {{1.0}}, new int[] {1}))
        .hasMessageContaining("outside [0, 1)");
  }
}
