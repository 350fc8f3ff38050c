package dev.magnitude.core.manifest;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.json.Json;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code prepared/<dataset>/manifest.json}: what the prepare job read and wrote.
 *
 * @param dataset dataset name
 * @param format input format
 * @param task what the dataset is for ({@code retrieval}, {@code qa}, {@code sts}, {@code image-text}), fixed by
 *     the format
 * @param schemaVersion version of data-schemas/ the Parquet files follow
 * @param tokenizer tokenizer identity
 * @param splits the query splits, training split first
 * @param files row accounting per input file (path relative to the dataset's raw folder)
 * @param tables rows written per output table, e.g. {@code corpus/documents}, {@code test/qrels}
 * @param contentHash hash of everything written (same input and config give the same hash)
 */
public record Manifest(
    String dataset,
    String format,
    String task,
    int schemaVersion,
    TokenizerInfo tokenizer,
    List<String> splits,
    Map<String, FileCounts> files,
    Map<String, Long> tables,
    String contentHash) {
  /** A manifest whose task follows from its format. */
  public Manifest(
      String dataset,
      String format,
      int schemaVersion,
      TokenizerInfo tokenizer,
      List<String> splits,
      Map<String, FileCounts> files,
      Map<String, Long> tables,
      String contentHash) {
    this(dataset, format, DatasetSpec.Task.ofFormat(format).id(), schemaVersion, tokenizer, splits, files, tables,
        contentHash);
  }

  public Manifest {
    splits = List.copyOf(splits);
    files = new TreeMap<>(files);
    tables = new TreeMap<>(tables);
  }

  public long quarantined() {
    return files.values().stream().mapToLong(FileCounts::quarantined).sum();
  }

  public String toJson() {
    return Json.writePretty(this);
  }

  public static Manifest fromJson(String json) {
    return Json.read(json, Manifest.class);
  }
}
