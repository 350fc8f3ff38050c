package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.worker.train.Checkpoints;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code torchscript} encoder over the tiny module of {@code torchscript/make_tiny_encoder.py} (embedding 40 ×
 * 16, Linear 16 → 16, tanh, masked mean), whose outputs PyTorch (Python, torch 1.13) wrote next to it.
 */
class TorchScriptEncoderTest {
  static final int E = 16;
  static final int S = 6;
  @TempDir Path tmp;

  static EncoderSpec spec(int embeddingDim, int vocabulary, String towers) {
    return new EncoderSpec("torchscript", embeddingDim, 1, 1, S, vocabulary, "t",
        EncoderRig.resource("tiny_encoder.pt").toString(), towers);
  }

  @Test
  void reproducesTheOutputsPyTorchComputedInPython() throws IOException {
    JsonNode expected = Json.MAPPER.readTree(Files.readString(EncoderRig.resource("tiny_encoder_expected.json")));
    assertThat(expected.path("embedding_dim").asInt()).isEqualTo(E);
    List<int[]> rows = new ArrayList<>();
    for (JsonNode row : expected.path("input_ids")) {
      int[] ids = new int[row.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = row.get(i).asInt();
      }
      rows.add(ids);
    }
    try (EncoderRig rig = new EncoderRig(spec(E, 40, "shared"), 1e-2, 1)) {
      float[] out = rig.embed(rig.towers.query(), rows);
      assertThat(out).hasSize(rows.size() * E);
      for (int i = 0; i < rows.size(); i++) {
        for (int k = 0; k < E; k++) {
          float want = (float) expected.path("embeddings").get(i).get(k).asDouble();
          assertThat(out[i * E + k]).as("row %d, dim %d", i, k).isCloseTo(want, within(1e-5f));
        }
      }
      // Unpadded texts are packed as the rows above: the same embeddings.
      float[] unpadded = rig.embed(rig.towers.query(), List.of(new int[] {5, 7, 9}, new int[] {1}));
      for (int k = 0; k < E; k++) {
        assertThat(unpadded[k]).isEqualTo(out[k]);
        assertThat(unpadded[E + k]).isEqualTo(out[2 * E + k]);
      }
    }
  }

  @Test
  void fineTunesItsParametersAndACheckpointRestoresThemExactly() throws IOException {
    List<int[]> probe = List.of(new int[] {5, 7, 9}, new int[] {20, 21}, new int[] {30, 31, 32, 33});
    try (EncoderRig rig = new EncoderRig(spec(E, 40, "shared"), 1e-2, 2)) {
      Map<String, float[]> before = rig.parameters();
      assertThat(before.keySet()).hasSize(3).anyMatch(k -> k.endsWith("embedding.weight"));
      float[] untrained = rig.embed(rig.towers.query(), probe);

      List<Double> losses = rig.train(1, 6);
      assertThat(losses).allSatisfy(l -> assertThat(l).isFinite());
      assertThat(losses.get(5)).isLessThan(losses.get(0));
      for (int i = 1; i < losses.size(); i++) {
        assertThat(losses.get(i)).as("step %d", i + 1).isLessThan(losses.get(i - 1));
      }
      Map<String, float[]> after = rig.parameters();
      for (String name : before.keySet()) {
        assertThat(after.get(name)).as(name).isNotEqualTo(before.get(name));
      }
      // The module's own forward reads the trained parameters.
      float[] trained = rig.embed(rig.towers.query(), probe);
      assertThat(trained).isNotEqualTo(untrained);

      Checkpoints checkpoints = new Checkpoints(tmp.resolve("ckpt").toString(), new Configuration());
      List<CurvePoint> curve = List.of();
      checkpoints.save(6, rig.towers.block(), rig.adam.state(rig.towers.block().getParameters()), curve);
      List<Double> continued = rig.train(7, 8);
      assertThat(rig.embed(rig.towers.query(), probe)).isNotEqualTo(trained);

      Checkpoints.Restored restored = checkpoints.load(rig.towers.block(), rig.model.getNDManager(), 6);
      rig.towers.prepareParameters();
      rig.adam.restore(restored.optimizer(), rig.towers.block().getParameters());
      assertThat(rig.embed(rig.towers.query(), probe)).containsExactly(trained);
      for (Map.Entry<String, float[]> p : rig.parameters().entrySet()) {
        assertThat(p.getValue()).as(p.getKey()).containsExactly(after.get(p.getKey()));
      }
      // Training on from the restored state repeats steps 7 and 8 exactly.
      assertThat(rig.train(7, 8)).containsExactlyElementsOf(continued);
    }
  }

