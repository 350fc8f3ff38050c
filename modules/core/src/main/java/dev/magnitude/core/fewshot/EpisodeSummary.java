package dev.magnitude.core.fewshot;

import dev.magnitude.core.stats.Descriptive;
import java.util.Locale;

/**
 * The mean of a per-episode metric with its 95% interval over episodes, as the few-shot literature reports it:
 * mean ± 1.96 · sd / √n (episodes are independent draws given the seed; normal approximation of the mean).
 *
 * @param mean mean over episodes
 * @param sd sample standard deviation over episodes (n − 1); NaN for one episode
 * @param halfWidth 1.96 · sd / √n; NaN for one episode
 * @param episodes n
 */
public record EpisodeSummary(double mean, double sd, double halfWidth, int episodes) {
  /** The normal quantile of a two-sided 95% interval. */
  public static final double Z_95 = 1.959963984540054;

  /** The summary of one value per episode. */
  public static EpisodeSummary of(double[] perEpisode) {
    if (perEpisode.length == 0) {
      throw new IllegalArgumentException("no episode: a summary needs at least one value");
    }
    double sd = Descriptive.sampleSd(perEpisode);
    return new EpisodeSummary(Descriptive.mean(perEpisode), sd, Z_95 * sd / Math.sqrt(perEpisode.length), perEpisode.length);
  }

  public double low() {
    return mean - halfWidth;
  }

  public double high() {
    return mean + halfWidth;
  }

  /** {@code 0.6120 ± 0.0113}, or without the interval for one episode. */
  public String format() {
    return Double.isNaN(halfWidth) ? String.format(Locale.ROOT, "%.4f", mean)
        : String.format(Locale.ROOT, "%.4f ± %.4f", mean, halfWidth);
  }
}
