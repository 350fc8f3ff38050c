package dev.magnitude.core.config;

import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.util.List;
import java.util.Map;

/**
 * {@code magnitude.train}: how every run of a sweep trains, and how its worker process is started.
 *
 * @param temperature τ per variant; normalized sides bound the logits to [−1/τ, 1/τ], so cosine needs
 *     a small τ (0.05 = logit scale 20) while unnormalized sides start at 1.0
 * @param workerJavaOptions JVM options of each worker process (heap, GC)
 * @param parallelism runs trained at once (Spark tasks); 0 = one per run
 */
public record TrainSettings(
    String encoderKind,
    int embeddingDim,
    int layers,
    int heads,
    int maxLength,
    int steps,
    int batchSize,
    double learningRate,
    int warmupSteps,
    Map<Variant, Double> temperature,
    int checkpointEvery,
    double gradientClip,
    int threads,
    List<String> workerJavaOptions,
    int parallelism) {

  public TrainSettings {
    temperature = Map.copyOf(temperature);
    workerJavaOptions = List.copyOf(workerJavaOptions);
  }

  /** The spec of one run on a prepared dataset. Validates through the spec records. */
  public RunSpec runSpec(Manifest manifest, Variant variant, long seed, String evalSplit) {
    EncoderSpec encoder =
        new EncoderSpec(
            encoderKind,
            embeddingDim,
            layers,
            heads,
            maxLength,
            manifest.tokenizer().vocabularySize(),
            manifest.tokenizer().id());
    TrainingSpec training =
        new TrainingSpec(
            steps, batchSize, learningRate, warmupSteps, temperature.get(variant), checkpointEvery, gradientClip, threads);
    return new RunSpec(
        manifest.dataset(),
        manifest.contentHash(),
        variant,
        seed,
        encoder,
        training,
        List.of(new EvalSet(manifest.dataset(), evalSplit)));
  }
}
