package dev.magnitude.worker.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.worker.data.ImageCaptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageTextSamplerTest {
  /** 10 images; image i has i % 3 + 1 captions {100 i + c}; image 9's single caption repeats image 0's. */
  static ImageCaptions data() {
    List<String> ids = new ArrayList<>();
    List<float[]> pixels = new ArrayList<>();
    List<List<int[]>> captions = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add("img" + i);
      pixels.add(new float[] {i, i, i});
      List<int[]> own = new ArrayList<>();
      for (int c = 0; c <= i % 3; c++) {
        own.add(new int[] {100 * i + c});
      }
      captions.add(i == 9 ? List.of(new int[] {0}) : own);
    }
    captions.set(0, List.of(new int[] {0}));
    return ImageCaptions.of(ids, pixels, captions, 1);
  }

  @Test
  void aBatchHoldsDistinctImagesEachWithOneOfItsOwnCaptions() {
    ImageCaptions data = data();
    ImageTextSampler sampler = new ImageTextSampler(data, 4, 7);
    for (int step = 1; step <= 10; step++) {
      ImageTextBatch batch = sampler.batch(step);
      assertThat(batch.size()).isEqualTo(4);
      Set<float[]> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      for (int k = 0; k < 4; k++) {
        float[] image = batch.images().get(k);
        assertThat(seen.add(image)).as("image repeated at step %d", step).isTrue();
        int i = (int) image[0];
        assertThat(data.captions(i)).contains(batch.captions().get(k));
      }
    }
  }

  @Test
  void theBatchOfAStepIsAFunctionOfSeedAndStepAndCaptionsVary() {
    ImageTextSampler a = new ImageTextSampler(data(), 4, 7);
    ImageTextSampler b = new ImageTextSampler(data(), 4, 7);
    for (int step : new int[] {5, 1, 3, 1}) {
      ImageTextBatch x = a.batch(step);
      ImageTextBatch y = b.batch(step);
      assertThat(x.captions()).containsExactlyElementsOf(y.captions());
      assertThat(x.images()).containsExactlyElementsOf(y.images());
    }
    // image 2 has three captions: over 30 steps more than one of them is chosen
    Set<Integer> chosen = new HashSet<>();
    for (int step = 1; step <= 30; step++) {
      ImageTextBatch batch = a.batch(step);
      for (int k = 0; k < batch.size(); k++) {
        if (batch.images().get(k)[0] == 2f) {
          chosen.add(batch.captions().get(k)[0]);
        }
      }
    }
    assertThat(chosen).hasSizeGreaterThan(1).isSubsetOf(200, 201, 202);
  }

  @Test
  void identicalCaptionsOfDifferentImagesAreNotNegativesOfEachOther() {
    ImageTextSampler sampler = new ImageTextSampler(data(), 10, 1);
    ImageTextBatch batch = sampler.batch(1); // all 10 images: images 0 and 9 share the caption {0}
    for (int i = 0; i < 10; i++) {
      assertThat(batch.excluded()[i][i]).isFalse();
      for (int j = 0; j < 10; j++) {
        boolean same = batch.captions().get(i)[0] == 0 && batch.captions().get(j)[0] == 0 && i != j;
        assertThat(batch.excluded()[i][j]).isEqualTo(same);
      }
    }
    assertThatThrownBy(() -> new ImageTextSampler(data(), 11, 1))
        .hasMessageContaining("10 images with captions, fewer than batch-size = 11");
  }
}
