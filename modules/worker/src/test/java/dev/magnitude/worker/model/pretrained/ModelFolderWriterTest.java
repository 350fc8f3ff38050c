package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderWriterTest {
  static final List<int[]> TEXTS = List.of(new int[] {2, 5, 7, 9, 3}, new int[] {2, 20, 3}, new int[] {2, 11, 12, 3});
  @TempDir Path tmp;

  @Test
  void anExportedFolderReadsBackToTheSameWeightsAndEmbeddingsBitForBit() throws IOException {
    // Start from the bf16 folder and move every weight (as fine-tuning would), so the export holds values that
    // are neither the source file's nor half-precision ones.
    PretrainedModel source = TinyModels.read(TinyModels.bertWith("model-bf16.safetensors", tmp));
    HuggingFaceEncoder trained = TinyModels.encoder(source, Pooling.CLS);
    Path out = tmp.resolve("runs/r1/model");
    try (NDManager manager = NDManager.newBaseManager()) {
      TinyModels.initialize(trained, manager);
      manager.getEngine().setRandomSeed(7);
      for (Pair<String, Parameter> p : trained.block().getParameters()) {
        NDArray array = p.getValue().getArray();
        array.addi(manager.randomNormal(0, 0.01f, array.getShape(), array.getDataType()));
      }
      float[] before = TinyModels.embed(trained, manager, TEXTS);
      Map<String, NamedTensor> weights = trained.block().stateDict();
      ModelFolderWriter.of(trained, 16, new ScoringNote(new TrainedNormalization(Variant.COSINE, 10, null, null, 20), true))
          .optRunId("r1").build().write(out.toString(), new Configuration());

      PretrainedModel back = TinyModels.read(out);
      assertThat(back.weights().keySet()).containsExactlyElementsOf(weights.keySet());
      for (NamedTensor t : weights.values()) {
        assertThat(back.weights().get(t.name()).data()).as(t.name()).containsExactly(t.data());
        assertThat(back.weights().get(t.name()).shape()).as(t.name()).containsExactly(t.shape());
      }
      HuggingFaceEncoder reloaded = TinyModels.encoder(back, back.modules().pooling());
      try (NDManager other = NDManager.newBaseManager()) {
        TinyModels.initialize(reloaded, other);
        assertThat(TinyModels.embed(reloaded, other, TEXTS)).containsExactly(before);
      }
      assertThat(back.modules()).isEqualTo(new SentenceTransformerModules(Pooling.CLS, true, 16, ""));
      assertThat(back.tokenizerFiles()).containsOnlyKeys(source.tokenizerFiles().keySet());
      assertThat(back.tokenizerId()).isEqualTo(source.tokenizerId());
    }
    JsonNode config = Json.MAPPER.readTree(Files.readString(out.resolve("config.json")));
    assertThat(config.path("torch_dtype").asText()).isEqualTo("float32");
    assertThat(config.path("hidden_dropout_prob").asDouble()).isEqualTo(0.1); // a source key the encoder does not read
    assertThat(Files.isDirectory(out.resolve("2_Normalize"))).isTrue();
    assertThat(Files.readString(out.resolve("config_sentence_transformers.json"))).contains("\"similarity_fn_name\" : \"cosine\"");
    assertThat(Files.readString(out.resolve("MAGNITUDE.md"))).contains("Run `r1`", "Trained with `cosine`");
    try (var left = Files.list(tmp.resolve("runs/r1"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("model"); // no temporary folder left
    }
  }

  @Test
  void asymmetricVariantsExportTheRawEncoderAndSaySoInTheNote() throws IOException {
    PretrainedModel source = TinyModels.read(TinyModels.resource("tiny-bert"));
    HuggingFaceEncoder encoder = TinyModels.encoder(source, Pooling.MEAN);
    try (NDManager manager = NDManager.newBaseManager()) {
      TinyModels.initialize(encoder, manager);
      Path docNorm = tmp.resolve("doc-norm");
      ModelFolderWriter.of(encoder, 12, new ScoringNote(new TrainedNormalization(Variant.DOC_NORM, 3, null, null, 1), true))
          .build().write(docNorm.toString(), new Configuration());
      assertThat(TinyModels.read(docNorm).modules()).isEqualTo(new SentenceTransformerModules(Pooling.MEAN, false, 12, ""));
      assertThat(Files.exists(docNorm.resolve("2_Normalize"))).isFalse();
      assertThat(Files.readString(docNorm.resolve("config_sentence_transformers.json"))).contains("\"dot\"");
      assertThat(Files.readString(docNorm.resolve("MAGNITUDE.md")))
          .contains("normalize the DOCUMENT embedding to unit length, keep the QUERY embedding raw")
          .contains("a plain sentence-transformers folder cannot express");
      Path learned = tmp.resolve("learned");
      ModelFolderWriter.of(encoder, 16, new ScoringNote(new TrainedNormalization(Variant.LEARNED, 3, 0.75, 0.25, 1), false))
          .build().write(learned.toString(), new Configuration());
      assertThat(Files.readString(learned.resolve("MAGNITUDE.md")))
          .contains("max(‖q‖, 1e-12)^0.750000", "max(‖d‖, 1e-12)^0.250000", "cannot express");
      Path shipped = tmp.resolve("zero-shot");
      ModelFolderWriter.of(encoder, 16, new ScoringNote(null, true)).build().write(shipped.toString(), new Configuration());
      assertThat(Files.readString(shipped.resolve("MAGNITUDE.md"))).contains("as shipped", "ended with a Normalize module");
    }
  }

  @Test
  void aWriterNamesWhatItMisses() {
    assertThatThrownBy(() -> ModelFolderWriter.builder().setPooling(Pooling.MEAN).build())
        .hasMessage("a model folder export needs setConfig, setWeights, setTokenizerFiles (with tokenizer.json), setNote");
  }
}
