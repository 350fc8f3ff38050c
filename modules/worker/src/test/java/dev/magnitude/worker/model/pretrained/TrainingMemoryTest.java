package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TrainingMemoryTest {
  /** all-MiniLM-L6-v2's config.json. */
  static final BertConfig MINILM = BertConfig.builder().setVocabularySize(30522).setHiddenSize(384).setLayers(6)
      .setHeads(12).setIntermediateSize(1536).build();

  @Test
  void theTinyModelsEstimateWorkedByHand() {
    BertConfig tiny = BertConfig.builder().setVocabularySize(64).setHiddenSize(32).setLayers(2).setHeads(4)
        .setIntermediateSize(48).optMaxPositions(16).build();
    // P: embeddings (64 + 16 + 2)·32 + 2·32 = 2688; a layer 4·32² + 4·32 + 2·32·48 + 48 + 32 + 4·32 = 7504; 2688 + 2·7504
    assertThat(tiny.parameterCount()).isEqualTo(17696);
    // 4 texts × 8 tokens = 32: a layer keeps 32·(14·32 + 2·48) + 2·4·4·8² = 17408 + 2048 = 19456 floats;
    // 2 layers + embeddings 4·32·32 = 43008 floats = 172032 bytes. Heap: 4P + 2 · 4 · 64·32 (the word embedding).
    TrainingMemory m = TrainingMemory.estimate(tiny, 4, 8);
    assertThat(m).isEqualTo(new TrainingMemory(70784, 70784, 141568, 172032, 70784 + 16384));
    assertThat(m.nativeBytes()).isEqualTo(70784 * 4 + 172032);
  }

  @Test
  void miniLmHasTheWeightsOfItsBertModelLessThePooler() {
    // transformers counts 22,713,216 parameters in all-MiniLM-L6-v2's BertModel, 147,840 of them its pooler (384² + 384)
    assertThat(MINILM.parameterCount()).isEqualTo(22_713_216L - 147_840L);
  }

  @Test
  void aModelTooLargeForTheWorkerIsRefusedInOneLine() {
    // 32 pairs = 64 texts of 64 tokens (4096): a layer keeps 4096 · (14 · 384 + 2 · 1536) + 2 · 64 · 12 · 64² =
    // 40,894,464 floats; 6 layers + embeddings 4 · 4096 · 384 = 251,658,240 floats = 1,006,632,960 bytes;
    // with 4 · 4P = 361,046,016 bytes of weights, gradients and moments: 1304 MB
    TrainingMemory m = TrainingMemory.estimate(MINILM, 64, 64);
    assertThat(m.activationBytes()).isEqualTo(1_006_632_960L);
    assertThat(m.nativeBytes()).isEqualTo(4 * 4 * 22_565_376L + 1_006_632_960L);
    m.requireFits("all-MiniLM-L6-v2", List.of("-Xmx1g", "-XX:+UseSerialGC"), 2L << 30);
    // heap: 4P = 90,261,504 bytes + 2 · 4 · 30522 · 384 = 93,773,824 (the word embedding twice) = 175.5 MB;
    // at 80 % headroom, -Xmx of 184,035,328 / 0.8 bytes = 219.4 MB, so 220m
    assertThatThrownBy(() -> m.requireFits("all-MiniLM-L6-v2", List.of("-Xmx96m"), 0))
        .hasMessage("all-MiniLM-L6-v2 needs about 176 MB of Java heap to load its 86 MB of weights, but "
            + "magnitude.train.worker.java-options sets 96 MB; give the worker at least -Xmx220m");
    assertThatThrownBy(() -> m.requireFits("all-MiniLM-L6-v2", List.of(), 1L << 30))
        .hasMessageStartingWith("fine-tuning all-MiniLM-L6-v2 needs about 1304 MB of native memory (weights 86 MB, "
            + "gradients 86 MB, AdamW moments 172 MB, activations 960 MB) but a worker has 1024 MB;");
  }

  @Test
  void theHeapLimitIsTheLastXmx() {
    assertThat(TrainingMemory.maxHeapBytes(List.of("-Xmx1g", "-Xmx512m"))).isEqualTo(OptionalLong.of(512L << 20));
    assertThat(TrainingMemory.maxHeapBytes(List.of("-XX:MaxHeapSize=2048"))).isEqualTo(OptionalLong.of(2048));
    assertThat(TrainingMemory.maxHeapBytes(List.of("-XX:+UseSerialGC"))).isEmpty();
  }
}
