package dev.magnitude.core.run;

/**
 * How a run trains on an STS dataset (sentence pairs with a gold score) instead of retrieval qrels.
 *
 * <p>The positives are the training split's pairs whose gold score is at least {@code positiveThreshold},
 * in the dataset's own score scale (STS-B: 0–5). The first sentence is the query side, the second the
 * document side; the loss is InfoNCE over in-batch negatives in both directions (a→b and b→a, averaged),
 * since STS is symmetric.
 *
 * @param positiveThreshold smallest gold score of a positive pair ({@code magnitude.train.sts.positive-threshold})
 */
public record StsTraining(double positiveThreshold) {
  public StsTraining {
    if (!Double.isFinite(positiveThreshold)) {
      throw new IllegalArgumentException(
          "sts positive-threshold = " + positiveThreshold + ": must be a finite number in the dataset's score scale");
    }
  }
}
