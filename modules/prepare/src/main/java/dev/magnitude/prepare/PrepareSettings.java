package dev.magnitude.prepare;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.ImageSpec;
import dev.magnitude.core.config.StsSpec;
import dev.magnitude.core.config.SyntheticSpec;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.json.Json;
import java.util.List;

/**
 * Everything a prepared dataset depends on, stored next to its manifest as {@value #FILE}. A finished
 * dataset whose stored settings equal the current ones is not prepared again.
 *
 * <p>Why a file of its own: {@link dev.magnitude.core.manifest.Manifest} records the tokenizer's identity
 * but not its settings, nor the input it was made from.
 *
 * @param version version of the prepare job's output; raise it when the generator, validation, tokenizer
 *     or layout changes so that datasets prepared by older code are redone
 * @param schemaVersion data-schemas version
 * @param format input format
 * @param splits query splits, training split first
 * @param tokenizer tokenizer settings
 * @param shardMaxRows shard bound
 * @param synthetic generator settings (format synthetic; the input is a function of them), else null
 * @param sts how STS files are read (format sts), else null
 * @param images how image-caption sets are read and images resized (formats coco, captions-jsonl), else null
 * @param path the input folder (every format but synthetic), else null
 * @param inputs the input files: path relative to the folder (image files are not listed), size and modification
 *     time; for a HuggingFace tokenizer also its tokenizer.json, by the path as configured; empty for synthetic
 *     with the built-in tokenizer
 */
public record PrepareSettings(
    int version,
    int schemaVersion,
    String format,
    List<String> splits,
    TokenizerSpec tokenizer,
    int shardMaxRows,
    SyntheticSpec synthetic,
    StsSpec sts,
    ImageSpec images,
    String path,
    List<InputFile> inputs) {
  public static final String FILE = "prepare-settings.json";
  /** 2: tasks sts, image-text and qa, HuggingFace tokenizers, invalid UTF-8 quarantined. */
  public static final int VERSION = 2;

  public PrepareSettings {
    splits = List.copyOf(splits);
    inputs = List.copyOf(inputs);
  }

  /** One input file as found when the job started. */
  public record InputFile(String file, long bytes, long modified) {}

  static PrepareSettings of(DatasetSpec dataset, int schemaVersion, List<InputFile> inputs) {
    return new PrepareSettings(
        VERSION,
        schemaVersion,
        dataset.format(),
        dataset.splits(),
        dataset.tokenizer(),
        dataset.shardMaxRows(),
        dataset.synthetic(),
        dataset.format().equals("sts") ? dataset.sts() : null,
        dataset.task() == DatasetSpec.Task.IMAGE_TEXT ? dataset.images() : null,
        dataset.format().equals("synthetic") ? null : dataset.path(),
        inputs);
  }

  /** Canonical JSON (sorted keys): equal settings give equal strings. */
  public String toJson() {
    return Json.writePretty(this);
  }
}
