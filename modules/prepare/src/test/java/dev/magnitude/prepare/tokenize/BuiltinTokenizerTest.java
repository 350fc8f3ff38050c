package dev.magnitude.prepare.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.prepare.SharedSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedSpark.class)
class BuiltinTokenizerTest {
  private static final TokenizerSpec SPEC = new TokenizerSpec(1, 100, 7, 16);

  @Test
  void normalizesWithNfkcThenLowerCaseAndSplitsOnNonLettersOrDigits() {
    // Fullwidth letters and the "fi" ligature fold under NFKC; the apostrophe and hyphen separate words.
    assertThat(BuiltinTokenizer.words("Ｆｕｌｌ-width ﬁne DON'T")).containsExactly("full", "width", "fine", "don", "t");
    // Circled digit one is NFKC "1"; letters and digits in one run stay one word; Unicode letters count.
    assertThat(BuiltinTokenizer.words("①COVID19, Straße!  naïve")).containsExactly("1covid19", "straße", "naïve");
    // Mathematical bold A and B (outside the BMP) are NFKC "A", "B".
    assertThat(BuiltinTokenizer.words("\uD835\uDC00\uD835\uDC01 x")).containsExactly("ab", "x");
    assertThat(BuiltinTokenizer.words("  ... --- ")).isEmpty();
    assertThat(BuiltinTokenizer.words("")).isEmpty();
  }

  @Test
  void vocabularyKeepsFrequentWordsWithTiesByWordAscending(SparkSession spark) {
    // Counts: z 3; a, b, c, e 2; d 1. min-count 2 drops d; max-vocabulary 3 keeps z, then the tie at 2
    // in word order: a, b (c and e are cut).
    List<String> texts = List.of("b a c", "A b", "d c e", "e", "z Z z");
    TokenizerSpec spec = new TokenizerSpec(2, 3, 0, 16);
    List<String> vocabulary = BuiltinTokenizer.countVocabulary(spec, spark.createDataset(texts, Encoders.STRING()));
    assertThat(vocabulary).containsExactly("z", "a", "b");

    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(spec, vocabulary);
    // Ids 0-3 are the specials, so z = 4, a = 5, b = 6; with no buckets every other word is [UNK] = 1.
    assertThat(tokenizer.encode("Z a B c never")).containsExactly(4, 5, 6, 1, 1);
    assertThat(tokenizer.vocabularySize()).isEqualTo(4 + 3);
    assertThat(tokenizer.vocabularyFile()).isEqualTo("z\na\nb\n");
  }