  @Test
  void theAttentionMaskComesFromThePadIdAndTheRealLengthsNotFromIdZero() throws IOException {
    // The module means tanh(W · embedding[id] + b) over the positions whose mask is 1, so its output for one
    // token alone is that token's vector h(id). RoBERTa-style packing (pad 1, <unk> 3): in <s> a b </s> <pad> <pad>
    // with <s> = 0 the <s> is a token and the two pads are not: the embedding is (h(0) + h(5) + h(7) + h(2)) / 4.
    TokenPacking roberta = new TokenPacking(1, 3);
    try (TorchScriptEncoder padOne = TorchScriptEncoder.load(spec(E, 40, "shared"), roberta, Device.cpu(),
            new Configuration(), "pad-one");
        TorchScriptEncoder builtin = TorchScriptEncoder.load(spec(E, 40, "shared"), Device.cpu(), new Configuration(),
            "builtin");
        ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
      ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(scope, false);
      float[] text = padOne.embed(ps, scope, List.of(new int[] {0, 5, 7, 2, 1, 1}), false).toFloatArray();
      float[] h0 = padOne.embed(ps, scope, List.of(new int[] {0}), false).toFloatArray();
      float[] rest = builtin.embed(ps, scope, List.of(new int[] {5}, new int[] {7}, new int[] {2}), false).toFloatArray();
      for (int k = 0; k < E; k++) {
        float want = (h0[k] + rest[k] + rest[E + k] + rest[2 * E + k]) / 4;
        assertThat(text[k]).as("dim %d", k).isCloseTo(want, within(1e-6f));
      }
    }
  }

  @Test
  void readsAModuleOnAnyHadoopFileSystemThroughALocalCopy() throws IOException {
    Configuration conf = new Configuration();
    conf.set("fs." + OtherSchemeFileSystem.SCHEME + ".impl", OtherSchemeFileSystem.class.getName());
    conf.setBoolean("fs." + OtherSchemeFileSystem.SCHEME + ".impl.disable.cache", true);
    String uri = OtherSchemeFileSystem.SCHEME + "://" + EncoderRig.resource("tiny_encoder.pt").toAbsolutePath();
    EncoderSpec remote = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", uri, null);
    List<int[]> texts = List.of(new int[] {5, 7, 9}, new int[] {1});
    float[] local;
    try (EncoderRig rig = new EncoderRig(spec(E, 40, "shared"), 1e-2, 1)) {
      local = rig.embed(rig.towers.query(), texts);
    }
    try (TorchScriptEncoder encoder = TorchScriptEncoder.load(remote, Device.cpu(), conf, "remote");
        ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
      float[] viaHadoop = encoder.embed(new ai.djl.training.ParameterStore(scope, false), scope, texts, false).toFloatArray();
      assertThat(viaHadoop).containsExactly(local);
    }
    try (var temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(temp.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("magnitude-torchscript-"));
    }
    EncoderSpec missing = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", uri + ".missing", null);
    assertThatThrownBy(() -> TorchScriptEncoder.load(missing, Device.cpu(), conf, "missing"))
        .hasMessage("encoder.path = " + uri + ".missing: no such file (the TorchScript module)");
  }

