package dev.magnitude.worker.bench;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.LogitScale;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.OutputFiles;
import dev.magnitude.worker.PreparedFixture;
import dev.magnitude.worker.RunResult;
import dev.magnitude.worker.Worker;
import dev.magnitude.worker.data.Qrel;
import dev.magnitude.worker.train.CurvePoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Trains each variant at the demo's size (E = 64, 2 layers, 4 heads, S = 32, B = 32, lr 1e-3, 30 warm-up
 * steps, 1 thread) on the synthetic fixture, one run after another in this JVM, and prints per run: the mean
 * loss of the last 10% of the steps, the learned α and logit scale it ended with, and MRR@10 of the test
 * queries over the whole corpus scored with the run's own normalization (learned: its own α). Used to choose
 * the defaults of variant learned (temperature, alpha-init) and to check it trains stably. Not a test:
 * {@code jobs/bench trainer dev.magnitude.worker.bench.LearnedVariantBenchmark [steps] [learned τ,...]
 * [alpha-init,...] [--learnable-scale]}.
 */
public final class LearnedVariantBenchmark {
  private LearnedVariantBenchmark() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    List<Double> taus = args.length > 1 ? parse(args[1]) : List.of(1.0);
    List<Double> alphas = args.length > 2 ? parse(args[2]) : List.of(0.5);
    boolean learnableScale = List.of(args).contains("--learnable-scale");
    Path root = Files.createTempDirectory("magnitude-learned-bench");
    String work = root.resolve("work").toString();
    PreparedFixture.Dataset data = PreparedFixture.synthetic(work, "bench", 2000, 1000, 800, 200, 1, 500);
    Map<String, RunSpec> specs = new LinkedHashMap<>();
    Map<Variant, Double> fixedTau = Map.of(Variant.COSINE, 0.05, Variant.QUERY_NORM, 1.0, Variant.DOC_NORM, 1.0,
        Variant.DOT, 1.0);
    for (Variant v : Variant.scorings()) {
      specs.put(v.id() + " τ=" + fixedTau.get(v), spec(v, training(steps, fixedTau.get(v), learnableScale)));
    }
    for (double tau : taus) {
      for (double alpha : alphas) {
        specs.put("learned τ=" + tau + " α0=" + alpha,
            spec(Variant.LEARNED, training(steps, tau, learnableScale).withLearned(new LearnedNormalization(alpha))));
      }
    }
    System.out.println(steps + " steps per run" + (learnableScale ? ", learnable logit scale" : "") + "; work dir " + root);
    System.out.println("| run | final loss (last 10%) | α_query | α_document | logit scale | test MRR@10 (own scoring) | s |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, RunSpec> e : specs.entrySet()) {
      long start = System.nanoTime();
      RunResult r = Worker.run(e.getValue(), work, PreparedFixture.conf(), line -> {});
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!r.succeeded()) {
        System.out.println("| " + e.getKey() + " | FAILED: " + r.failureReason() + " | | | | | |");
        continue;
      }
      List<CurvePoint> curve = r.curve();
      int tail = Math.max(1, curve.size() / 10);
      double loss = curve.subList(curve.size() - tail, curve.size()).stream().mapToDouble(CurvePoint::loss).average()
          .orElseThrow();
      TrainedNormalization n = r.normalization();
      System.out.println(String.format(Locale.ROOT, "| %s | %.4f | %s | %s | %.3f | %.4f | %.0f |", e.getKey(), loss,
          n.alphaQuery() == null ? "-" : String.format(Locale.ROOT, "%.4f", n.alphaQuery()),
          n.alphaDocument() == null ? "-" : String.format(Locale.ROOT, "%.4f", n.alphaDocument()),
          n.logitScale(), mrr10(work, e.getValue(), n, data.testQrels()), seconds));
    }
  }

  private static List<Double> parse(String list) {
    List<Double> out = new ArrayList<>();
    for (String s : list.split(",")) {
      out.add(Double.parseDouble(s.trim()));
    }
    return out;
  }

  private static TrainingSpec training(int steps, double tau, boolean learnableScale) {
    TrainingSpec t = new TrainingSpec(steps, 32, 1e-3, 30, tau, steps, 0, 1);
    return learnableScale ? t.withLogitScale(new LogitScale(Math.max(100, 1 / tau))) : t;
  }

  private static RunSpec spec(Variant variant, TrainingSpec training) {
    return new RunSpec("bench", "h", variant, 13, new EncoderSpec("transformer", 64, 2, 4, 32, 2000, "bench"), training,
        List.of(new EvalSet("bench", "test")));
  }

  /** MRR@10 over the whole corpus with each side scaled by its α (fixed variants: 1 or 0). */
  private static double mrr10(String work, RunSpec spec, TrainedNormalization n, List<Qrel> qrels) throws Exception {
    double alphaQ = spec.variant().isLearned() ? n.alphaQuery() : spec.variant().normalizesQuery() ? 1 : 0;
    double alphaD = spec.variant().isLearned() ? n.alphaDocument() : spec.variant().normalizesDocument() ? 1 : 0;
    WorkDir dir = new WorkDir(work);
    Map<String, double[]> docs = vectors(dir.embeddings(spec.id(), "bench", WorkDir.CORPUS, Tables.DOCUMENTS), alphaD);
    Map<String, double[]> queries = vectors(dir.embeddings(spec.id(), "bench", "test", Tables.QUERIES), alphaQ);
    Map<String, String> relevant = new HashMap<>();
    for (Qrel q : qrels) {
      if (q.relevant()) {
        relevant.put(q.queryId(), q.docId());
      }
    }
    double sum = 0;
    for (Map.Entry<String, double[]> q : queries.entrySet()) {
      String target = relevant.get(q.getKey());
      double targetScore = dot(q.getValue(), docs.get(target));
      int rank = 1;
      for (Map.Entry<String, double[]> d : docs.entrySet()) {
        if (!d.getKey().equals(target) && dot(q.getValue(), d.getValue()) > targetScore) {
          rank++;
        }
      }
      sum += rank <= 10 ? 1.0 / rank : 0;
    }
    return sum / queries.size();
  }

  private static Map<String, double[]> vectors(String path, double alpha) throws Exception {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (GenericRecord r : OutputFiles.rows(path)) {
      List<?> v = (List<?>) r.get(Tables.VECTOR);
      double[] x = new double[v.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = ((Float) v.get(i)).doubleValue();
      }
      out.put(r.get(Tables.ID).toString(), TrainedNormalization.scale(x, alpha));
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
