package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.magnitude.core.manifest.TokenizerInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenPackingTest {
  /** RoBERTa's specials: {@code <s>} = 0, {@code <pad>} = 1, {@code </s>} = 2, {@code <unk>} = 3. */
  private static final TokenPacking ROBERTA = new TokenPacking(1, 3);

  @Test
  void aRobertaStyleTokenizerGetsMasksFromItsPadIdAndTheRealLengths() {
    List<int[]> texts = List.of(
        new int[] {0, 17, 2},            // <s> word </s>, unpadded: 3 tokens, <s> (id 0) attended to
        new int[] {0, 5, 6, 2, 1, 1},    // padded to max length by the prepare job: 4 tokens
        new int[] {1, 1, 1, 1},          // only padding: the fallback <unk>
        new int[] {0, 8, 9, 10, 11, 2}); // cut after 5 ids
    TokenPacking.Packed packed = ROBERTA.pack(texts, 5);
    assertThat(packed.lengths()).containsExactly(3, 4, 1, 5);
    assertThat(packed.ids()).containsExactly(
        0, 17, 2, 1, 1,
        0, 5, 6, 2, 1,
        3, 1, 1, 1, 1,
        0, 8, 9, 10, 11);
    try (NDManager manager = NDManager.newBaseManager()) {
      assertThat(packed.mask(manager).toBooleanArray()).containsExactly(
          true, true, true, false, false,
          true, true, true, true, false,
          true, false, false, false, false,
          true, true, true, true, true);
    }
    assertThat(ROBERTA.longest(texts, 64)).isEqualTo(6);
    assertThat(ROBERTA.longest(List.of(new int[] {}), 64)).isEqualTo(1);
  }

  @Test
  void theBuiltinPackingIsTheOldIdNotZeroPacking() {
    // Built-in ids: 0 = [PAD] is never a word, so "real length and id != pad" is the old "id != 0" mask.
    TokenPacking.Packed packed = TokenPacking.BUILTIN.pack(List.of(new int[] {2, 0, 9}, new int[] {0, 0}), 4);
    assertThat(packed.ids()).containsExactly(2, 0, 9, 0, 1, 0, 0, 0);
    try (NDManager manager = NDManager.newBaseManager()) {
      assertThat(packed.mask(manager).toBooleanArray())
          .containsExactly(true, false, true, false, true, false, false, false);
    }
  }

  @Test
  void dataPaddedWithAnotherIdIsRefused() {
    TokenizerInfo builtinData = new TokenizerInfo("builtin", "builtin-abc", 100, 16, 0);
    assertThatThrownBy(() -> ROBERTA.requireSamePadding(builtinData, "work/prepared/x/manifest.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("work/prepared/x/manifest.json: the data was padded with id 0 (tokenizer builtin-abc) but the "
            + "encoder pads with id 1; prepare the data with the encoder's tokenizer");
    ROBERTA.requireSamePadding(new TokenizerInfo("huggingface", "h", 100, 16, 1), "m");
    assertThatThrownBy(() -> new TokenPacking(1, 1)).hasMessageContaining("fallback id = 1 is the pad id");
    assertThatThrownBy(() -> ROBERTA.requireFallbackIn(3)).hasMessageContaining("must be > 3");
  }
}
