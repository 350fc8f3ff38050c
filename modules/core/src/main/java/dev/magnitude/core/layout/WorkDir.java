package dev.magnitude.core.layout;

import java.util.Objects;

/**
 * The layout of the work directory, as path strings under a Hadoop FileSystem URI (file:, hdfs:, s3a:).
 *
 * <pre>
 * &lt;work&gt;/prepared/&lt;dataset&gt;/corpus/documents/part-*.parquet   shared by every split
 * &lt;work&gt;/prepared/&lt;dataset&gt;/&lt;split&gt;/{queries,qrels}/part-*.parquet
 * &lt;work&gt;/prepared/&lt;dataset&gt;/vocab.txt, manifest.json, _quarantine/
 * &lt;work&gt;/runs/&lt;run-id&gt;/spec.json, checkpoints/, curves.parquet, normalization.json, embeddings/&lt;dataset&gt;/&lt;split&gt;/{queries,documents}.parquet
 * &lt;work&gt;/results/&lt;sweep-id&gt;/
 * </pre>
 *
 * <p>Every finished directory holds a {@code _SUCCESS} marker written last; anything without it is
 * unfinished and is redone. Plain strings keep this class free of Hadoop.
 */
public final class WorkDir {
  public static final String SUCCESS = "_SUCCESS";
  /** The pseudo-split that holds a dataset's documents, shared by train, dev and test. */
  public static final String CORPUS = "corpus";

  private final String root;

  public WorkDir(String root) {
    Objects.requireNonNull(root, "work directory");
    String r = root.trim();
    if (r.isEmpty()) {
      throw new IllegalArgumentException("work directory is empty; set magnitude.work-dir");
    }
    while (r.length() > 1 && r.endsWith("/") && !r.endsWith("://")) {
      r = r.substring(0, r.length() - 1);
    }
    this.root = r;
  }

  public String root() {
    return root;
  }

  public String prepared() {
    return root + "/prepared";
  }

  public String dataset(String dataset) {
    return prepared() + "/" + dataset;
  }

  public String manifest(String dataset) {
    return dataset(dataset) + "/manifest.json";
  }

  public String vocabulary(String dataset) {
    return dataset(dataset) + "/vocab.txt";
  }

  public String quarantine(String dataset) {
    return dataset(dataset) + "/_quarantine";
  }

  /** Folder of one table of one split, e.g. {@code prepared/synthetic/test/queries}. */
  public String table(String dataset, String split, String table) {
    return dataset(dataset) + "/" + split + "/" + table;
  }

  public String documents(String dataset) {
    return table(dataset, CORPUS, "documents");
  }

  public String runs() {
    return root + "/runs";
  }

  public String run(String runId) {
    return runs() + "/" + runId;
  }

  public String spec(String runId) {
    return run(runId) + "/spec.json";
  }

  public String checkpoints(String runId) {
    return run(runId) + "/checkpoints";
  }

  public String curves(String runId) {
    return run(runId) + "/curves.parquet";
  }

  /** The loss scalars the run ended with (learned α, logit scale): {@code TrainedNormalization} as JSON. */
  public String normalization(String runId) {
    return run(runId) + "/normalization.json";
  }

  /** Where the train job records why a run failed: exit code and the worker's last output lines (JSON). */
  public String failure(String runId) {
    return run(runId) + "/failure.json";
  }

  public String runSuccess(String runId) {
    return run(runId) + "/" + SUCCESS;
  }

  /** {@code side} is {@code queries} or {@code documents}. */
  public String embeddings(String runId, String dataset, String split, String side) {
    return run(runId) + "/embeddings/" + dataset + "/" + split + "/" + side + ".parquet";
  }

  public String results(String sweepId) {
    return root + "/results/" + sweepId;
  }

  @Override
  public String toString() {
    return root;
  }
}
