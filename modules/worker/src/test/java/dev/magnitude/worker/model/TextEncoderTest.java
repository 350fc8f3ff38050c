package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.Pair;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.worker.ForcedGc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextEncoderTest {
  private final TextEncoder encoder = new TextEncoder(new EncoderSpec("transformer", 8, 1, 2, 4, 30, "t"));

  @Test
  void packsTruncatesAndFallsBackToUnk() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList inputs =
          encoder.inputs(manager, List.of(new int[] {5, 6, 7, 8, 9, 10}, new int[] {}, new int[] {0, 0}, new int[] {7}));
      // S = 4: the first text is cut after 4 ids; the empty and the all-[PAD] text become one [UNK].
      assertThat(inputs.get(0).getShape()).isEqualTo(new Shape(4, 4));
      assertThat(inputs.get(0).toIntArray()).containsExactly(5, 6, 7, 8, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0);
      assertThat(inputs).hasSize(2);
      assertThat(inputs.get(1).toBooleanArray())
          .containsExactly(true, true, true, true, true, false, false, false, true, false, false, false, true, false,
              false, false);
    }
  }

  @Test
  void aTokenizerWhosePadIsOneGetsItsMasksFromTheRealLengths() {
    // RoBERTa-style ids (<s> = 0, <pad> = 1, </s> = 2, <unk> = 3): <s> is a token, the trailing pads are not.
    TextEncoder roberta = new TextEncoder(new EncoderSpec("transformer", 8, 1, 2, 4, 30, "t"), new TokenPacking(1, 3));
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList inputs = roberta.inputs(manager, List.of(new int[] {0, 9, 2, 1}, new int[] {1, 1}));
      assertThat(inputs.get(0).toIntArray()).containsExactly(0, 9, 2, 1, 3, 1, 1, 1);
      assertThat(inputs.get(1).toBooleanArray()).containsExactly(true, true, true, false, true, false, false, false);
    }
  }

  @Test
  void meanPoolsOverUnmaskedPositionsOnly() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // Text 0 keeps positions 0 and 1: ((1, 2) + (3, 4)) / 2 = (2, 3); the masked (100, 100) is ignored.
      // Text 1 keeps position 0 only: (5, 6).
      NDArray sequence =
          manager.create(new float[] {1, 2, 3, 4, 100, 100, 5, 6, 100, 100, 100, 100}, new Shape(2, 3, 2));
      NDArray mask = manager.create(new boolean[] {true, true, false, true, false, false}, new Shape(2, 3));
      assertThat(TextEncoder.meanPool(sequence, mask).toFloatArray()).containsExactly(2, 3, 5, 6);
    }
  }

  @Test
  void evalEmbeddingOfATextDoesNotDependOnItsBatch() {
    // Export embeds in batches of any composition; a text's embedding must not depend on its neighbours
    // (LayerNorm is per position, padding keys get attention weight 0).
    Engine.getInstance().setRandomSeed(3);
    try (Model model = Model.newInstance("batch-independence")) {
      model.setBlock(encoder.block());
      encoder.block().setInitializer(new TruncatedNormalInitializer(0.02f), Parameter.Type.WEIGHT);
      encoder.block().initialize(model.getNDManager(), DataType.FLOAT32, encoder.inputShapes(2));
      try (NDManager scope = model.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(scope, false);
        int[] text = {4, 9, 12};
        float[] alone = encoder.embed(in -> encoder.block().forward(ps, in, false), scope, List.of(text)).toFloatArray();
        float[] inBatch =
            encoder.embed(in -> encoder.block().forward(ps, in, false), scope,
                List.of(new int[] {20, 21, 22, 23}, text, new int[] {})).toFloatArray();
        assertThat(alone).hasSize(8);
        for (int k = 0; k < 8; k++) {
          assertThat(inBatch[8 + k]).isCloseTo(alone[k], within(1e-5f));
        }
      }
    }
  }

  @Test
  void forwardComputesWhatTheBlocksOwnForwardComputes() {
    // TextEncoder.forward passes the mask it packed; the block's forward derives it from the ids (id != 0):
    // the same mask, so both routes must agree exactly.
    Engine.getInstance().setRandomSeed(5);
    try (Model model = Model.newInstance("same-forward")) {
      model.setBlock(encoder.block());
      encoder.block().setInitializer(new TruncatedNormalInitializer(0.02f), Parameter.Type.WEIGHT);
      encoder.block().initialize(model.getNDManager(), DataType.FLOAT32, encoder.inputShapes(2));
      try (NDManager scope = model.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(scope, false);
        List<int[]> texts = List.of(new int[] {4, 9, 12}, new int[] {20, 21, 22, 23}, new int[] {});
        float[] viaBlock = encoder.embed(in -> encoder.block().forward(ps, in, false), scope, texts).toFloatArray();
        float[] viaEncoder = encoder.embed(encoder.forward(ps, false), scope, texts).toFloatArray();
        assertThat(viaEncoder).containsExactly(viaBlock);
      }
    }
  }

  @Test
  void trainingGradientsDoNotDependOnAGarbageCollectionBeforeBackward() {
    // The regression behind "non-finite gradient norm at step 482 (variant cosine)" with a normal loss:
    // DJL's BertBlock.forward (the encoder until trainer version 2) closed each layer's arrays when the layer
    // returned, among them the 1/√H scale it creates from a Java float (a tensor over a direct ByteBuffer)
    // and that autograd keeps for backward; a GC before backward freed it and the gradients were garbage.
    // TextTransformer creates its 1/√D scale the same way; the encoder's forward must keep every array
    // until the caller's manager closes.
    Engine.getInstance().setRandomSeed(9);
    try (Model model = Model.newInstance("gc-before-backward")) {
      model.setBlock(encoder.block());
      encoder.block().setInitializer(new TruncatedNormalInitializer(0.02f), Parameter.Type.WEIGHT);
      encoder.block().initialize(model.getNDManager(), DataType.FLOAT32, encoder.inputShapes(4));
      encoder.prepareParameters();
      List<int[]> texts = List.of(new int[] {4, 9, 12}, new int[] {20, 21, 22, 23}, new int[] {7}, new int[] {5, 6});
      Map<String, float[]> reference = trainingGradients(model, texts, false);
      Map<String, float[]> afterGc = trainingGradients(model, texts, true);
      assertThat(afterGc.keySet()).containsExactlyElementsOf(reference.keySet());
      for (Map.Entry<String, float[]> e : reference.entrySet()) {
        for (float g : e.getValue()) {
          assertThat(g).as(e.getKey()).isFinite();
        }
        assertThat(afterGc.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
      }
    }
  }

  /** One training forward (dropout reseeded, so both calls draw alike) and backward; reads and zeroes the gradients. */
  private Map<String, float[]> trainingGradients(Model model, List<int[]> texts, boolean collectBeforeBackward) {
    Engine.getInstance().setRandomSeed(11);
    Map<String, float[]> gradients = new LinkedHashMap<>();
    try (NDManager scope = model.getNDManager().newSubManager()) {
      ParameterStore ps = new ParameterStore(scope, false);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray embeddings = encoder.embed(encoder.forward(ps, true), scope, texts);
        NDArray value = embeddings.square().sum();
        if (collectBeforeBackward) {
          ForcedGc.collect();
        }
        collector.backward(value);
      }
      List<Pair<String, Parameter>> trainable = new ArrayList<>();
      encoder.block().getParameters().forEach(p -> {
        if (p.getValue().requiresGradient()) {
          trainable.add(p);
        }
      });
      for (Pair<String, Parameter> p : trainable) {
        NDArray g = p.getValue().getArray().getGradient();
        gradients.put(p.getKey(), g.toFloatArray());
        g.subi(g);
      }
    }
    return gradients;
  }

  @Test
  void refusesOtherKindsAndDropoutOutsideItsRange() {
    assertThatThrownBy(() -> new TextEncoder(new EncoderSpec("bag", 8, 1, 2, 4, 30, "t")))
        .hasMessage("encoder kind 'bag' is not supported; allowed: transformer");
    assertThatThrownBy(() -> new EncoderSpec("transformer", 8, 1, 2, 4, 30, "t", null, null, 1.0))
        .hasMessage("encoder dropout = 1.0: must be in [0, 1)");
    assertThatThrownBy(() -> new EncoderSpec("bag", 8, 1, 2, 4, 30, "t", null, null, 0.1))
        .hasMessage("encoder dropout = 0.1 is only used by kind = transformer, not kind = bag; leave it at 0.0");
    // A transformer with max-length 1 (BertBlock could not run one) trains like any other.
    assertThat(new TextEncoder(new EncoderSpec("transformer", 8, 1, 2, 1, 30, "t", null, null, 0.1)).block().dropout())
        .isEqualTo(0.1f);
  }
}
