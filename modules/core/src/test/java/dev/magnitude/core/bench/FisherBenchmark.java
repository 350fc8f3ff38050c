package dev.magnitude.core.bench;

import dev.magnitude.core.diagnostic.EmbeddingBatch;
import dev.magnitude.core.diagnostic.FisherDiagnostic;
import dev.magnitude.core.diagnostic.FisherInformation;
import dev.magnitude.core.diagnostic.InfoNceGradients;
import dev.magnitude.core.diagnostic.InfoNceObjective;
import dev.magnitude.core.diagnostic.SecondMoment;
import dev.magnitude.core.diagnostic.SymmetricEigenvalues;
import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What the Fisher diagnostic itself costs at the size: N training pairs (default 10,000) at E = 384
 * (all-MiniLM-L6-v2), in batches of the default batch size 32, for the five variants' objectives, on one and
 * on two threads; then its parts (gradients, second moments, eigenvalues) and the eigen-solve at E = 1024. The
 * embeddings are synthetic but shaped like a pretrained encoder's: a shared mean direction plus noise, norms
 * spread log-normally. Not a test: prints the figures of one run and their share of the 5-minute budget.
 *
 * <p>{@code jobs/bench core dev.magnitude.core.bench.FisherBenchmark [pairs] [E] [batch]}
 */
public final class FisherBenchmark {
  private static final double BUDGET_SECONDS = 300;

  private FisherBenchmark() {}

  public static void main(String[] args) {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int e = args.length > 1 ? Integer.parseInt(args[1]) : 384;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    List<EmbeddingBatch> batches = batches(new Random(1), pairs, e, batch);
    List<InfoNceObjective> objectives = objectives();
    System.out.printf(Locale.ROOT, "pairs=%d E=%d batch=%d objectives=%d (cosine τ=0.05, query-norm, doc-norm, dot, learned τ=1)%n",
        pairs, e, batch, objectives.size());

    run(objectives, batches.subList(0, Math.min(20, batches.size())), 1); // warm-up
    double one = run(objectives, batches, 1);
    double two = run(objectives, batches, 2);
    System.out.printf(Locale.ROOT, "diagnostic, 1 thread:  %.2f s%n", one);
    System.out.printf(Locale.ROOT, "diagnostic, 2 threads: %.2f s (speed-up %.2f×); %.1f%% of the %.0f s budget, leaving %.0f s for"
        + " embedding the %d pairs%n", two, one / two, 100 * two / BUDGET_SECONDS, BUDGET_SECONDS, BUDGET_SECONDS - two, pairs);

    InfoNceObjective docNorm = objectives.get(2);
    long start = System.nanoTime();
    List<InfoNceGradients.Result> gradients = new ArrayList<>();
    for (EmbeddingBatch b : batches) {
      gradients.add(InfoNceGradients.of(docNorm, b));
    }
    double gradientSeconds = seconds(start);
    start = System.nanoTime();
    SecondMoment query = new SecondMoment(e);
    SecondMoment document = new SecondMoment(e);
    for (InfoNceGradients.Result g : gradients) {
      query.add(g.query());
      document.add(g.document());
    }
    double momentSeconds = seconds(start);
    start = System.nanoTime();
    SymmetricEigenvalues.of(query.matrix());
    double eigenSeconds = seconds(start);
    System.out.printf(Locale.ROOT, "one objective (doc-norm): gradients %.2f s, two second moments %.2f s (%.2f GFLOP/s), one"
        + " eigen-solve %.3f s%n", gradientSeconds, momentSeconds, 2.0 * 2 * pairs * e * (e + 1) / 2 / momentSeconds / 1e9,
        eigenSeconds);

    double[][] large = query.matrix().length == 1024 ? query.matrix() : randomSpd(new Random(2), 1024);
    start = System.nanoTime();
    SymmetricEigenvalues.of(large);
    System.out.printf(Locale.ROOT, "eigen-solve at E=1024: %.2f s%n", seconds(start));
  }

  private static double run(List<InfoNceObjective> objectives, List<EmbeddingBatch> batches, int threads) {
    long start = System.nanoTime();
    FisherDiagnostic.Diagnosis d = FisherDiagnostic.builder().setObjectives(objectives).optThreads(threads).build().run(batches);
    double s = seconds(start);
    if (batches.size() > 20) {
      for (FisherInformation.Result r : d.results()) {
        System.out.printf(Locale.ROOT, "  %-28s query %s | document %s%n", r.objective().describe(), r.query().describe(),
            r.document().describe());
      }
      System.out.println("  prediction: " + d.prediction().reason());
    }
    return s;
  }

  static List<InfoNceObjective> objectives() {
    List<InfoNceObjective> out = new ArrayList<>();
    for (Variant v : Variant.scorings()) {
      out.add(InfoNceObjective.builder().setVariant(v).setTemperature(v == Variant.COSINE ? 0.05 : 1).build());
    }
    out.add(InfoNceObjective.builder().setVariant(Variant.LEARNED).setTemperature(1).optLearnedAlphas(0.5, 0.5).build());
    return out;
  }

  /** Rows = norm · normalize(mean + noise), a shared mean direction of weight 2 against unit noise. */
  static List<EmbeddingBatch> batches(Random random, int pairs, int e, int batch) {
    double[] mean = new double[e];
    for (int k = 0; k < e; k++) {
      mean[k] = random.nextGaussian() / Math.sqrt(e);
    }
    List<EmbeddingBatch> out = new ArrayList<>();
    for (int start = 0; start + batch <= pairs; start += batch) {
      float[][] q = new float[batch][];
      float[][] d = new float[batch][];
      for (int i = 0; i < batch; i++) {
        q[i] = row(random, mean, e);
        d[i] = row(random, mean, e);
      }
      out.add(new EmbeddingBatch(q, d, null));
    }
    return out;
  }

  private static float[] row(Random random, double[] mean, int e) {
    double[] x = new double[e];
    double squares = 0;
    for (int k = 0; k < e; k++) {
      x[k] = 2 * mean[k] + random.nextGaussian() / Math.sqrt(e);
      squares += x[k] * x[k];
    }
    double norm = Math.exp(0.3 * random.nextGaussian()) / Math.sqrt(squares);
    float[] out = new float[e];
    for (int k = 0; k < e; k++) {
      out[k] = (float) (x[k] * norm);
    }
    return out;
  }

  private static double[][] randomSpd(Random random, int n) {
    double[][] g = new double[2 * n][n];
    for (double[] row : g) {
      for (int k = 0; k < n; k++) {
        row[k] = random.nextGaussian();
      }
    }
    SecondMoment m = new SecondMoment(n);
    m.add(g);
    return m.matrix();
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
