package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.worker.model.OtherSchemeFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BERT forward against a second route: PyTorch (torch 1.13, {@code make_tiny_models.py}) embedded each text
 * of {@code reference.json} alone, unpadded, from the same weights; here the texts go through as one batch,
 * padded to the longest. Max difference ≤ 1e-5 for every weight dtype (the f16 and bf16 references were computed
 * from the rounded weights) and every pooling.
 */
class HuggingFaceEncoderTest {
  static final float TOLERANCE = 1e-5f;
  @TempDir Path tmp;

  @Test
  void float32WeightsGivePyTorchsEmbeddingsUnderEveryPooling() throws IOException {
    PretrainedModel model = TinyModels.read(TinyModels.resource("tiny-bert"));
    assertMatches(model, TinyModels.reference().path("bert").path("F32"), "F32");
  }

  @Test
  void halfAndBfloat16WeightsAreWidenedExactly() throws IOException {
    for (String dtype : List.of("F16", "BF16")) {
      Path folder = TinyModels.bertWith("model-" + dtype.toLowerCase() + ".safetensors", tmp.resolve(dtype));
      assertMatches(TinyModels.read(folder), TinyModels.reference().path("bert").path(dtype), dtype);
    }
  }

  @Test
  void shardedWeightsUnderTheBertPrefixReadAsOne() throws IOException {
    Path folder = TinyModels.bertWith("sharded", tmp);
    assertMatches(TinyModels.read(folder), TinyModels.reference().path("bert").path("F32"), "sharded");
  }

