package dev.magnitude.core.config;

import java.util.List;
import java.util.Objects;

/**
 * A dataset the prepare job reads, by name.
 *
 * @param name dataset name, used in paths and tables ({@code [a-z0-9][a-z0-9_-]*})
 * @param format the input layout, which also fixes the task ({@link #task()}): {@code synthetic} (generated,
 *     then read as BEIR), {@code beir}, {@code msmarco} (retrieval); {@code qa} (BEIR layout whose queries
 *     carry {@code answers}); {@code sts} (sentence pairs with a gold score, {@link StsSpec}); {@code coco}
 *     and {@code captions-jsonl} (image-caption sets, {@link ImageSpec})
 * @param path raw input folder, required for every format but {@code synthetic}, which generates into
 *     {@code <work>/raw/<name>}
 * @param splits query splits to prepare, e.g. train, dev, test; the first must be the training split
 * @param synthetic generator settings, for format {@code synthetic}; null otherwise
 * @param tokenizer tokenizer settings
 * @param shardMaxRows upper bound of rows per Parquet shard
 * @param maxQuarantinedFraction the prepare job fails when an input file has more than this fraction of its
 *     rows quarantined, in [0, 1] ({@code magnitude.prepare.max-quarantined-fraction})
 * @param sts how format {@code sts} reads its files (bound for every dataset; used by {@code sts} only)
 * @param images how the image-caption formats read their files (used by {@code coco}, {@code captions-jsonl})
 */
public record DatasetSpec(
    String name,
    String format,
    String path,
    List<String> splits,
    SyntheticSpec synthetic,
    TokenizerSpec tokenizer,
    int shardMaxRows,
    double maxQuarantinedFraction,
    StsSpec sts,
    ImageSpec images) {
  public static final List<String> FORMATS =
      List.of("synthetic", "beir", "msmarco", "qa", "sts", "coco", "captions-jsonl");

  /** What a dataset is for, fixed by its format. */
  public enum Task {
    /** asymmetric: queries against a corpus of documents with graded judgements */
    RETRIEVAL("retrieval", false),
    /** retrieval whose queries also carry answer strings */
    QA("qa", false),
    /** symmetric: sentence pairs with a gold similarity */
    STS("sts", true),
    /** symmetric: images with several captions each */
    IMAGE_TEXT("image-text", true);

    private final String id;
    private final boolean symmetric;

    Task(String id, boolean symmetric) {
      this.id = id;
      this.symmetric = symmetric;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
      return id;
    }

    public boolean symmetric() {
      return symmetric;
    }

    public static Task ofFormat(String format) {
      return switch (format) {
        case "synthetic", "beir", "msmarco" -> RETRIEVAL;
        case "qa" -> QA;
        case "sts" -> STS;
        case "coco", "captions-jsonl" -> IMAGE_TEXT;
        default -> throw new IllegalArgumentException("unknown format " + format);
      };
    }
  }

  /** A dataset with the default STS and image settings (the formats that use neither). */
  public DatasetSpec(
      String name,
      String format,
      String path,
      List<String> splits,
      SyntheticSpec synthetic,
      TokenizerSpec tokenizer,
      int shardMaxRows,
      double maxQuarantinedFraction) {
    this(name, format, path, splits, synthetic, tokenizer, shardMaxRows, maxQuarantinedFraction,
        DEFAULT_STS, DEFAULT_IMAGES);
  }

  /** The defaults of reference.conf's magnitude.prepare.sts. */
  public static final StsSpec DEFAULT_STS =
      new StsSpec("{split}.tsv", "\t", true, "sentence1", "sentence2", "score", 0, 5);
  /** The defaults of reference.conf's magnitude.prepare.images. */
  public static final ImageSpec DEFAULT_IMAGES =
      new ImageSpec(64, "annotations/captions_{split}.json", "images/{split}", "{split}.jsonl");

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
    Objects.requireNonNull(sts, "sts settings");
    Objects.requireNonNull(images, "images settings");
  }

  public Task task() {
    return Task.ofFormat(format);
  }

  /** The split whose queries and qrels train the model and count the vocabulary. */
  public String trainSplit() {
    return splits.get(0);
  }
}
