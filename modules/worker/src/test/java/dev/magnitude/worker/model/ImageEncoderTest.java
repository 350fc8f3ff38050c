package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.magnitude.core.run.ImageTextTraining;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageEncoderTest {
  @Test
  void embedsABatchOfImagesOfAnySizeIntoTheEmbeddingDimension() {
    Engine.getInstance().setRandomSeed(1);
    ImageEncoder encoder = new ImageEncoder(ImageTextTraining.SMALL_CNN, 24);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      encoder.block().initialize(manager, DataType.FLOAT32, ImageEncoder.inputShape(3, 16));
      ParameterStore ps = new ParameterStore(manager, false);
      for (int size : new int[] {16, 8}) {
        float[] pixels = new float[3 * size * size];
        java.util.Arrays.fill(pixels, 0.5f);
        NDArray out = encoder.embed(ps, manager, List.of(pixels, pixels.clone(), new float[3 * size * size]), size, false);
        assertThat(out.getShape()).isEqualTo(new Shape(3, 24));
        float[] values = out.toFloatArray();
        // identical images embed identically
        for (int k = 0; k < 24; k++) {
          assertThat(values[k]).isEqualTo(values[24 + k]);
        }
      }
    }
  }
}
