package dev.magnitude.core.config;

import java.util.List;
import java.util.Objects;

/**
 * A dataset the prepare job reads, by name.
 *
 * @param name dataset name, used in paths and tables ({@code [a-z0-9][a-z0-9_-]*})
 * @param format {@code synthetic} (generated, then read as BEIR), {@code beir} or {@code msmarco}
 * @param path raw input folder, required for the file formats: {@code beir} (corpus.jsonl, queries.jsonl,
 *     qrels/&lt;split&gt;.tsv) and {@code msmarco} (collection.tsv, queries.&lt;split&gt;.tsv,
 *     qrels.&lt;split&gt;.tsv); ignored for {@code synthetic}, which generates into {@code <work>/raw/<name>}
 * @param splits query splits to prepare, e.g. train, dev, test; the first must be the training split
 * @param synthetic generator settings, for format {@code synthetic}; null otherwise
 * @param tokenizer tokenizer settings
 * @param shardMaxRows upper bound of rows per Parquet shard
 * @param maxQuarantinedFraction the prepare job fails when an input file has more than this fraction of its
 *     rows quarantined, in [0, 1] ({@code magnitude.prepare.max-quarantined-fraction})
 */
public record DatasetSpec(
    String name,
    String format,
    String path,
    List<String> splits,
    SyntheticSpec synthetic,
    TokenizerSpec tokenizer,
    int shardMaxRows,
    double maxQuarantinedFraction) {
  public static final List<String> FORMATS = List.of("synthetic", "beir", "msmarco");

  public DatasetSpec {
    Objects.requireNonNull(name, "dataset name");
    if (!name.matches("[a-z0-9][a-z0-9_-]*")) {
      throw new IllegalArgumentException(
          "dataset name '" + name + "' must match [a-z0-9][a-z0-9_-]* (it is used in paths)");
    }
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "dataset " + name + " format '" + format + "' is not supported; allowed: " + String.join(", ", FORMATS));
    }
    splits = List.copyOf(splits);
    if (splits.isEmpty()) {
      throw new IllegalArgumentException("dataset " + name + " lists no splits");
    }
    if (format.equals("synthetic") && synthetic == null) {
      throw new IllegalArgumentException("dataset " + name + " has format synthetic but no synthetic settings");
    }
    if (!format.equals("synthetic") && (path == null || path.isBlank())) {
      throw new IllegalArgumentException(
          "dataset " + name + " has format " + format + " but no path (the folder holding its input files)");
    }
    Objects.requireNonNull(tokenizer, "tokenizer");
    if (shardMaxRows < 1) {
      throw new IllegalArgumentException("shard-max-rows = " + shardMaxRows + ": must be >= 1");
    }
    if (!(maxQuarantinedFraction >= 0 && maxQuarantinedFraction <= 1)) {
      throw new IllegalArgumentException(
          "max-quarantined-fraction = " + maxQuarantinedFraction + ": must be a number in [0, 1]");
    }
  }

  /** The split whose queries and qrels train the model and count the vocabulary. */
  public String trainSplit() {
    return splits.get(0);
  }
}
