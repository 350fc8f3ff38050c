package dev.magnitude.core.fewshot;

import java.util.List;

/**
 * Few-shot prototype classification of one encoder on one set of episodes, under each scoring. Per-episode
 * values are kept so that two scorings can be compared with a paired test over episodes.
 *
 * @param scorings one result per scoring, in the order the scorings were given
 */
public record FewShotResult(List<Scoring> scorings) {
  public FewShotResult {
    scorings = List.copyOf(scorings);
  }

  /**
   * @param scoring how queries were scored against prototypes
   * @param accuracy per episode: correct queries / N·Q
   * @param macroF1 per episode: mean over the episode's N classes of 2TP / (2TP + FP + FN)
   */
  public record Scoring(PrototypeScoring scoring, double[] accuracy, double[] macroF1) {
    public Scoring {
      accuracy = accuracy.clone();
      macroF1 = macroF1.clone();
    }

    @Override
    public double[] accuracy() {
      return accuracy.clone();
    }

    @Override
    public double[] macroF1() {
      return macroF1.clone();
    }

    public EpisodeSummary accuracySummary() {
      return EpisodeSummary.of(accuracy);
    }

    public EpisodeSummary macroF1Summary() {
      return EpisodeSummary.of(macroF1);
    }
  }

  /** The result of one scoring. */
  public Scoring of(PrototypeScoring scoring) {
    return scorings.stream().filter(s -> s.scoring() == scoring).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("scoring " + scoring + " was not evaluated"));
  }
}
