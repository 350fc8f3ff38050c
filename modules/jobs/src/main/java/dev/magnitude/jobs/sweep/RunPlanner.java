package dev.magnitude.jobs.sweep;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SweepSpec;
import dev.magnitude.core.config.TrainSettings;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.ModuleDigest;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.jobs.support.JobError;
import dev.magnitude.prepare.io.HadoopFiles;
import dev.magnitude.prepare.tokenize.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Expands a sweep into its run specs: every dataset × variant × seed, in that order. Each spec carries
 * the content hash and tokenizer of the prepared dataset, so re-prepared data means new runs, and its
 * evaluation sets: its own dataset's eval split, then that of every dataset {@code magnitude.sweep.evaluate-on}
 * lists for it (out of domain, each with its own content hash).
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
    Map<String, String> moduleHashes = new HashMap<>();
    for (String dataset : sweep.datasets()) {
      if (!include.test(dataset)) {
        continue;
      }
      Manifest manifest = manifest(work, fs, dataset);
      List<Manifest> others = new ArrayList<>();
      for (String other : sweep.outOfDomain(dataset)) {
        others.add(manifest(work, fs, other));
      }
      for (Variant variant : sweep.variants()) {
        for (long seed : sweep.seeds()) {
          RunSpec spec = pinModule(train.runSpec(manifest, variant, seed, sweep.evalSplit(), files), fs, moduleHashes);
          runs.add(others.isEmpty() ? spec : withOutOfDomain(spec, manifest, others, sweep.evalSplit()));
        }
      }
    }
    return runs;
  }

  /**
   * The run also scored on the eval split of each other dataset ({@code magnitude.sweep.evaluate-on}). Its
   * encoder can embed another dataset's texts only if they were tokenized the same way: the token ids of two
   * datasets prepared with the built-in tokenizer mean different words (it fits its vocabulary per dataset),
   * so the tokenizer ids of the manifests must be equal, which a shared HuggingFace tokenizer.json gives.
   *
   * @throws JobError naming both datasets, both tokenizer ids and how to prepare them alike
   */
  static RunSpec withOutOfDomain(RunSpec spec, Manifest own, List<Manifest> others, String evalSplit) {
    List<EvalSet> eval = new ArrayList<>(spec.eval());
    String expected = spec.encoder().tokenizerId();
    for (Manifest other : others) {
      String actual = other.tokenizer() == null ? null : other.tokenizer().id();
      if (actual == null || !actual.equals(expected)) {
        throw new JobError("magnitude.sweep.evaluate-on." + own.dataset() + ": runs on dataset " + own.dataset()
            + " embed with tokenizer " + expected + " but dataset " + other.dataset() + " was prepared with tokenizer "
            + actual + ", so its token ids mean other words to the encoder; prepare both datasets with the same "
            + "HuggingFace tokenizer.json (magnitude.prepare.tokenizer { kind = huggingface, path = ... }, the same "
            + "max-length and padding; the built-in tokenizer fits its vocabulary per dataset) or remove "
            + other.dataset() + " from magnitude.sweep.evaluate-on." + own.dataset());
      }
      if (!own.task().equals(other.task()) && !(isRanked(own.task()) && isRanked(other.task()))) {
        throw new JobError("magnitude.sweep.evaluate-on." + own.dataset() + ": dataset " + other.dataset()
            + " was prepared as task " + other.task() + " but runs on " + own.dataset() + " have task " + own.task()
            + "; a run is scored on datasets of its own task only");
      }
      eval.add(new EvalSet(other.dataset(), evalSplit, other.contentHash()));
    }
    return spec.withEval(eval);
  }

  private static boolean isRanked(String task) {
    return DatasetSpec.Task.RETRIEVAL.id().equals(task) || DatasetSpec.Task.QA.id().equals(task);
  }

  /**
   * A torchscript run's spec with its module's content hash ({@link EncoderSpec#moduleSha256}), so the run id
   * names the module's bytes and not only its path; other specs as they are. Each module file is read once
   * per plan.
   *
   * @throws JobError naming magnitude.train.encoder.path when the module cannot be read
   */
  static RunSpec pinModule(RunSpec spec, HadoopFiles fs, Map<String, String> hashes) {
    EncoderSpec encoder = spec.encoder();
    if (!encoder.kind().equals(EncoderSpec.TORCHSCRIPT)) {
      return spec;
    }
    String sha256 = hashes.computeIfAbsent(encoder.path(), path -> {
      try (InputStream in = fs.open(path)) {
        return ModuleDigest.sha256(in);
      } catch (IOException | UncheckedIOException e) {
        throw new JobError("magnitude.train.encoder.path = " + path + ": cannot read the TorchScript module: "
            + e.getMessage(), e);
      }
    });
    return spec.withEncoder(encoder.withModuleSha256(sha256));
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
    try {
      return ChecksummedJson.read(fs.readString(work.manifest(dataset)), Manifest.class, work.manifest(dataset));
    } catch (ChecksummedJson.DamagedFileException e) {
      throw new JobError(e.getMessage() + "; prepare dataset '" + dataset + "' again: jobs/magnitude prepare --force");
    }
  }
}
