package dev.magnitude.core.fewshot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Few-shot classification with class prototypes over fixed (raw, not normalized) embeddings.
 *
 * <p>In an episode, class k's prototype is the mean of its K support embeddings, taken raw: c_k = (1/K) Σ s.
 * Each query goes to the class whose prototype scores highest under the {@link PrototypeScoring}. Ties: among
 * prototypes with exactly the same score, the class whose label is smallest ({@link String#compareTo}) wins.
 * Scores are computed in double precision from the float embeddings.
 *
 * <p>Per episode: accuracy = correct / (N·Q); macro-F1 = the mean over the episode's N classes of F1_k = 2TP_k /
 * (2TP_k + FP_k + FN_k), which is defined for every class since each has Q ≥ 1 queries (a class no query is
 * given to has F1 = 0).
 */
public final class PrototypeClassifier {
  private final Map<String, float[]> embeddings;
  private final List<PrototypeScoring> scorings;

  /**
   * @param embeddings item id → raw embedding (E), every item of the episodes, finite, one E for all
   * @param scorings the scorings to evaluate, at least one
   */
  public PrototypeClassifier(Map<String, float[]> embeddings, List<PrototypeScoring> scorings) {
    if (scorings.isEmpty()) {
      throw new IllegalArgumentException("no scoring to evaluate; pass PrototypeScoring.all() for all five");
    }
    int dimension = -1;
    for (Map.Entry<String, float[]> e : embeddings.entrySet()) {
      if (dimension < 0) {
        dimension = e.getValue().length;
      } else if (e.getValue().length != dimension) {
        throw new IllegalArgumentException("the embedding of item '" + e.getKey() + "' has " + e.getValue().length
            + " dimensions, others have " + dimension + "; one encoder gives one E");
      }
    }
    this.embeddings = embeddings;
    this.scorings = List.copyOf(scorings);
  }

  /** Every episode under every scoring. */
  public FewShotResult evaluate(List<Episode> episodes) {
    if (episodes.isEmpty()) {
      throw new IllegalArgumentException("no episode to evaluate");
    }
    Map<PrototypeScoring, double[][]> values = new EnumMap<>(PrototypeScoring.class);
    scorings.forEach(s -> values.put(s, new double[2][episodes.size()]));
    for (int e = 0; e < episodes.size(); e++) {
      Episode episode = episodes.get(e);
      List<String> truth = truth(episode);
      Map<PrototypeScoring, List<String>> predicted = predict(episode);
      for (PrototypeScoring s : scorings) {
        values.get(s)[0][e] = accuracy(truth, predicted.get(s));
        values.get(s)[1][e] = macroF1(episode.classes(), truth, predicted.get(s));
      }
    }
    List<FewShotResult.Scoring> out = new ArrayList<>();
    scorings.forEach(s -> out.add(new FewShotResult.Scoring(s, values.get(s)[0], values.get(s)[1])));
    return new FewShotResult(out);
  }

  /**
   * The predicted label of each query of the episode, per scoring; queries in episode order (class by class,
   * as {@link #truth}).
   */
  public Map<PrototypeScoring, List<String>> predict(Episode episode) {
    int n = episode.ways();
    double[][] prototypes = new double[n][];
    double[] prototypeNorms = new double[n];
    for (int k = 0; k < n; k++) {
      prototypes[k] = mean(episode.support().get(k));
      prototypeNorms[k] = norm(prototypes[k]);
    }
    Map<PrototypeScoring, List<String>> out = new EnumMap<>(PrototypeScoring.class);
    scorings.forEach(s -> out.put(s, new ArrayList<>()));
    for (List<String> ids : episode.queries()) {
      for (String id : ids) {
        double[] q = vector(id);
        double qNorm = norm(q);
        for (PrototypeScoring s : scorings) {
          int best = -1;
          double bestScore = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < n; k++) {
            double score = s.score(q, qNorm, prototypes[k], prototypeNorms[k]);
            if (best < 0 || score > bestScore
                || score == bestScore && episode.classes().get(k).compareTo(episode.classes().get(best)) < 0) {
              best = k;
              bestScore = score;
            }
          }
          out.get(s).add(episode.classes().get(best));
        }
      }
    }
    return out;
  }

  /** The true label of each query of the episode, class by class. */
  public static List<String> truth(Episode episode) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < episode.ways(); k++) {
      for (int i = 0; i < episode.queries().get(k).size(); i++) {
        out.add(episode.classes().get(k));
      }
    }
    return out;
  }

  /** Correct / all. */
  public static double accuracy(List<String> truth, List<String> predicted) {
    int correct = 0;
    for (int i = 0; i < truth.size(); i++) {
      correct += truth.get(i).equals(predicted.get(i)) ? 1 : 0;
    }
    return (double) correct / truth.size();
  }

  /** Mean over {@code classes} of 2TP / (2TP + FP + FN); a class with none of the three counts 0 (not seen here). */
  public static double macroF1(List<String> classes, List<String> truth, List<String> predicted) {
    Map<String, int[]> counts = new HashMap<>(); // tp, fp, fn
    classes.forEach(c -> counts.put(c, new int[3]));
    for (int i = 0; i < truth.size(); i++) {
      String t = truth.get(i);
      String p = predicted.get(i);
      if (t.equals(p)) {
        counts.get(t)[0]++;
      } else {
        counts.get(p)[1]++;
        counts.get(t)[2]++;
      }
    }
    double sum = 0;
    for (String c : classes) {
      int[] k = counts.get(c);
      int denominator = 2 * k[0] + k[1] + k[2];
      sum += denominator == 0 ? 0 : 2.0 * k[0] / denominator;
    }
    return sum / classes.size();
  }

  private double[] mean(List<String> ids) {
    double[] sum = null;
    for (String id : ids) {
      double[] v = vector(id);
      if (sum == null) {
        sum = v;
      } else {
        for (int k = 0; k < v.length; k++) {
          sum[k] += v[k];
        }
      }
    }
    for (int k = 0; k < sum.length; k++) {
      sum[k] /= ids.size();
    }
    return sum;
  }

  private double[] vector(String id) {
    float[] raw = embeddings.get(id);
    if (raw == null) {
      throw new IllegalArgumentException("no embedding for item '" + id + "'; every support and query item of the episodes"
          + " needs one");
    }
    double[] out = new double[raw.length];
    for (int k = 0; k < raw.length; k++) {
      if (!Float.isFinite(raw[k])) {
        throw new IllegalArgumentException("the embedding of item '" + id + "' holds " + raw[k] + " at dimension " + k
            + "; embeddings must be finite");
      }
      out[k] = raw[k];
    }
    return out;
  }

  private static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
