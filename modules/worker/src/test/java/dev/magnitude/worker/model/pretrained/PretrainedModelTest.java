package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model folders: each is refused with a one-line message naming the file, what was found and what is allowed. */
class PretrainedModelTest {
  @TempDir Path tmp;

  @Test
  void anUnsupportedModelTypeIsNamedWithTheSupportedOnes() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    replace(folder.resolve("config.json"), "\"model_type\": \"bert\"", "\"model_type\": \"gpt2\"");
    refused(folder).hasMessageEndingWith(
        "config.json: model_type = 'gpt2' is not supported; supported: bert, roberta, xlm-roberta");
  }

  @Test
  void anUnsupportedActivationIsNamed() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    replace(folder.resolve("config.json"), "\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\"");
    refused(folder).hasMessageEndingWith("config.json: hidden_act = 'relu' is not supported; supported: gelu");
  }

  @Test
  void aFolderWithoutWeightsIsRefused() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Files.delete(folder.resolve("model.safetensors"));
    refused(folder).hasMessageContaining("has no weight file: neither model.safetensors nor model.safetensors.index.json");
  }

  @Test
  void aFolderWithoutTokenizerIsRefused() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Files.delete(folder.resolve("tokenizer.json"));
    refused(folder).hasMessageContaining("has no tokenizer.json");
  }

  @Test
  void aMissingTensorIsNamedWithItsShape() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Map<String, NamedTensor> weights = new LinkedHashMap<>(TinyModels.read(folder).weights());
    weights.remove("encoder.layer.1.output.dense.weight");
    writeWeights(folder, weights);
    refused(folder).hasMessageEndingWith(
        "model.safetensors has no tensor encoder.layer.1.output.dense.weight (config.json needs it, shape [32, 48])");
  }

  @Test
  void aMisshapenTensorIsNamedWithTheExpectedAndTheFoundShape() throws IOException {
    // config.json says intermediate_size 64, the file holds the (48, 32) feed-forward of the real model
    Path folder = TinyModels.copy("tiny-bert", tmp);
    replace(folder.resolve("config.json"), "\"intermediate_size\": 48", "\"intermediate_size\": 64");
    refused(folder).hasMessageEndingWith(
        "model.safetensors: tensor encoder.layer.0.intermediate.dense.weight has shape [48, 32], config.json needs [64, 32]");
  }

  @Test
  void aTensorOfAnotherDtypeIsNamed() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Map<String, NamedTensor> weights = TinyModels.read(folder).weights();
    // the same file, with the embedding LayerNorm's bias declared I32 (4 bytes an element: sizes still agree)
    byte[] file = safetensors(weights, "embeddings.LayerNorm.bias", "I32");
    Files.write(folder.resolve("model.safetensors"), file);
    refused(folder).hasMessageEndingWith(
        "model.safetensors: tensor embeddings.LayerNorm.bias has dtype I32; allowed: F32, F16, BF16");
  }

  @Test
  void aHeaderLongerThanTheFileIsRefused() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    byte[] file = Files.readAllBytes(folder.resolve("model.safetensors"));
    ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0, file.length);
    Files.write(folder.resolve("model.safetensors"), file);
    refused(folder).hasMessageContaining(
        "model.safetensors: header length " + file.length + " overruns the file of " + file.length + " bytes");
  }

  @Test
  void dataOffsetsPastTheFileAreRefusedNamingTheTensor() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    byte[] file = Files.readAllBytes(folder.resolve("model.safetensors"));
    // cut the last 4 bytes: the last tensor's data now ends past the data section
    Files.write(folder.resolve("model.safetensors"), java.util.Arrays.copyOf(file, file.length - 4));
    refused(folder).hasMessageContaining("tensor encoder.layer.1.output.LayerNorm.bias has data_offsets")
        .hasMessageContaining("that overrun the data section of");
  }

  @Test
  void anUnsupportedPoolingModeIsNamed() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    Path pooling = folder.resolve("1_Pooling/config.json");
    replace(pooling, "\"pooling_mode_mean_tokens\": true", "\"pooling_mode_mean_tokens\": false");
    replace(pooling, "\"pooling_mode_mean_sqrt_len_tokens\": false", "\"pooling_mode_mean_sqrt_len_tokens\": true");
    refused(folder).hasMessageEndingWith("1_Pooling/config.json: pooling_mode_mean_sqrt_len_tokens is not supported; "
        + "supported: pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_max_tokens");
  }

  @Test
  void anUnsupportedModuleIsNamed() throws IOException {
    Path folder = TinyModels.copy("tiny-bert", tmp);
    replace(folder.resolve("modules.json"), "sentence_transformers.models.Normalize", "sentence_transformers.models.Dense");
    refused(folder).hasMessageEndingWith("modules.json: module type 'sentence_transformers.models.Dense' is not "
        + "supported; supported: Transformer, Pooling, Normalize");
  }

  @Test
  void aSpecThatDoesNotFitTheModelIsRefused() throws IOException {
    PretrainedModel model = TinyModels.read(TinyModels.resource("tiny-bert"));
    assertThatThrownBy(() -> HuggingFaceEncoder.builder().setModel(model).build())
        .hasMessage("a HuggingFace encoder needs setSpec");
    assertThatThrownBy(() -> HuggingFaceEncoder.builder().setModel(model)
            .setSpec(new dev.magnitude.core.run.EncoderSpec("transformer", 32, 2, 4, 17, 64, "t")).build())
        .hasMessageContaining("encoder max-length = 17 but")
        .hasMessageEndingWith("embeds at most 16 positions (max_position_embeddings = 16)");
    assertThatThrownBy(() -> HuggingFaceEncoder.builder().setModel(model)
            .setSpec(new dev.magnitude.core.run.EncoderSpec("transformer", 16, 2, 4, 16, 64, "t")).build())
        .hasMessageContaining("has hidden_size = 32; set embedding-dim = 32");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> refused(Path folder) {
    return assertThatThrownBy(() -> TinyModels.read(folder))
        .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"))
        .hasMessageContaining(folder.toString());
  }

  private static void replace(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    Files.writeString(file, text.replace(from, to));
  }

  private static void writeWeights(Path folder, Map<String, NamedTensor> weights) throws IOException {
    try (OutputStream out = Files.newOutputStream(folder.resolve("model.safetensors"))) {
      SafeTensorsWriter.write(weights.values(), out);
    }
  }

  /** The weights as SafeTensorsWriter writes them, with one tensor's dtype renamed in the header. */
  private static byte[] safetensors(Map<String, NamedTensor> weights, String tensor, String dtype) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafeTensorsWriter.write(weights.values(), out);
    byte[] bytes = out.toByteArray();
    int headerLength = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
    String entry = "\"" + tensor + "\":{\"dtype\":\"F32\"";
    assertThat(header).contains(entry);
    byte[] changed = header.replace(entry, "\"" + tensor + "\":{\"dtype\":\"" + dtype + "\"").getBytes(StandardCharsets.UTF_8);
    assertThat(changed).hasSize(headerLength); // "I32" is as long as "F32"
    System.arraycopy(changed, 0, bytes, 8, headerLength);
    return bytes;
  }
}
