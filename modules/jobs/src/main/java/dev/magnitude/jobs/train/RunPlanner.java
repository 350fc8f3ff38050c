package dev.magnitude.jobs.train;

import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SweepSpec;
import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.ingest.io.HadoopFiles;
import dev.magnitude.ingest.tokenize.Tokenizers;
import dev.magnitude.jobs.support.JobError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Expands a sweep into its run specs: every dataset × variant × seed, in that order. Each spec carries
 * the content hash and tokenizer of the prepared dataset, so re-prepared data means new runs.
 */
public final class RunPlanner {
  private RunPlanner() {}

  /**
   * @throws JobError when a dataset of the sweep is not prepared, or magnitude.train.encoder.tokenizer names
   *     a tokenizer.json that cannot be read
   */
  public static List<RunSpec> plan(Settings settings, WorkDir work, HadoopFiles fs) {
    return plan(settings, work, fs, dataset -> true);
  }

  /** The runs of the sweep's datasets that {@code include} accepts (status lists unprepared ones apart). */
  public static List<RunSpec> plan(Settings settings, WorkDir work, HadoopFiles fs, Predicate<String> include) {
    SweepSpec sweep = settings.sweep();
    TrainSettings train = settings.train();
    List<RunSpec> runs = new ArrayList<>();
    Map<String, byte[]> read = new HashMap<>();
    Function<String, byte[]> files = path -> read.computeIfAbsent(path, p -> tokenizerJson(p, fs));
    for (String dataset : sweep.datasets()) {
      if (!include.test(dataset)) {
        continue;
      }
      Manifest manifest = manifest(work, fs, dataset);
      for (Variant variant : sweep.variants()) {
        for (long seed : sweep.seeds()) {
          runs.add(train.runSpec(manifest, variant, seed, sweep.evalSplit(), files));
        }
      }
    }
    return runs;
  }

  private static byte[] tokenizerJson(String path, HadoopFiles fs) {
    try {
      return Tokenizers.readTokenizerJson(path, fs.conf());
    } catch (IllegalArgumentException e) {
      throw new JobError("magnitude.train.encoder.tokenizer: " + e.getMessage(), e);
    }
  }

  public static Manifest manifest(WorkDir work, HadoopFiles fs, String dataset) {
    String done = work.dataset(dataset) + "/" + WorkDir.SUCCESS;
    if (!fs.exists(done)) {
      throw new JobError(
          "dataset '" + dataset + "' is not prepared: " + done + " is missing; run `jobs/magnitude prepare` first");
    }
    return Manifest.fromJson(fs.readString(work.manifest(dataset)));
  }
}
