package dev.magnitude.worker.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.Pair;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.Worker;
import dev.magnitude.worker.data.SentencePair;
import dev.magnitude.worker.data.TrainingPairs;
import dev.magnitude.worker.loss.InfoNceLoss;
import dev.magnitude.worker.loss.LossScalars;
import dev.magnitude.worker.train.BatchSampler;
import dev.magnitude.worker.train.ContrastiveTraining;
import dev.magnitude.worker.train.CurvePoint;
import dev.magnitude.worker.train.LearningRateSchedule;
import dev.magnitude.worker.train.ResumableAdam;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The text-pair training of a worker, set up as {@code Worker} sets it up (encoders, initialization, Trainer
 * with ResumableAdam, {@link ContrastiveTraining}), over a few fixed sentence pairs: B pairs in all, so every
 * step trains on the same batch and the loss should fall step by step.
 */
final class EncoderRig implements AutoCloseable {
  /** Four query–document pairs over ids of a 40-id vocabulary. */
  static final List<SentencePair> PAIRS = List.of(
      new SentencePair("p0", new int[] {5, 7, 9}, new int[] {5, 7, 10}, 5),
      new SentencePair("p1", new int[] {11, 12}, new int[] {11, 13, 14}, 5),
      new SentencePair("p2", new int[] {20, 21, 22}, new int[] {23, 21}, 5),
      new SentencePair("p3", new int[] {30, 31}, new int[] {32, 33, 31}, 5));

  final TextTowers towers;
  final Model model;
  final Trainer trainer;
  final ResumableAdam adam;
  final ContrastiveTraining training;

  EncoderRig(EncoderSpec spec, double learningRate, long seed) throws IOException {
    Engine.getInstance().setRandomSeed(Long.hashCode(seed));
    TrainingSpec settings = new TrainingSpec(100, PAIRS.size(), learningRate, 0, 0.1, 100, 0, 1);
    towers = TextTowers.create(spec, Device.cpu(), new Configuration(), "rig");
    model = Model.newInstance("rig", Device.cpu());
    model.setBlock(towers.block());
    towers.block().setInitializer(new TruncatedNormalInitializer(Worker.INIT_STD), Parameter.Type.WEIGHT);
    towers.block().initialize(model.getNDManager(), DataType.FLOAT32, towers.inputShapes(PAIRS.size()));
    towers.prepareParameters();
    LearningRateSchedule schedule = new LearningRateSchedule(learningRate, 0);
    adam = new ResumableAdam(schedule);
    InfoNceLoss loss = new InfoNceLoss(Variant.COSINE, 0.1, false);
    trainer = model.newTrainer(new DefaultTrainingConfig(loss).optDevices(new Device[] {Device.cpu()}).optOptimizer(adam));
    trainer.initialize(towers.inputShapes(PAIRS.size()));
    BatchSampler sampler = new BatchSampler(TrainingPairs.fromSts(PAIRS, 4.0, "rig"), PAIRS.size(), seed);
    training = new ContrastiveTraining(
        trainer, towers, loss, LossScalars.of(Variant.COSINE, settings), sampler, schedule, settings, seed);
  }

  /** Steps {@code from..to}; their losses. */
  List<Double> train(int from, int to) {
    List<Double> losses = new ArrayList<>();
    for (int s = from; s <= to; s++) {
      CurvePoint p = training.step(s);
      losses.add(p.loss());
    }
    return losses;
  }

  /** Eval-mode embeddings of {@code texts} by one tower, row-major (B × E). */
  float[] embed(TextTower tower, List<int[]> texts) {
    try (NDManager scope = trainer.getManager().newSubManager()) {
      return tower.embed(new ParameterStore(scope, false), scope, texts, false).toFloatArray();
    }
  }

  /** Every parameter of the towers' block, by name. */
  Map<String, float[]> parameters() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : towers.block().getParameters()) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  static Path resource(String name) {
    try {
      return Path.of(EncoderRig.class.getResource("/torchscript/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("test resource torchscript/" + name, e);
    }
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
    towers.close();
  }
}
