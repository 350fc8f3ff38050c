package dev.magnitude.core.config;

import java.util.Objects;

/**
 * How format {@code sts} reads a sentence-pair file with a gold similarity score ({@code
 * magnitude.prepare.sts}, or a dataset's own {@code sts}). One file per split, named by {@code file} with
 * {@code {split}} replaced by the split name.
 *
 * <p>The default reads the GLUE STS-B layout ({@code train.tsv}: tab-separated, a header row, columns
 * {@code sentence1}, {@code sentence2}, {@code score}). The original STS-benchmark files ({@code
 * sts-train.csv}: tab-separated, no header, score in column 4, sentences in 5 and 6) read with {@code file =
 * "sts-{split}.csv", header = false, score = "4", sentence1 = "5", sentence2 = "6"}.
 *
 * @param file file name pattern relative to the dataset folder; must contain {@code {split}}
 * @param delimiter one character: tab or comma usually
 * @param header whether the first non-blank line names the columns
 * @param sentence1 column of the first sentence: a header name, or a 0-based index when there is no header
 * @param sentence2 column of the second sentence
 * @param score column of the gold score
 * @param scoreMin smallest valid gold score (rows below are quarantined)
 * @param scoreMax largest valid gold score; the prepared {@code label} is (score − min) / (max − min)
 */
public record StsSpec(
    String file,
    String delimiter,
    boolean header,
    String sentence1,
    String sentence2,
    String score,
    double scoreMin,
    double scoreMax) {
  public static final String SPLIT = "{split}";

  public StsSpec {
    Objects.requireNonNull(file, "sts file");
    if (!file.contains(SPLIT)) {
      throw new IllegalArgumentException("sts file = " + file + ": must contain " + SPLIT);
    }
    if (delimiter == null || delimiter.length() != 1) {
      throw new IllegalArgumentException("sts delimiter = \"" + delimiter + "\": must be one character");
    }
    for (String column : new String[] {sentence1, sentence2, score}) {
      if (column == null || column.isBlank()) {
        throw new IllegalArgumentException("sts sentence1, sentence2 and score must name columns");
      }
      if (!header && !column.matches("[0-9]+")) {
        throw new IllegalArgumentException(
            "sts column '" + column + "': without a header, columns are 0-based indices");
      }
    }
    if (!(Double.isFinite(scoreMin) && Double.isFinite(scoreMax) && scoreMin < scoreMax)) {
      throw new IllegalArgumentException(
          "sts score-min = " + scoreMin + ", score-max = " + scoreMax + ": need finite numbers with min < max");
    }
  }

  /** The file of one split. */
  public String file(String split) {
    return file.replace(SPLIT, split);
  }
}