  @Test
  void sparkCountEqualsAPlainJavaCountOnRandomTexts(SparkSession spark) {
    Random random = new Random(11);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder t = new StringBuilder();
      for (int w = 0; w < 1 + random.nextInt(12); w++) {
        // Skewed draws over 60 words, so many counts tie.
        t.append("w").append((int) Math.floor(60 * Math.pow(random.nextDouble(), 2))).append(random.nextBoolean() ? " " : ", ");
      }
      texts.add(t.toString());
    }
    TokenizerSpec spec = new TokenizerSpec(3, 25, 0, 16);
    Map<String, Long> counts = new HashMap<>();
    texts.forEach(t -> BuiltinTokenizer.words(t).forEach(w -> counts.merge(w, 1L, Long::sum)));
    List<String> expected =
        counts.entrySet().stream()
            .filter(e -> e.getValue() >= 3)
            .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
            .limit(25)
            .map(Map.Entry::getKey)
            .toList();
    assertThat(BuiltinTokenizer.countVocabulary(spec, spark.createDataset(texts, Encoders.STRING())))
        .containsExactlyElementsOf(expected);
  }

  @Test
  void fnv1aMatchesTheReferenceVectors() {
    // Test vectors of the FNV reference implementation (32-bit FNV-1a).
    assertThat(BuiltinTokenizer.fnv1a32(new byte[0])).isEqualTo(0x811c9dc5);
    assertThat(BuiltinTokenizer.fnv1a32("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xe40c292c);
    assertThat(BuiltinTokenizer.fnv1a32("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xbf9cf968);
  }

  @Test
  void outOfVocabularyWordsGoToStableHashBuckets() {
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(SPEC, List.of("known"));
    // "a": fnv1a32 = 0xe40c292c = 3826002220 unsigned, mod 7 = 5 -> 4 specials + 1 word + 5 = 10.
    // "foobar": 0xbf9cf968 = 3214735720, mod 7 = 0 -> 5. "zed": 0xb78b80f4 = 3079373044, mod 7 = 6 -> 11.
    assertThat(tokenizer.encode("known a foobar zed")).containsExactly(4, 10, 5, 11);
    assertThat(tokenizer.vocabularySize()).isEqualTo(4 + 1 + 7);
    // Stable: the same word always gets the same bucket, whatever the text around it.
    assertThat(tokenizer.encode("zed zed")).containsExactly(11, 11);
  }

  @Test
  void truncatesToMaxLengthWithoutPadding() {
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(new TokenizerSpec(1, 10, 0, 3), List.of("a", "b", "c", "d"));
    assertThat(tokenizer.encode("a b c d a")).containsExactly(4, 5, 6);
    assertThat(tokenizer.encode("b")).containsExactly(5);
    assertThat(tokenizer.encode("!!")).isEmpty();
  }

  @Test
  void idDependsOnSettingsAndVocabulary() {
    String id = BuiltinTokenizer.of(SPEC, List.of("a", "b")).id();
    assertThat(id).matches("builtin-[0-9a-f]{12}");
    assertThat(BuiltinTokenizer.of(SPEC, List.of("a", "b")).id()).isEqualTo(id);
    assertThat(BuiltinTokenizer.of(SPEC, List.of("b", "a")).id()).isNotEqualTo(id);
    assertThat(BuiltinTokenizer.of(new TokenizerSpec(1, 100, 7, 17), List.of("a", "b")).id()).isNotEqualTo(id);
    assertThat(BuiltinTokenizer.of(new TokenizerSpec(1, 100, 8, 16), List.of("a", "b")).id()).isNotEqualTo(id);
    assertThat(BuiltinTokenizer.of(SPEC, List.of("a", "b")).info().id()).isEqualTo(id);
  }

  @Test
  void idOfUnpaddedTokenizersIsThatOfEarlierVersions() {
    // sha256("builtin-tokenizer v1; ...\nmin-count=1\nmax-vocabulary=100\nhash-buckets=7\nmax-length=16"
    // + "\nvocabulary:\na\nb\n"), computed outside Java: data prepared before padding existed keeps its id.
    assertThat(BuiltinTokenizer.of(SPEC, List.of("a", "b")).id()).isEqualTo("builtin-159e9c16e6ec");
    // The same with "\npadding=max-length" after the max-length line.
    assertThat(BuiltinTokenizer.of(padded(16), List.of("a", "b")).id()).isEqualTo("builtin-9b0566802f2f");
  }

  @Test
  void padsToMaxLengthWithPadIdZero() {
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(padded(4), List.of("a", "b", "c", "d", "e"));
    // a b = 4 5, then [PAD] = 0 up to 4 ids; longer texts are truncated to exactly 4; no words: all [PAD].
    assertThat(tokenizer.encode("a b")).containsExactly(4, 5, 0, 0);
    assertThat(tokenizer.encode("e d c b a")).containsExactly(8, 7, 6, 5);
    assertThat(tokenizer.encode("...")).containsExactly(0, 0, 0, 0);
    assertThat(tokenizer.info().padId()).isZero();
    assertThat(tokenizer.info().maxLength()).isEqualTo(4);
    assertThat(tokenizer.spec().padToMaxLength()).isTrue();

    BuiltinTokenizer unpadded = BuiltinTokenizer.of(new TokenizerSpec(1, 100, 7, 4), List.of("a", "b", "c", "d", "e"));
    assertThat(tokenizer.id()).isNotEqualTo(unpadded.id());
    assertThat(unpadded.encode("a b")).containsExactly(4, 5);
  }

  @Test
  void artifactIsTheVocabularyFile() {
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(SPEC, List.of("straße", "b"));
    assertThat(tokenizer.artifactName()).isEqualTo("vocab.txt");
    assertThat(new String(tokenizer.artifact(), StandardCharsets.UTF_8)).isEqualTo("straße\nb\n");
  }

  @Test
  void refusesAHuggingFaceSpec() {
    TokenizerSpec hf = new TokenizerSpec("huggingface", "/x/tokenizer.json", 1, 100, 0, 16, "none");
    assertThatThrownBy(() -> BuiltinTokenizer.of(hf, List.of("a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kind = builtin");
  }

  private static TokenizerSpec padded(int maxLength) {
    return new TokenizerSpec("builtin", null, 1, 100, 7, maxLength, "max-length");
  }

  @Test
  void survivesJavaSerialization() throws IOException, ClassNotFoundException {
    BuiltinTokenizer tokenizer = BuiltinTokenizer.of(SPEC, List.of("alpha", "beta"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(tokenizer);
    }
    BuiltinTokenizer copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (BuiltinTokenizer) in.readObject();
    }
    assertThat(copy.encode("beta alpha gamma")).containsExactly(tokenizer.encode("beta alpha gamma"));
    assertThat(copy.id()).isEqualTo(tokenizer.id());
  }

  @Test
  void rejectsVocabulariesThatAreNotNormalizedWords() {
    assertThatThrownBy(() -> BuiltinTokenizer.of(SPEC, List.of("Upper")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vocabulary entry 0 'Upper'");
    assertThatThrownBy(() -> BuiltinTokenizer.of(SPEC, List.of("a", "a")))
        .hasMessageContaining("vocabulary entry 1 'a' is a duplicate");
    assertThatThrownBy(() -> BuiltinTokenizer.of(new TokenizerSpec(1, 1, 0, 4), List.of("a", "b")))
        .hasMessageContaining("more than max-vocabulary = 1");
  }

  /** The ASCII fast path gives the words of the general path: NFKC, root lower case, code-point scan. */
  @Test
  void asciiFastPathAgreesWithTheGeneralDefinition() {
    Random random = new Random(7);
    String alphabet = "aZq09 \t\n.,;:-_'\"!?()[]{}<>/\\@#$%^&*+=~`|AbCdEfGh\u0001\u007f";
    for (int t = 0; t < 2000; t++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(60);
      for (int i = 0; i < n; i++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = b.toString();
      assertThat(BuiltinTokenizer.words(text)).as(text).isEqualTo(reference(text));
    }
    assertThat(BuiltinTokenizer.words("Hello, WORLD-42x  ")).containsExactly("hello", "world", "42x");
    // non-ASCII text takes the general path: the ligature NFKC-folds to "fi", a word-final Σ lower-cases to ς
    assertThat(BuiltinTokenizer.words("ﬁne ΣΑΣ café")).containsExactly("fine", "σας", "café");
  }

  @Test
  void encodeStopsAtMaxLengthOnBothPaths() {
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 10, 0, 3), List.of("a", "b"));
    assertThat(t.encode("a b a b a")).containsExactly(4, 5, 4);
    assertThat(t.encode("a é b a b")).containsExactly(4, 1, 5);
    assertThat(t.encode("")).isEmpty();
  }

  /** encode's ASCII path gives the ids of the definition: words(text), then the vocabulary or the bucket. */
  @Test
  void encodeEqualsWordIdOfEachWordOnRandomText() {
    Random random = new Random(11);
    List<String> vocabulary = List.of("the", "a", "ab", "ba", "x9", "9", "zz", "café");
    String alphabet = "abABzZ9x .,-é";
    for (boolean pad : new boolean[] {false, true}) {
      for (int buckets : new int[] {0, 7}) {
        BuiltinTokenizer t = BuiltinTokenizer.of(
            new TokenizerSpec("builtin", null, 1, 100, buckets, 6, pad ? "max-length" : "none"), vocabulary);
        for (int k = 0; k < 3000; k++) {
          StringBuilder b = new StringBuilder();
          int n = random.nextInt(30);
          for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(random.nextInt(k % 2 == 0 ? alphabet.length() - 1 : alphabet.length())));
          }
          String text = b.toString();
          List<String> words = BuiltinTokenizer.words(text);
          int[] expected = new int[pad ? 6 : Math.min(6, words.size())];
          for (int i = 0; i < Math.min(6, words.size()); i++) {
            expected[i] = t.wordId(words.get(i));
          }
          assertThat(t.encode(text)).as(text).containsExactly(expected);
        }
      }
    }
  }

  private static List<String> reference(String text) {
    String s = java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC).toLowerCase(java.util.Locale.ROOT);
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (Character.isLetterOrDigit(cp)) {
        word.appendCodePoint(cp);
      } else if (word.length() > 0) {
        out.add(word.toString());
        word.setLength(0);
      }
    });
    if (word.length() > 0) {
      out.add(word.toString());
    }
    return out;
  }
}
