package dev.magnitude.core.bench;

import dev.magnitude.core.stats.PairedRandomizationTest;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a paired randomization test costs at the aggregate job's sizes: the time of one sampled test for
 * several query counts (per-query values drawn at random, seeded), after a warm-up, and the sampled p
 * against the exact p at 20 queries as a sanity figure. Not a test: prints the figures of one run.
 *
 * <p>{@code jobs/bench core dev.magnitude.core.bench.PairedTestBenchmark [permutations]} (default 10000).
 */
public final class PairedTestBenchmark {

  private PairedTestBenchmark() {}

  public static void main(String[] args) {
    int permutations = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    SplittableRandom random = new SplittableRandom(1);
    for (int queries : new int[] {50, 300, 1000, 6980}) {
      double[] a = new double[queries];
      double[] b = new double[queries];
      for (int i = 0; i < queries; i++) {
        a[i] = random.nextDouble();
        b[i] = Math.min(1, Math.max(0, a[i] + random.nextGaussian() * 0.2 - 0.01));
      }
      PairedRandomizationTest.sampled(a, b, permutations, 7); // warm-up
      int reps = 5;
      long start = System.nanoTime();
      PairedRandomizationTest.Result r = null;
      for (int rep = 0; rep < reps; rep++) {
        r = PairedRandomizationTest.sampled(a, b, permutations, 7 + rep);
      }
      double ms = (System.nanoTime() - start) / 1e6 / reps;
      System.out.printf(Locale.ROOT, "queries=%d permutations=%d: %.1f ms per test (%.1f ns per query-permutation), p=%.4f%n",
          queries, permutations, ms, ms * 1e6 / ((double) queries * permutations), r.pValue());
    }
    double[] a = new double[20];
    double[] b = new double[20];
    for (int i = 0; i < 20; i++) {
      a[i] = random.nextDouble();
      b[i] = a[i] + random.nextGaussian() * 0.2 - 0.05;
    }
    long start = System.nanoTime();
    double exact = PairedRandomizationTest.exact(a, b).pValue();
    double exactMs = (System.nanoTime() - start) / 1e6;
    double sampled = PairedRandomizationTest.sampled(a, b, permutations, 3).pValue();
    System.out.printf(Locale.ROOT, "20 queries: exact p=%.5f (%.0f ms for 2^20 vectors), sampled p=%.5f%n",
        exact, exactMs, sampled);
  }
}
