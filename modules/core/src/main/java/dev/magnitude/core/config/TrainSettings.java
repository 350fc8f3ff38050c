package dev.magnitude.core.config;

import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.ImageTextTraining;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.LogitScale;
import dev.magnitude.core.run.StsTraining;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code magnitude.train}: how every run of a sweep trains, and how its worker process is started.
 *
 * @param tokenizer the tokenizer the encoder expects ({@code encoder.tokenizer}): empty = the dataset's
 *     own; a tokenizer id ({@code builtin-…}, {@code huggingface-…}); or the path or URI of a tokenizer.json,
 *     which stands for the id of data prepared with that file and the dataset's max length and padding
 *     ({@link TokenizerInfo#idWith}). A value with a '/' or ending in {@code .json} is a file.
 * @param temperature τ per variant; normalized sides bound the logits to [−1/τ, 1/τ], so cosine needs
 *     a small τ (0.05 = logit scale 20) while unnormalized sides start at 1.0
 * @param workerJavaOptions JVM options of each worker process (heap, GC)
 * @param parallelism runs trained at once (Spark tasks); 0 = one per run
 * @param stsPositiveThreshold STS datasets: a training pair is a positive when its gold score is at least this,
 *     in the dataset's score scale ({@code sts.positive-threshold}); goes into the spec of STS runs only
 * @param gpusPerRun GPUs each run's task asks Spark for; 0 = train on CPU. Not part of the run's spec:
 *     where a run trains does not change what it is.
 * @param encoderPath {@code encoder.path}: the TorchScript module of {@code kind = torchscript} (local path or
 *     Hadoop FileSystem URI); "" for the other kinds
 * @param towers {@code encoder.towers}: {@code shared} or {@code separate} (a query encoder and a document
 *     encoder of the same kind); retrieval and STS runs only, image-text runs have their two towers already
 * @param learnedAlphaInit initial α of both sides of a {@code learned} run ({@code learned.alpha-init}); goes into
 *     the spec of learned runs only
 * @param logitScaleLearnable learn the logit scale, starting at 1/τ ({@code logit-scale.learnable})
 * @param logitScaleMax upper bound of a learned logit scale ({@code logit-scale.max}); with
 *     {@code logitScaleLearnable}, part of every run's spec, else of none
 * @param hardNegatives judged non-relevant documents drawn per query of a batch as extra negatives
 *     ({@code hard-negatives}); 0 = none. Goes into the spec of retrieval runs only
 * @param encoderDropout {@code encoder.dropout}: hidden dropout of the transformer encoder, in [0, 1)
 */
public record TrainSettings(
    String encoderKind,
    int embeddingDim,
    int layers,
    int heads,
    int maxLength,
    String tokenizer,
    int steps,
    int batchSize,
    double learningRate,
    int warmupSteps,
    Map<Variant, Double> temperature,
    int checkpointEvery,
    double gradientClip,
    int threads,
    List<String> workerJavaOptions,
    int parallelism,
    double stsPositiveThreshold,
    int gpusPerRun,
    String encoderPath,
    String towers,
    double learnedAlphaInit,
    boolean logitScaleLearnable,
    double logitScaleMax,
    int hardNegatives,
    double encoderDropout) {

  /** The STS positive threshold of the trainer's reference.conf. */
  public static final double DEFAULT_STS_POSITIVE_THRESHOLD = 4.0;
  /** {@code learned.alpha-init} of the trainer's reference.conf. */
  public static final double DEFAULT_ALPHA_INIT = 0.5;
  /** {@code logit-scale.max} of the trainer's reference.conf. */
  public static final double DEFAULT_LOGIT_SCALE_MAX = 100;
  /** Hard negatives per query of the trainer's reference.conf. */
  public static final int DEFAULT_HARD_NEGATIVES = 1;

  /**
   * Settings with the default encoder path ("") and towers (shared), the default learned α and a fixed logit
   * scale, and the default number of hard negatives.
   */
  public TrainSettings(
      String encoderKind,
      int embeddingDim,
      int layers,
      int heads,
      int maxLength,
      String tokenizer,
      int steps,
      int batchSize,
      double learningRate,
      int warmupSteps,
      Map<Variant, Double> temperature,
      int checkpointEvery,
      double gradientClip,
      int threads,
      List<String> workerJavaOptions,
      int parallelism,
      double stsPositiveThreshold,
      int gpusPerRun) {
    this(encoderKind, embeddingDim, layers, heads, maxLength, tokenizer, steps, batchSize, learningRate, warmupSteps,
        temperature, checkpointEvery, gradientClip, threads, workerJavaOptions, parallelism, stsPositiveThreshold,
        gpusPerRun, "", EncoderSpec.SHARED, DEFAULT_ALPHA_INIT, false, DEFAULT_LOGIT_SCALE_MAX,
        DEFAULT_HARD_NEGATIVES);
  }

  /** Settings with the default encoder dropout. */
  public TrainSettings(
      String encoderKind, int embeddingDim, int layers, int heads, int maxLength, String tokenizer, int steps,
      int batchSize, double learningRate, int warmupSteps, Map<Variant, Double> temperature, int checkpointEvery,
      double gradientClip, int threads, List<String> workerJavaOptions, int parallelism,
      double stsPositiveThreshold, int gpusPerRun, String encoderPath, String towers, double learnedAlphaInit,
      boolean logitScaleLearnable, double logitScaleMax, int hardNegatives) {
    this(encoderKind, embeddingDim, layers, heads, maxLength, tokenizer, steps, batchSize, learningRate, warmupSteps,
        temperature, checkpointEvery, gradientClip, threads, workerJavaOptions, parallelism, stsPositiveThreshold,
        gpusPerRun, encoderPath, towers, learnedAlphaInit, logitScaleLearnable, logitScaleMax, hardNegatives,
        EncoderSpec.DEFAULT_DROPOUT);
  }

  /** Settings with the default STS positive threshold. */
  public TrainSettings(
      String encoderKind,
      int embeddingDim,
      int layers,
      int heads,
      int maxLength,
      String tokenizer,
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
    this(encoderKind, embeddingDim, layers, heads, maxLength, tokenizer, steps, batchSize, learningRate, warmupSteps,
        temperature, checkpointEvery, gradientClip, threads, workerJavaOptions, parallelism,
        DEFAULT_STS_POSITIVE_THRESHOLD, 0);
  }

  public TrainSettings {
    temperature = Map.copyOf(temperature);
    encoderPath = encoderPath == null ? "" : encoderPath.strip();
    towers = towers == null ? EncoderSpec.SHARED : towers;
    workerJavaOptions = List.copyOf(workerJavaOptions);
    if (gpusPerRun < 0) {
      throw new IllegalArgumentException("gpus-per-run = " + gpusPerRun + ": must be >= 0 (0 = CPU)");
    }
    if (hardNegatives < 0) {
      throw new IllegalArgumentException("hard-negatives = " + hardNegatives + ": must be >= 0 (0 = off)");
    }
  }

  /** Settings of CPU runs ({@code gpusPerRun} = 0) with the given STS positive threshold. */
  public TrainSettings(
      String encoderKind,
      int embeddingDim,
      int layers,
      int heads,
      int maxLength,
      String tokenizer,
      int steps,
      int batchSize,
      double learningRate,
      int warmupSteps,
      Map<Variant, Double> temperature,
      int checkpointEvery,
      double gradientClip,
      int threads,
      List<String> workerJavaOptions,
      int parallelism,
      double stsPositiveThreshold) {
    this(encoderKind, embeddingDim, layers, heads, maxLength, tokenizer, steps, batchSize, learningRate, warmupSteps,
        temperature, checkpointEvery, gradientClip, threads, workerJavaOptions, parallelism, stsPositiveThreshold, 0);
  }

  /** True when {@code tokenizer} names a tokenizer.json rather than an id: it has a '/' or ends in .json. */
  public static boolean isTokenizerFile(String tokenizer) {
    return tokenizer.contains("/") || tokenizer.contains("\\") || tokenizer.endsWith(".json");
  }

  /**
   * The tokenizer id the encoder expects of {@code dataset}, see {@code tokenizer}.
   *
   * @param readFile the bytes of a tokenizer.json, by path or URI (core reads no files itself)
   */
  public String expectedTokenizerId(TokenizerInfo dataset, Function<String, byte[]> readFile) {
    if (tokenizer.isEmpty()) {
      return dataset.id();
    }
    return isTokenizerFile(tokenizer) ? dataset.idWith(readFile.apply(tokenizer)) : tokenizer;
  }

  /** {@link #runSpec(Manifest, Variant, long, String, Function)} when {@code tokenizer} is not a file. */
  public RunSpec runSpec(Manifest manifest, Variant variant, long seed, String evalSplit) {
    return runSpec(manifest, variant, seed, evalSplit, path -> {
      throw new IllegalStateException("encoder.tokenizer = " + path + " is a file; pass a reader of files");
    });
  }

  /**
   * The spec of one run on a prepared dataset. Validates through the spec records. A dataset whose manifest
   * has task {@code sts} gets {@link StsTraining} with {@code stsPositiveThreshold}; one with task
   * {@code image-text} gets {@link ImageTextTraining#SMALL_CNN}. Only a retrieval run (neither) gets
   * {@code hardNegatives}: STS pairs and image-caption sets have no judged non-relevant documents.
   */
  public RunSpec runSpec(
      Manifest manifest, Variant variant, long seed, String evalSplit, Function<String, byte[]> readFile) {
    EncoderSpec encoder =
        new EncoderSpec(
            encoderKind,
            embeddingDim,
            layers,
            heads,
            maxLength,
            manifest.tokenizer().vocabularySize(),
            expectedTokenizerId(manifest.tokenizer(), readFile),
            encoderPath,
            towers,
            encoderDropout);
    Double tau = temperature.get(variant);
    if (tau == null) {
      throw new IllegalArgumentException("no temperature for variant " + variant + " (magnitude.train.temperature."
          + variant.id() + ")");
    }
    boolean sts = DatasetSpec.Task.STS.id().equals(manifest.task());
    boolean imageText = DatasetSpec.Task.IMAGE_TEXT.id().equals(manifest.task());
    if (imageText && encoder.separateTowers()) {
      throw new IllegalArgumentException(
          "encoder towers = separate: dataset " + manifest.dataset() + " is an image-text dataset, whose captions "
              + "and images have encoders of their own already; use towers = shared");
    }
    if (imageText && !encoder.kind().equals(EncoderSpec.TRANSFORMER)) {
      throw new IllegalArgumentException(
          "encoder kind = " + encoder.kind() + ": image-text runs (dataset " + manifest.dataset()
              + ") train the transformer caption encoder only; use kind = transformer");
    }
    TrainingSpec training =
        new TrainingSpec(
            steps, batchSize, learningRate, warmupSteps, tau, checkpointEvery, gradientClip, threads,
            variant.isLearned() ? new LearnedNormalization(learnedAlphaInit) : null,
            logitScaleLearnable ? new LogitScale(logitScaleMax) : null,
            sts || imageText ? 0 : hardNegatives);
    return new RunSpec(
        manifest.dataset(),
        manifest.contentHash(),
        variant,
        seed,
        encoder,
        training,
        List.of(new EvalSet(manifest.dataset(), evalSplit)),
        sts ? new StsTraining(stsPositiveThreshold) : null,
        imageText ? ImageTextTraining.SMALL_CNN : null);
  }
}