  /** sha256sum of torchscript/tiny_encoder.pt, computed with coreutils when the test was written. */
  static final String TINY_ENCODER_SHA256 = "f0721962ee538e48a2058f08798f78c03faee48cbeadb803e7a44e0e88a0926c";

  @Test
  void loadsAModuleWhoseBytesMatchThePinnedHashAndRefusesAChangedOne() throws IOException {
    Configuration conf = new Configuration();
    conf.set("fs." + OtherSchemeFileSystem.SCHEME + ".impl", OtherSchemeFileSystem.class.getName());
    conf.setBoolean("fs." + OtherSchemeFileSystem.SCHEME + ".impl.disable.cache", true);
    Path module = Files.copy(EncoderRig.resource("tiny_encoder.pt"), tmp.resolve("module.pt"));
    EncoderSpec pinned = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", module.toString(), null)
        .withModuleSha256(TINY_ENCODER_SHA256);
    try (TorchScriptEncoder encoder = TorchScriptEncoder.load(pinned, Device.cpu(), conf, "pinned")) {
      assertThat(encoder.spec().moduleSha256()).isEqualTo(TINY_ENCODER_SHA256);
    }
    // one byte appended: still a loadable file, but not the module the run was planned with
    Files.write(module, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    String changed;
    try (var in = Files.newInputStream(module)) {
      changed = dev.magnitude.core.run.ModuleDigest.sha256(in);
    }
    assertThat(changed).isNotEqualTo(TINY_ENCODER_SHA256);
    String remote = OtherSchemeFileSystem.SCHEME + "://" + module.toAbsolutePath();
    for (String path : List.of(module.toString(), remote)) {
      EncoderSpec stale = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", path, null)
          .withModuleSha256(TINY_ENCODER_SHA256);
      assertThatThrownBy(() -> TorchScriptEncoder.load(stale, Device.cpu(), conf, "stale"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("encoder.path = " + path + ": the TorchScript module changed since this run was "
              + "planned (its spec pins sha256 " + TINY_ENCODER_SHA256 + ", the file now has " + changed + ")");
    }
    // the local copy of the remote module is gone after the refusal too
    try (var temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(temp.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("magnitude-torchscript-"));
    }
  }

  @Test
  void refusesAModuleOfAnotherEmbeddingSize() {
    assertThatThrownBy(() -> TextTowers.create(spec(8, 40, "shared"), Device.cpu(), new Configuration(), "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns embeddings of 16 dimensions but encoder.embedding-dim = 8")
        .hasMessageEndingWith("set magnitude.train.encoder.embedding-dim = 16");
  }

  @Test
  void refusesAModuleThatCannotEmbedTheDataVocabulary() {
    assertThatThrownBy(() -> TextTowers.create(spec(E, 100, "shared"), Device.cpu(), new Configuration(), "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the TorchScript module fails on input_ids")
        .hasMessageContaining("token ids up to 99 (the data's vocabulary has 100 ids)");
  }

  @Test
  void aMissingModuleIsAClearError() {
    EncoderSpec missing = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", tmp.resolve("nope.pt").toString(), null);
    assertThatThrownBy(() -> TextTowers.create(missing, Device.cpu(), new Configuration(), "t"))
        .isInstanceOf(IOException.class)
        .hasMessage("encoder.path = " + tmp.resolve("nope.pt") + ": no such file (the TorchScript module)");
  }

  @Test
  void aFileThatIsNoTorchScriptModuleIsAClearError() throws IOException {
    Path junk = Files.writeString(tmp.resolve("junk.pt"), "not a module");
    EncoderSpec spec = new EncoderSpec("torchscript", E, 1, 1, S, 40, "t", junk.toString(), null);
    assertThatThrownBy(() -> TextTowers.create(spec, Device.cpu(), new Configuration(), "t"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("encoder.path = " + junk + ": cannot load the TorchScript module: ");
  }
}
