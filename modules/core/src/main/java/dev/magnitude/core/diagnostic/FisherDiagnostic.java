package dev.magnitude.core.diagnostic;

import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The Fisher-information diagnostic of one (model, dataset): the query-side and document-side Fisher of each
 * variant's objective over a sample of training batches, and the {@link SidePrediction}.
 *
 * <p>Input: the raw embeddings the model gives N training pairs, grouped into the batches the run would train
 * on (see {@link EmbeddingBatch}); N should be well above E (N ≥ 10·E), or every Fisher is rank-deficient and
 * no prediction can be made. Cost: about N·E² multiply-adds per objective and side plus two E³ eigen-solves;
 * objectives run on {@link Builder#optThreads} threads, each objective's sums in batch order on one thread, so
 * the result does not depend on the thread count.
 *
 * <pre>{@code
 * FisherDiagnostic.Diagnosis d = FisherDiagnostic.builder()
 *     .setObjectives(List.of(cosine, queryNorm, docNorm, dot))
 *     .optThreads(2)
 *     .build()
 *     .run(batches);
 * d.prediction().side();   // DOCUMENT, or null with d.prediction().reason()
 * }</pre>
 */
public final class FisherDiagnostic {
  private final List<InfoNceObjective> objectives;
  private final int threads;

  private FisherDiagnostic(List<InfoNceObjective> objectives, int threads) {
    this.objectives = objectives;
    this.threads = threads;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param results one per objective, in the order the objectives were given
   * @param prediction from the {@code query-norm} and {@code doc-norm} results; none when either is missing
   */
  public record Diagnosis(List<FisherInformation.Result> results, SidePrediction prediction) {
    public Diagnosis {
      results = List.copyOf(results);
    }

    /** The result of a variant's objective. */
    public FisherInformation.Result result(Variant variant) {
      return results.stream().filter(r -> r.objective().variant() == variant).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no Fisher of variant " + variant + "; the diagnosis has "
              + results.stream().map(r -> r.objective().variant().id()).collect(Collectors.joining(", "))));
    }
  }

  /**
   * Accumulates every objective's Fisher over {@code batches} and predicts the side.
   *
   * @param batches at least one; all of one E
   * @throws IllegalArgumentException for no batches, batches of different E, or a symmetric objective on a batch
   *     with extra negatives
   */
  public Diagnosis run(List<EmbeddingBatch> batches) {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("no training batches: the diagnostic needs the embeddings of N >> E training pairs");
    }
    int e = batches.get(0).dimension();
    for (int b = 1; b < batches.size(); b++) {
      if (batches.get(b).dimension() != e) {
        throw new IllegalArgumentException("batch " + b + " has E = " + batches.get(b).dimension() + ", batch 0 has E = " + e);
      }
    }
    List<FisherInformation.Result> results = threads == 1 || objectives.size() == 1
        ? objectives.stream().map(o -> accumulate(o, batches, e)).toList()
        : inParallel(batches, e);
    Map<Variant, FisherInformation.Result> byVariant =
        results.stream().collect(Collectors.toMap(r -> r.objective().variant(), r -> r));
    SidePrediction prediction = byVariant.containsKey(Variant.QUERY_NORM) && byVariant.containsKey(Variant.DOC_NORM)
        ? SidePrediction.of(byVariant.get(Variant.QUERY_NORM), byVariant.get(Variant.DOC_NORM))
        : SidePrediction.none("the prediction compares query-norm and doc-norm; the diagnostic ran "
            + objectives.stream().map(o -> o.variant().id()).collect(Collectors.joining(", ")));
    return new Diagnosis(results, prediction);
  }

  private static FisherInformation.Result accumulate(InfoNceObjective objective, List<EmbeddingBatch> batches, int e) {
    FisherInformation fisher = new FisherInformation(objective, e);
    batches.forEach(fisher::add);
    return fisher.result();
  }

  private List<FisherInformation.Result> inParallel(List<EmbeddingBatch> batches, int e) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, objectives.size()), r -> {
      Thread t = new Thread(r, "fisher-diagnostic");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<FisherInformation.Result>> futures = new ArrayList<>();
      for (InfoNceObjective o : objectives) {
        futures.add(pool.submit(() -> accumulate(o, batches, e)));
      }
      List<FisherInformation.Result> results = new ArrayList<>();
      for (Future<FisherInformation.Result> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while computing the Fisher diagnostic", ex);
    } catch (ExecutionException ex) {
      if (ex.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(ex.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code set*} is required, {@code opt*} optional; {@link #build} names what is missing. */
  public static final class Builder {
    private List<InfoNceObjective> objectives;
    private int threads = 1;

    private Builder() {}

    /** The objectives to diagnose, at most one per variant; query-norm and doc-norm for a prediction. */
    public Builder setObjectives(List<InfoNceObjective> objectives) {
      this.objectives = List.copyOf(Objects.requireNonNull(objectives, "objectives"));
      return this;
    }

    /** Threads over the objectives (default 1); the result is the same for any count. */
    public Builder optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    public FisherDiagnostic build() {
      if (objectives == null || objectives.isEmpty()) {
        throw new IllegalArgumentException("FisherDiagnostic: setObjectives is missing (one InfoNceObjective per variant)");
      }
      Set<Variant> seen = EnumSet.noneOf(Variant.class);
      for (InfoNceObjective o : objectives) {
        if (!seen.add(o.variant())) {
          throw new IllegalArgumentException("FisherDiagnostic: variant " + o.variant() + " is given twice; one objective per variant");
        }
      }
      if (threads < 1) {
        throw new IllegalArgumentException("FisherDiagnostic: optThreads(" + threads + "): must be >= 1");
      }
      return new FisherDiagnostic(objectives, threads);
    }
  }
}
