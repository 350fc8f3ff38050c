package dev.magnitude.worker;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import dev.magnitude.core.json.ChecksummedJson;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.ImageCaptions;
import dev.magnitude.worker.data.PartFiles;
import dev.magnitude.worker.data.PreparedTables;
import dev.magnitude.worker.data.TrainingPairs;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.loss.LossScalars;
import dev.magnitude.worker.model.ImageEncoder;
import dev.magnitude.worker.model.ImageTextBlock;
import dev.magnitude.worker.model.TextEncoder;
import dev.magnitude.worker.model.TextTowers;
import dev.magnitude.worker.output.CurvesFile;
import dev.magnitude.worker.output.EmbeddingExport;
import dev.magnitude.worker.output.ImageExport;
import dev.magnitude.worker.train.BatchSampler;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.ContrastiveTraining;
import dev.magnitude.worker.train.CurvePoint;
import dev.magnitude.worker.train.ImageTextSampler;
import dev.magnitude.worker.train.ImageTextSteps;
import dev.magnitude.worker.train.LearningRateSchedule;
import dev.magnitude.worker.train.NativeAllocator;
import dev.magnitude.worker.train.ResumableAdam;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one run and exports its embeddings: the body of a worker process, callable in-process.
 *
 * <ol>
 *   <li>Checks every input table of the run (training split and each eval set) exists, and that the
 *       datasets' manifests, where present, name the encoder's tokenizer.
 *   <li>Reads the training pairs (relevance ≥ 1 in {@code <dataset>/train/qrels}; for an STS run, the
 *       pairs of {@code <dataset>/train/pairs} whose score reaches the positive threshold).
 *   <li>Builds the encoder ({@link TextTowers}: one of the spec's kind, or a query and a document encoder
 *       with {@code towers = separate}), seeded; if the run has a checkpoint, resumes from the latest one that
 *       reads completely (parameters, Adam state, curve), so on CPU it ends exactly as an
 *       uninterrupted run would (see {@link Checkpoints}).
 *   <li>Trains {@code training.steps} Adam steps, writing {@code checkpoints/step-<n>.ckpt} (the
 *       newest {@value Checkpoints#KEEP} are kept) and {@code curves.parquet} every
 *       {@code checkpointEvery} steps and at the last step.
 *   <li>In eval mode, embeds each eval set's queries and each eval dataset's corpus once; for an STS eval
 *       set, the first sentence of every pair as {@code queries} and the second as {@code documents}, both
 *       under the pair id and the eval split; for an image-text run, see {@link #trainImageText}.
 *   <li>Writes {@code normalization.json} ({@link TrainedNormalization}: the learned α of a learned run and
 *       the logit scale it ended with), then {@code _SUCCESS} last. Every file is written under a temporary
 *       name and renamed.
 * </ol>
 *
 * <p>Events go to the consumer as JSON lines ({@link Events}). One run at a time per JVM: DJL's
 * PyTorch gradient collector is process-global.
 */
public final class Worker {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  /** Standard deviation of the truncated-normal weight initialization (BERT's). */
  public static final float INIT_STD = 0.02f;
  /** The split whose qrels train a run. */
  public static final String TRAIN_SPLIT = "train";
  static final String THREADS = "ai.djl.pytorch.num_threads";
  static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private final RunSpec spec;
  private final WorkDir work;
  private final Configuration conf;
  private final Consumer<String> events;
  private final String runId;
  private final PreparedTables tables;
  private final Placement placement;
  private String phase = "starting";

  private Worker(RunSpec spec, WorkDir work, Configuration conf, Consumer<String> events, Placement placement) {
    this.placement = placement;
    this.spec = spec;
    this.work = work;
    this.conf = conf;
    this.events = events;
    this.runId = spec.id();
    this.tables = new PreparedTables(conf);
  }

  /**
   * Runs a spec to its end. Never throws for a failed run: the failure is the {@code failed} event and
   * the result's reason.
   *
   * @param workDir the work directory (any Hadoop FileSystem URI)
   * @param events receives one JSON line per event
   */
  public static RunResult run(RunSpec spec, String workDir, Configuration conf, Consumer<String> events) {
    Objects.requireNonNull(spec, "spec");
    return run(spec, workDir, conf, events, new Placement(0, spec.training().threads()));
  }

  /** Runs a spec on the given device and threads ({@link Placement}); neither changes the run. */
  public static RunResult run(
      RunSpec spec, String workDir, Configuration conf, Consumer<String> events, Placement placement) {
    Objects.requireNonNull(spec, "spec");
    return new Worker(spec, new WorkDir(workDir), conf, events, placement).execute();
  }

  /**
   * Sets PyTorch's intra- and inter-op thread counts. Takes effect only if called before the engine
   * loads (the first {@code Engine.getInstance()}), as {@link WorkerMain} does.
   */
  public static void configureThreads(int threads) {
    System.setProperty(THREADS, Integer.toString(threads));
    System.setProperty(INTEROP_THREADS, Integer.toString(threads));
  }

  private RunResult execute() {
    long start = System.nanoTime();
    Progress progress = new Progress();
    try {
      if (exists(work.runSuccess(runId))) {
        LOG.info("run {} is already finished ({} exists); nothing to do", runId, work.runSuccess(runId));
        events.accept(Events.done(runId, 0));
        progress.normalization = readNormalization();
        return result(true, null, true, progress, start);
      }
      phase = "checking the prepared data";
      checkInputs();
      phase = "reading the training pairs";
      // image-text runs read their images and captions in trainImageText
      TrainingPairs pairs = spec.trainsOnImageText() ? null : trainingPairs();
      BatchSampler sampler = spec.trainsOnImageText() ? null : sampler(pairs);
      phase = "loading the PyTorch engine";
      if (System.getProperty(THREADS) == null) {
        configureThreads(placement.threads());
      }
      NativeAllocator.keepFreedMemory();
      Engine engine = Engine.getInstance();
      engine.setRandomSeed(Long.hashCode(spec.seed()));
      if (spec.trainsOnImageText()) {
        trainImageText(progress);
      } else {
        train(pairs, sampler, progress);
      }
      phase = "committing the run";
      writeNormalization(progress.normalization);
      FileSystem fs = new Path(work.run(runId)).getFileSystem(conf);
      fs.create(new Path(work.runSuccess(runId)), true).close();
      double seconds = (System.nanoTime() - start) / 1e9;
      events.accept(Events.done(runId, seconds));
      return result(true, null, false, progress, start);
    } catch (RunFailure f) {
      LOG.error("run {} failed: {}", runId, f.getMessage());
      return fail(f.getMessage(), progress, start);
    } catch (Exception | Error e) {
      String reason = phase + ": " + e;
      LOG.error("run {} failed: {}", runId, reason, e);
      return fail(reason, progress, start);
    }
  }

  private void train(TrainingPairs pairs, BatchSampler sampler, Progress progress) throws IOException {
    TrainingSpec settings = spec.training();
    int b = settings.batchSize();
    InfoNceLoss loss = new InfoNceLoss(spec.variant(), settings.temperature(), spec.trainsOnSts());
    LossScalars scalars = LossScalars.of(spec.variant(), settings);
    LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.warmupSteps());
    Checkpoints checkpoints = new Checkpoints(work.checkpoints(runId), conf);
    Device device = placement.device(Engine.getInstance().getGpuCount(), runId);
    phase = "building the " + spec.encoder().kind() + " encoder";
    try (TextTowers encoders = TextTowers.create(spec.encoder(), device, conf, runId);
        Model model = Model.newInstance(runId, device)) {
      // The encoders, with the loss's trainable scalars (learned α, learned logit scale) when the run has any.
      Block block = scalars.wrap(encoders.block());
      model.setBlock(block);
      phase = "initializing the encoder";
      // Initialize (and load a checkpoint into) the block before the Trainer exists: the Trainer caches
      // the parameter arrays it sees at initialization.
      // the encoders' weights only: the scalars keep their own (constant) initial values
      encoders.block().setInitializer(new TruncatedNormalInitializer(INIT_STD), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, encoders.inputShapes(b));
      Runnable prepare = () -> {
        encoders.prepareParameters();
        scalars.prepare();
      };
      prepare.run();
      ResumableAdam adam = new ResumableAdam(schedule);
      int done = resume(checkpoints, block, prepare, adam, model, progress);
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(loss).optDevices(new Device[] {device}).optOptimizer(adam);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(encoders.inputShapes(b));
        events.accept(
            Events.start(runId, device.toString(), Integer.getInteger(THREADS, settings.threads()), settings.steps(), done + 1, pairs.size()));
        ContrastiveTraining training =
            new ContrastiveTraining(trainer, encoders, loss, scalars, sampler, schedule, settings, spec.seed());
        trainSteps(done, "", training::step, checkpoints, block, adam, progress);
        progress.normalization = scalars.trained(progress.lastStep);
        export(new EmbeddingExport(trainer, encoders.query(), tables, conf),
            new EmbeddingExport(trainer, encoders.document(), tables, conf), progress);
      }
    }
  }

  /**
   * An image-text run: captions through the text encoder (query side), images through a small CNN
   * (document side), one optimizer over both ({@link ImageTextBlock}), symmetric InfoNCE. Checkpoints
   * hold both encoders and the Adam state; resuming follows {@link #resume}. Exports each eval set's captions as
   * {@code queries} (caption ids) and its images as {@code documents} (image ids), under the eval split.
   */
  private void trainImageText(Progress progress) throws IOException {
    if (spec.encoder().separateTowers()) {
      throw new RunFailure("encoder towers = separate: image-text runs have a caption and an image encoder already;"
          + " use towers = shared");
    }
    TrainingSpec settings = spec.training();
    int b = settings.batchSize();
    phase = "reading the training images and captions";
    ImageCaptions data =
        ImageCaptions.load(tables, work, spec.dataset(), TRAIN_SPLIT, spec.encoder().vocabularySize());
    ImageTextSampler sampler;
    try {
      sampler = new ImageTextSampler(data, b, spec.seed());
    } catch (IllegalArgumentException e) {
      throw new RunFailure("dataset " + spec.dataset() + ": " + e.getMessage(), e);
    }
    TextEncoder text = new TextEncoder(spec.encoder());
    ImageEncoder image = new ImageEncoder(spec.imageText(), spec.encoder().embeddingDim());
    InfoNceLoss loss = new InfoNceLoss(spec.variant(), settings.temperature(), true);
    LossScalars scalars = LossScalars.of(spec.variant(), settings);
    // Both encoders, with the loss's trainable scalars when the run has any.
    Block block = scalars.wrap(new ImageTextBlock(text.block(), image.block()));
    LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.warmupSteps());
    Checkpoints checkpoints = new Checkpoints(work.checkpoints(runId), conf);
    Device device = placement.device(Engine.getInstance().getGpuCount(), runId);
    Shape[] shapes = ImageTextBlock.inputShapes(text.inputShapes(b), ImageEncoder.inputShape(b, data.imageSize()));
    try (Model model = Model.newInstance(runId, device)) {
      model.setBlock(block);
      phase = "initializing the encoders";
      text.block().setInitializer(new TruncatedNormalInitializer(INIT_STD), Parameter.Type.WEIGHT);
      image.block().setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, shapes);
      Runnable prepare = () -> {
        text.prepareParameters();
        image.prepareParameters();
        scalars.prepare();
      };
      prepare.run();
      ResumableAdam adam = new ResumableAdam(schedule);
      int done = resume(checkpoints, block, prepare, adam, model, progress);
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(loss)
              .optDevices(new Device[] {device})
              .optOptimizer(adam);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(shapes);
        events.accept(
            Events.start(runId, device.toString(), Integer.getInteger(THREADS, settings.threads()), settings.steps(),
                done + 1, data.size()));
        ImageTextSteps training =
            new ImageTextSteps(trainer, block, text, image, data.imageSize(), loss, scalars, sampler, schedule, settings);
        trainSteps(done, ", image-text", step -> {
          // As ContrastiveTraining does: a step's random draws depend on (seed, step) only, so a resumed run
          // draws what an uninterrupted one would.
          trainer.getManager().getEngine().setRandomSeed(ContrastiveTraining.stepSeed(spec.seed(), step));
          return training.step(step);
        }, checkpoints, block, adam, progress);
        progress.normalization = scalars.trained(progress.lastStep);
        EmbeddingExport captions = new EmbeddingExport(trainer, text, tables, conf);
        ImageExport images = new ImageExport(trainer, image, tables, conf);
        for (EvalSet eval : spec.eval()) {
          String where = eval.dataset() + "/" + eval.split();
          phase = "exporting the embeddings of " + where + " captions";
          String queries = work.embeddings(runId, eval.dataset(), eval.split(), Tables.QUERIES);
          progress.embeddings.put(queries,
              captions.exportCaptions(work.table(eval.dataset(), eval.split(), Tables.CAPTIONS), queries));
          phase = "exporting the embeddings of " + where + " images";
          String documents = work.embeddings(runId, eval.dataset(), eval.split(), Tables.DOCUMENTS);
          progress.embeddings.put(documents,
              images.export(work.table(eval.dataset(), eval.split(), Tables.IMAGES), documents));
        }
      }
    }
  }

  /**
   * Steps {@code done + 1 .. steps} of either task's training: a progress event about every 5% of the steps,
   * and every {@code checkpointEvery} steps and at the last one a checkpoint (the block's parameters, the Adam
   * state, the curve so far) and curves.parquet.
   *
   * @param what added to the phase of a step, e.g. ", image-text"
   */
  private void trainSteps(
      int done, String what, IntFunction<CurvePoint> step, Checkpoints checkpoints, Block block, ResumableAdam adam,
      Progress progress) throws IOException {
    TrainingSpec settings = spec.training();
    int every = Math.max(1, Math.round(settings.steps() / 20f));
    long windowStart = System.nanoTime();
    int windowSteps = 0;
    for (int s = done + 1; s <= settings.steps(); s++) {
      phase = "training step " + s + " (variant " + spec.variant() + what + ")";
      CurvePoint point = step.apply(s);
      progress.curve.add(point);
      progress.lastStep = s;
      windowSteps++;
      if (s % every == 0 || s == settings.steps()) {
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        events.accept(Events.progress(runId, s, settings.steps(), point.loss(), windowSteps * settings.batchSize() / seconds));
        windowStart = System.nanoTime();
        windowSteps = 0;
      }
      if (s % settings.checkpointEvery() == 0 || s == settings.steps()) {
        phase = "writing the checkpoint of step " + s;
        String path = checkpoints.save(s, block, adam.state(block.getParameters()), progress.curve);
        CurvesFile.write(work.curves(runId), progress.curve, conf);
        progress.checkpoints.add(path);
        events.accept(Events.checkpoint(runId, s, path));
      }
    }
  }

  /**
   * Loads the latest checkpoint that reads completely (a damaged newest one falls back to the one
   * before it) into the block, the optimizer and the curve; returns its step (0 = start afresh).
   *
   * @param prepare what the encoders need after their parameters changed (run after a load)
   */
  private int resume(
      Checkpoints checkpoints, Block block, Runnable prepare, ResumableAdam adam, Model model, Progress progress)
      throws IOException {
    List<String> unreadable = new ArrayList<>();
    for (int step : checkpoints.steps()) {
      if (step > spec.training().steps()) {
        LOG.warn("run {}: ignoring {}: beyond the run's {} steps", runId, checkpoints.path(step),
            spec.training().steps());
        continue;
      }
      phase = "loading the checkpoint of step " + step;
      Checkpoints.Restored restored;
      try {
        restored = checkpoints.load(block, model.getNDManager(), step);
      } catch (IOException e) {
        LOG.warn("run {}: cannot resume from {} ({}); trying an older checkpoint", runId, checkpoints.path(step),
            e.getMessage());
        unreadable.add(e.getMessage());
        continue;
      }
      prepare.run();
      adam.restore(restored.optimizer(), block.getParameters());
      progress.curve.addAll(restored.curve());
      progress.firstStep = step + 1;
      progress.lastStep = step;
      LOG.info("run {}: resuming from step {} ({})", runId, step, checkpoints.path(step));
      return step;
    }
    if (!unreadable.isEmpty()) {
      // The block may hold part of a damaged checkpoint: training on from it would be neither a resume
      // nor a fresh start.
      throw new RunFailure(
          "no checkpoint of the run can be read: " + String.join("; ", unreadable) + "; delete "
              + work.checkpoints(runId) + " to train the run from the start");
    }
    return 0;
  }

  /** Queries (STS: first sentences) through {@code queries}' encoder, documents through {@code documents}'. */
  private void export(EmbeddingExport queries, EmbeddingExport documents, Progress progress) throws IOException {
    Set<String> corpora = new LinkedHashSet<>();
    for (EvalSet eval : spec.eval()) {
      if (spec.scoresSts(eval)) {
        exportPairs(queries, documents, eval, progress);
        continue;
      }
      phase = "exporting the embeddings of " + eval.dataset() + "/" + eval.split() + " queries";
      String path = work.embeddings(runId, eval.dataset(), eval.split(), Tables.QUERIES);
      progress.embeddings.put(path, queries.export(work.table(eval.dataset(), eval.split(), Tables.QUERIES), path));
      corpora.add(eval.dataset());
    }
    for (String dataset : corpora) {
      phase = "exporting the embeddings of the " + dataset + " corpus";
      String path = work.embeddings(runId, dataset, WorkDir.CORPUS, Tables.DOCUMENTS);
      progress.embeddings.put(path, documents.export(work.documents(dataset), path));
    }
  }

  /** STS eval set: both sentences of every pair, under the pair id (see {@link EmbeddingExport#exportPairs}). */
  private void exportPairs(EmbeddingExport queries, EmbeddingExport documents, EvalSet eval, Progress progress)
      throws IOException {
    String folder = work.table(eval.dataset(), eval.split(), Tables.PAIRS);
    for (String side : List.of(Tables.QUERIES, Tables.DOCUMENTS)) {
      phase = "exporting the embeddings of " + eval.dataset() + "/" + eval.split() + " pairs (" + side + ")";
      String path = work.embeddings(runId, eval.dataset(), eval.split(), side);
      boolean first = side.equals(Tables.QUERIES);
      progress.embeddings.put(path, (first ? queries : documents).exportPairs(folder, first, path));
    }
  }

  private TrainingPairs trainingPairs() throws IOException {
    int vocabulary = spec.encoder().vocabularySize();
    if (spec.trainsOnSts()) {
      return TrainingPairs.loadSts(tables, work, spec.dataset(), TRAIN_SPLIT, vocabulary,
          spec.sts().positiveThreshold(), spec.training().batchSize());
    }
    return TrainingPairs.load(tables, work, spec.dataset(), TRAIN_SPLIT, vocabulary);
  }

  /** Fails fast, before any training, on a missing table or a dataset of another tokenizer. */
  private void checkInputs() throws IOException {
    Set<String> folders = new LinkedHashSet<>();
    Set<String> datasets = new LinkedHashSet<>();
    if (spec.trainsOnSts()) {
      folders.add(work.table(spec.dataset(), TRAIN_SPLIT, Tables.PAIRS));
    } else if (spec.trainsOnImageText()) {
      folders.add(work.table(spec.dataset(), TRAIN_SPLIT, Tables.IMAGES));
      folders.add(work.table(spec.dataset(), TRAIN_SPLIT, Tables.CAPTIONS));
    } else {
      folders.add(work.table(spec.dataset(), TRAIN_SPLIT, Tables.QRELS));
      folders.add(work.table(spec.dataset(), TRAIN_SPLIT, Tables.QUERIES));
      folders.add(work.documents(spec.dataset()));
    }
    datasets.add(spec.dataset());
    for (EvalSet eval : spec.eval()) {
      if (spec.scoresSts(eval)) {
        folders.add(work.table(eval.dataset(), eval.split(), Tables.PAIRS));
      } else if (spec.scoresImageText(eval)) {
        folders.add(work.table(eval.dataset(), eval.split(), Tables.IMAGES));
        folders.add(work.table(eval.dataset(), eval.split(), Tables.CAPTIONS));
      } else {
        folders.add(work.table(eval.dataset(), eval.split(), Tables.QUERIES));
        folders.add(work.documents(eval.dataset()));
      }
      datasets.add(eval.dataset());
    }
    for (String folder : folders) {
      PartFiles.list(folder, conf);
    }
    for (String dataset : datasets) {
      checkManifest(dataset);
    }
  }

  private void checkManifest(String dataset) throws IOException {
    Path path = new Path(work.manifest(dataset));
    FileSystem fs = path.getFileSystem(conf);
    if (!fs.exists(path)) {
      LOG.warn("{} does not exist; cannot check the dataset's tokenizer", path);
      return;
    }
    Manifest manifest;
    try (InputStream in = fs.open(path)) {
      manifest = ChecksummedJson.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), Manifest.class,
          path.toString());
    } catch (ChecksummedJson.DamagedFileException e) {
      throw new RunFailure(e.getMessage() + "; prepare dataset " + dataset + " again (jobs/magnitude prepare --force)");
    } catch (RuntimeException e) {
      LOG.warn("cannot parse {} ({}); cannot check the dataset's tokenizer", path, e.getMessage());
      return;
    }
    if (manifest.tokenizer() == null) {
      return;
    }
    String expected = spec.encoder().tokenizerId();
    String actual = manifest.tokenizer().id();
    if (expected != null && actual != null && !expected.equals(actual)) {
      throw new RunFailure(
          "dataset " + dataset + " was prepared with tokenizer " + actual + " but the encoder expects "
              + expected + " (" + path + "); prepare it with that tokenizer or change "
              + "magnitude.train.encoder.tokenizer");
    }
    int vocabulary = manifest.tokenizer().vocabularySize();
    if (vocabulary > spec.encoder().vocabularySize()) {
      throw new RunFailure(
          "dataset " + dataset + " has a vocabulary of " + vocabulary + " ids but encoder vocabulary-size = "
              + spec.encoder().vocabularySize() + " (" + path + "); take vocabulary-size from the manifest");
    }
  }

  private BatchSampler sampler(TrainingPairs pairs) {
    try {
      return new BatchSampler(pairs, spec.training().batchSize(), spec.seed(), spec.training().hardNegatives());
    } catch (IllegalArgumentException e) {
      throw new RunFailure("dataset " + spec.dataset() + ": " + e.getMessage(), e);
    }
  }

  private RunResult fail(String reason, Progress progress, long start) {
    events.accept(Events.failed(runId, reason));
    return result(false, reason, false, progress, start);
  }

  private RunResult result(boolean ok, String reason, boolean alreadyDone, Progress progress, long start) {
    return new RunResult(
        runId, ok, reason, alreadyDone, progress.firstStep, progress.lastStep, progress.curve,
        progress.embeddings, progress.checkpoints, (System.nanoTime() - start) / 1e9, progress.normalization);
  }

  /** Writes {@code normalization.json} under a temporary name and renames it into place. */
  private void writeNormalization(TrainedNormalization normalization) throws IOException {
    Path target = new Path(work.normalization(runId));
    Path tmp = new Path(target.getParent(), "_tmp-" + target.getName());
    FileSystem fs = target.getFileSystem(conf);
    try (var out = fs.create(tmp, true)) {
      out.write(ChecksummedJson.seal(normalization.toJson()).getBytes(StandardCharsets.UTF_8));
    }
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  /**
   * The {@code normalization.json} of a finished run; null if it has none (finished by older code).
   *
   * @throws RunFailure when the file is damaged (its content does not match its checksum)
   */
  private TrainedNormalization readNormalization() throws IOException {
    Path path = new Path(work.normalization(runId));
    FileSystem fs = path.getFileSystem(conf);
    if (!fs.exists(path)) {
      return null;
    }
    try (InputStream in = fs.open(path)) {
      return ChecksummedJson.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), TrainedNormalization.class,
          path.toString());
    } catch (ChecksummedJson.DamagedFileException e) {
      throw new RunFailure(e.getMessage() + "; delete " + work.runSuccess(runId) + " and train the run again: it"
          + " exports again from its last checkpoint and rewrites the file");
    }
  }

  private boolean exists(String path) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(conf).exists(p);
  }

  /** What the run has done so far, for the result of a success or a failure. */
  private static final class Progress {
    int firstStep = 1;
    int lastStep;
    final List<CurvePoint> curve = new ArrayList<>();
    final Map<String, Long> embeddings = new LinkedHashMap<>();
    final List<String> checkpoints = new ArrayList<>();
    TrainedNormalization normalization;
  }
}