  @Test
  void anOlderSentenceTransformersLayoutWithTheTransformerInASubfolderReads() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Path transformer = java.nio.file.Files.createDirectories(folder.resolve("0_Transformer"));
    for (String name : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "sentence_bert_config.json")) {
      java.nio.file.Files.move(folder.resolve(name), transformer.resolve(name));
    }
    Path modules = folder.resolve("modules.json");
    java.nio.file.Files.writeString(modules, java.nio.file.Files.readString(modules)
        .replace("\"path\": \"\"", "\"path\": \"0_Transformer\""));
    PretrainedModel model = TinyModels.read(folder);
    assertThat(model.modules()).isEqualTo(new SentenceTransformerModules(Pooling.MEAN, true, 16, "0_Transformer"));
    assertMatches(model, TinyModels.reference().path("bert").path("F32"), "0_Transformer");
  }

  @Test
  void aModelFolderOnAnotherHadoopFileSystemReads() throws IOException {
    Configuration conf = new Configuration();
    conf.set("fs." + OtherSchemeFileSystem.SCHEME + ".impl", OtherSchemeFileSystem.class.getName());
    conf.setBoolean("fs." + OtherSchemeFileSystem.SCHEME + ".impl.disable.cache", true);
    String uri = OtherSchemeFileSystem.SCHEME + "://" + TinyModels.resource("tiny-bert").toUri().getPath();
    PretrainedModel model = PretrainedModel.read(uri, conf);
    assertMatches(model, TinyModels.reference().path("bert").path("F32"), "otherfs");
  }

  @Test
  void robertaPositionsStartAfterThePaddingIdAndItsSIsAToken() throws IOException {
    // pad id 1: <s> = 0 opens every text and is attended to; positions are 2, 3, ... (pad + 1 on).
    PretrainedModel model = TinyModels.read(TinyModels.resource("tiny-roberta"));
    assertThat(model.config().positionOffset()).isEqualTo(2);
    assertThat(model.packing().padId()).isEqualTo(1);
    assertThat(model.modules().pooling()).isEqualTo(Pooling.MEAN); // no modules.json: sentence-transformers' default
    JsonNode reference = TinyModels.reference();
    List<int[]> texts = TinyModels.ids(reference.path("roberta_input_ids"));
    HuggingFaceEncoder encoder = TinyModels.encoder(model, Pooling.MEAN);
    try (NDManager manager = NDManager.newBaseManager()) {
      TinyModels.initialize(encoder, manager);
      assertClose(TinyModels.embed(encoder, manager, texts), reference.path("roberta").path("F32").path("mean"),
          "roberta");
    }
  }

  @Test
  void theSentenceTransformersFilesAreRead() throws IOException {
    PretrainedModel model = TinyModels.read(TinyModels.resource("tiny-bert"));
    assertThat(model.modules()).isEqualTo(new SentenceTransformerModules(Pooling.MEAN, true, 16, ""));
    assertThat(model.tokenizerFiles().keySet())
        .containsExactly("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
    assertThat(model.packing()).isEqualTo(new dev.magnitude.worker.model.TokenPacking(0, 1)); // [PAD], [UNK]
    assertThat(model.config().parameterCount())
        .isEqualTo(model.weights().values().stream().mapToLong(t -> t.data().length).sum());
  }

  @Test
  void aTrainingForwardGivesEveryWeightAGradient() throws IOException {
    // Fine-tuning: with the mean of two texts' embeddings as the loss, every weight takes part.
    HuggingFaceEncoder encoder = TinyModels.encoder(TinyModels.read(TinyModels.resource("tiny-bert")), Pooling.MEAN);
    try (NDManager manager = NDManager.newBaseManager()) {
      TinyModels.initialize(encoder, manager);
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray embeddings = encoder.embed(new ParameterStore(scope, false), scope,
            List.of(new int[] {2, 5, 6, 3}, new int[] {2, 7, 3}), true);
        collector.backward(embeddings.mul(embeddings).sum());
        for (Pair<String, Parameter> p : encoder.block().getParameters()) {
          float[] grad = p.getValue().getArray().getGradient().abs().sum().toFloatArray();
          assertThat(grad[0]).as(p.getKey()).isGreaterThan(0f);
        }
      }
    }
  }

  @Test
  void onlyTheFirstInitializationLoadsTheFolderSoACheckpointSurvivesTheTrainers() throws Exception {
    // Worker order: initialize the block (pretrained weights), load a checkpoint, then the Trainer initializes
    // the block again: that must keep the checkpoint's values. The checkpoint itself is DJL's parameter format.
    HuggingFaceEncoder encoder = TinyModels.encoder(TinyModels.read(TinyModels.resource("tiny-bert")), Pooling.MEAN);
    List<int[]> texts = List.of(new int[] {2, 5, 6, 3}, new int[] {2, 7, 3});
    try (NDManager manager = NDManager.newBaseManager()) {
      TinyModels.initialize(encoder, manager);
      float[] pretrained = TinyModels.embed(encoder, manager, texts);
      java.io.ByteArrayOutputStream checkpoint = new java.io.ByteArrayOutputStream();
      encoder.block().saveParameters(new java.io.DataOutputStream(checkpoint));
      for (Pair<String, Parameter> p : encoder.block().getParameters()) {
        p.getValue().getArray().muli(0.5f);
      }
      float[] moved = TinyModels.embed(encoder, manager, texts);
      assertThat(moved).isNotEqualTo(pretrained);
      TinyModels.initialize(encoder, manager);
      assertThat(TinyModels.embed(encoder, manager, texts)).containsExactly(moved);
      encoder.block().loadParameters(manager,
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(checkpoint.toByteArray())));
      encoder.prepareParameters();
      assertThat(TinyModels.embed(encoder, manager, texts)).containsExactly(pretrained);
    }
  }

  private static void assertMatches(PretrainedModel model, JsonNode byPooling, String what) throws IOException {
    List<int[]> texts = TinyModels.ids(TinyModels.reference().path("bert_input_ids"));
    for (Pooling pooling : Pooling.values()) {
      HuggingFaceEncoder encoder = TinyModels.encoder(model, pooling);
      try (NDManager manager = NDManager.newBaseManager()) {
        TinyModels.initialize(encoder, manager);
        assertClose(TinyModels.embed(encoder, manager, texts), byPooling.path(pooling.mode()), what + " " + pooling);
      }
    }
  }

  static void assertClose(float[] actual, JsonNode expected, String what) {
    int e = TinyModels.E;
    assertThat(actual).as(what).hasSize(expected.size() * e);
    double worst = 0;
    for (int i = 0; i < expected.size(); i++) {
      for (int k = 0; k < e; k++) {
        worst = Math.max(worst, Math.abs(actual[i * e + k] - expected.get(i).get(k).asDouble()));
      }
    }
    assertThat(worst).as("%s: largest difference from PyTorch", what).isLessThanOrEqualTo(TOLERANCE);
  }
}
