package dev.magnitude.core.schema;

/**
 * Names of the Parquet datasets the pipeline writes and of their columns. Each dataset has an Avro
 * schema {@code data-schemas/<name>.avsc} (on the classpath as {@code /data-schemas/<name>.avsc}); the
 * schema version goes into every manifest.
 */
public final class Tables {
  private Tables() {}

  public static final int SCHEMA_VERSION = 1;

  // prepared data
  public static final String QUERIES = "queries";
  public static final String DOCUMENTS = "documents";
  public static final String QRELS = "qrels";
  public static final String QUARANTINE = "quarantine";
  /** qa: {@code query_id, answer}, one row per gold answer string */
  public static final String ANSWERS = "answers";
  /** sts: sentence pairs with their gold score */
  public static final String PAIRS = "pairs";
  /** image-text: decoded, resized images as PNG bytes */
  public static final String IMAGES = "images";
  /** image-text: captions of the images, several per image */
  public static final String CAPTIONS = "captions";
  // run outputs
  public static final String EMBEDDINGS = "embeddings";
  public static final String CURVES = "curves";
  // results
  public static final String RUN_METRICS = "run_metrics";
  public static final String QUERY_METRICS = "query_metrics";
  public static final String RUNS = "runs";
  public static final String DOC_NORMS = "doc_norms";
  public static final String DOC_NORM_HISTOGRAMS = "doc_norm_histograms";
  public static final String DOC_NORM_EFFECTS = "doc_norm_effects";
  public static final String COMPARISONS = "comparisons";
  public static final String VERDICTS = "verdicts";

  // columns
  public static final String ID = "id";
  public static final String TEXT = "text";
  public static final String TOKEN_IDS = "token_ids";
  public static final String QUERY_ID = "query_id";
  public static final String DOC_ID = "doc_id";
  public static final String RELEVANCE = "relevance";
  public static final String VECTOR = "vector";
  public static final String NORM = "norm";
  /** pairs (sts): first and second sentence's token ids, and the gold score as written */
  public static final String TOKEN_IDS_A = "token_ids_a";
  public static final String TOKEN_IDS_B = "token_ids_b";
  public static final String SCORE = "score";
  /** images and captions (image-text): the PNG bytes of an image, the image a caption describes */
  public static final String PNG = "png";
  public static final String IMAGE_ID = "image_id";
}
