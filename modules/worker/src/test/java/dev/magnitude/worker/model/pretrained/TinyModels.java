package dev.magnitude.worker.model.pretrained;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.run.EncoderSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * The tiny model folders of {@code pretrained/make_tiny_models.py} (BERT and RoBERTa, hidden 32, 2 layers, 4
 * heads, intermediate 48) and the embeddings PyTorch computed from their weights ({@code reference.json}).
 */
final class TinyModels {
  static final int E = 32;
  static final int S = 16;
  static final int VOCAB = 64;

  private TinyModels() {}

  static Path resource(String name) {
    try {
      return Path.of(TinyModels.class.getResource("/pretrained/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("test resource pretrained/" + name, e);
    }
  }

  /** A copy of {@code tiny-bert} (or another folder) under {@code tmp}, to change freely. */
  static Path copy(String folder, Path tmp) {
    Path source = resource(folder);
    Path target = tmp.resolve(folder);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else {
          Files.copy(file, to);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  /** {@code tiny-bert} with its weights replaced by {@code tiny-bert-variants/<variant>} (a file or the sharded folder). */
  static Path bertWith(String variant, Path tmp) throws IOException {
    Path folder = copy("tiny-bert", tmp);
    Files.delete(folder.resolve("model.safetensors"));
    Path source = resource("tiny-bert-variants/" + variant);
    if (Files.isDirectory(source)) {
      try (Stream<Path> files = Files.list(source)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Files.copy(file, folder.resolve(file.getFileName().toString()));
        }
      }
    } else {
      Files.copy(source, folder.resolve("model.safetensors"));
    }
    return folder;
  }

  static JsonNode reference() throws IOException {
    return Json.MAPPER.readTree(Files.readString(resource("reference.json")));
  }

  static List<int[]> ids(JsonNode rows) {
    List<int[]> out = new ArrayList<>();
    for (JsonNode row : rows) {
      int[] ids = new int[row.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = row.get(i).asInt();
      }
      out.add(ids);
    }
    return out;
  }

  /** The run's encoder spec of a tiny model (E = 32, S = 16, the config's vocabulary). */
  static EncoderSpec spec() {
    return new EncoderSpec("transformer", E, 2, 4, S, VOCAB, "tiny");
  }

  static PretrainedModel read(Path folder) throws IOException {
    return PretrainedModel.read(folder.toString(), new Configuration());
  }

  static HuggingFaceEncoder encoder(PretrainedModel model, Pooling pooling) {
    return HuggingFaceEncoder.builder().setModel(model).setSpec(spec()).optPooling(pooling).build();
  }

  /** Initializes the encoder's block on {@code manager} (loading its weights). */
  static void initialize(HuggingFaceEncoder encoder, NDManager manager) {
    encoder.block().initialize(manager, DataType.FLOAT32, encoder.inputShapes(1));
    encoder.prepareParameters();
  }

  /** Eval-mode embeddings of {@code texts} as one batch, row-major (B × E). */
  static float[] embed(HuggingFaceEncoder encoder, NDManager manager, List<int[]> texts) {
    try (NDManager scope = manager.newSubManager()) {
      return encoder.embed(new ParameterStore(scope, false), scope, texts, false).toFloatArray();
    }
  }
}
