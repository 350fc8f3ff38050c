package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader;
import dev.magnitude.worker.model.pretrained.onnx.OnnxBertReader.OnnxBert;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled all-MiniLM-L6-v2 through ONNX Runtime (the reference) and through every {@link BertForward} built
 * from the Java-read weight map; the tiny BERT export through the forwards against PyTorch's own outputs.
 */
class MiniLmForwardTest {
  /**
   * The forwards checked: the test-side reference today; the worker's BERT encoder joins this map when it can
   * embed from a weight map.
   */
  static final Map<String, BertForward> FORWARDS = Map.of("reference", new ReferenceBertForward());
  /** Texts of 3 to 24 tokens, batched together, so padding and the masks from the lengths matter. */
  static final List<String> TEXTS = List.of(MiniLm.EATING_FOOD, MiniLm.EATING_BREAD, "Hi",
      "The quick brown fox jumps over the lazy dog while the farmer, unaware of it, counts his sheep twice.",
      "Document magnitude correlates with relevance.", "unbelievably tokenizable wordpieces");

  private static OnnxBert miniLm;
  private static List<long[]> ids;
  private static float[][] reference;

  @BeforeAll
  static void runOnnxRuntime() throws IOException, OrtException {
    Configuration conf = new Configuration();
    miniLm = OnnxBertReader.read(MiniLm.ONNX, conf);
    ids = MiniLm.tokenize(TEXTS);
    try (OrtBert ort = new OrtBert(ModelLocation.read(MiniLm.ONNX, conf), 2, miniLm.config().hiddenSize(), true)) {
      reference = ort.meanPooled(ids);
    }
  }

  @Test
  void onnxRuntimeGivesThePublishedCosineAndNorms() {
    // [CLS] a man is eating food . [SEP]: 8 ids; the second text adds "a piece of bread" for "food"
    assertThat(ids.get(0)).hasSize(8).startsWith(101L).endsWith(102L);
    assertThat(ids.get(1)).hasSize(11);
    // PyTorch (sentence-transformers, mean pooling) on the same weights: 0.755 (issue 14)
    assertThat(cosine(reference[0], reference[1])).isCloseTo(0.755, within(0.002));
    for (int i = 0; i < TEXTS.size(); i++) {
      assertThat(norm(reference[i])).as("raw norm of %s", TEXTS.get(i)).isBetween(4.0, 8.0);
    }
    assertThat(norm(reference[0])).isBetween(5.0, 7.0);
    assertThat(norm(reference[1])).isBetween(5.0, 7.0);
  }

  @Test
  void everyForwardOfTheJavaReadWeightsGivesOnnxRuntimesEmbeddings() {
    for (Map.Entry<String, BertForward> forward : FORWARDS.entrySet()) {
      float[][] embedded = forward.getValue().embed(miniLm.config(), miniLm.weights(), ids);
      assertThat(embedded).hasDimensions(TEXTS.size(), 384);
      for (int i = 0; i < TEXTS.size(); i++) {
        for (int k = 0; k < 384; k++) {
          assertThat(embedded[i][k]).as("%s forward, text %d, dim %d", forward.getKey(), i, k)
              .isCloseTo(reference[i][k], within(1e-4f));
        }
      }
    }
  }

  @Test
  void everyForwardOfTheTinyExportGivesPyTorchsOutputs() throws IOException {
    OnnxBert tiny = OnnxBertReader.read(PretrainedFixtures.TINY_ONNX, new Configuration());
    JsonNode expected = PretrainedFixtures.tinyExpected();
    List<long[]> rows = new ArrayList<>();
    for (int i = 0; i < expected.path("input_ids").size(); i++) {
      long[] row = new long[expected.path("lengths").get(i).asInt()];
      for (int j = 0; j < row.length; j++) {
        row[j] = expected.path("input_ids").get(i).get(j).asLong();
      }
      rows.add(row);
    }
    JsonNode state = expected.path("last_hidden_state");
    for (Map.Entry<String, BertForward> forward : FORWARDS.entrySet()) {
      float[][] embedded = forward.getValue().embed(tiny.config(), tiny.weights(), rows);
      for (int i = 0; i < rows.size(); i++) {
        for (int k = 0; k < 8; k++) {
          double sum = 0; // PyTorch's state, mean-pooled here over the row's own tokens
          for (int j = 0; j < rows.get(i).length; j++) {
            sum += state.get(i).get(j).get(k).asDouble();
          }
          assertThat((double) embedded[i][k]).as("%s forward, row %d, dim %d", forward.getKey(), i, k)
              .isCloseTo(sum / rows.get(i).length, within(1e-5));
        }
      }
    }
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int k = 0; k < a.length; k++) {
      dot += (double) a[k] * b[k];
    }
    return dot / (norm(a) * norm(b));
  }

  static double norm(float[] a) {
    double s = 0;
    for (float v : a) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }
}
