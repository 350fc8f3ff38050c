package dev.magnitude.prepare.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.config.TokenizerSpec;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link BuiltinTokenizer#encode}'s ASCII fast path (packed chars and FNV-1a in an open-addressing table)
 * against two other routes to the same ids: the tokenizer's general path ({@code encodeWords}: NFKC, code
 * points, a HashMap per word) and a reference written here from the definition alone (NFKC, lower case,
 * {@link Character#isLetterOrDigit(int)} runs, vocabulary position or {@code fnv1a32(utf8) mod buckets}).
 */
class BuiltinTokenizerFastPathTest {
  /** Pairs with equal 32-bit FNV-1a (checked below), so a table keyed by FNV-1a must compare the chars. */
  private static final String[][] FNV_COLLISIONS = {
      {"costarring", "liquid"}, {"declinate", "macallums"}, {"altarage", "zinke"}, {"altarages", "zinkes"}};

  private static final String[] ENGLISH = {
      "the", "of", "and", "to", "in", "is", "was", "for", "on", "with", "as", "by", "that", "protein", "cells",
      "patients", "study", "results", "treatment", "virus", "infection", "increased", "expression", "analysis",
      "significantly", "characterization", "immunohistochemistry", "a", "i", "x", "covid", "19", "2020", "h1n1",
      "il6", "p53", "mrna", "dna", "rna", "sars", "cov", "ace2", "type", "data", "model", "models", "modeling"};

  private static final String[] NON_ASCII = {
      "café", "naïve", "Straße", "ΣΑΣ", "σας", "Ｆｕｌｌ", "ﬁne", "①", "ⅷ", "e\u0301", "Å", "İstanbul", "東京",
      "日本語", "😀", "\uD835\uDC00\uD835\uDC01", "–", "—", "’", "“quoted”", "µm", "½", "x²", "Ⅻ", "ǅ", "ﬀ",
      "\u00a0", "\u200b", "Ωmega", "ŉ"};

  private static final String PUNCTUATION = " ,.;:!?()[]{}'\"-_/\\@#$%^&*+=<>|~`\t\n";

  @Test
  void knownFnvCollisionsCollide() {
    for (String[] pair : FNV_COLLISIONS) {
      assertThat(fnv(pair[0])).as(pair[0] + " / " + pair[1]).isEqualTo(fnv(pair[1]));
    }
  }

  /** Words whose FNV-1a equals a vocabulary word's get their bucket, not that word's id (short and long). */
  @Test
  void wordsWithTheFnvOfAVocabularyWordGoToTheirBucket() {
    List<String> vocabulary = List.of("liquid", "declinate", "zinke", "altarages");
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 100, 1000, 32), vocabulary);
    int firstBucket = TokenizerSpec.FIRST_WORD + vocabulary.size();
    int[] ids = t.encode("Costarring LIQUID macallums Declinate altarage zinke zinkes altarages");
    assertThat(ids).containsExactly(
        firstBucket + bucket("costarring", 1000), 4, firstBucket + bucket("macallums", 1000), 5,
        firstBucket + bucket("altarage", 1000), 6, firstBucket + bucket("zinkes", 1000), 7);
    assertThat(ids).isEqualTo(reference(t, vocabulary, "Costarring LIQUID macallums Declinate altarage zinke zinkes altarages"));
  }

  /**
   * Two short words with the same home slot in the short-word table (found by search): the one outside the
   * vocabulary must not get the other's id, wherever the probe for it starts.
   */
  @Test
  void wordsWithTheHomeSlotOfAVocabularyWordGoToTheirBucket() {
    for (int chars = 1; chars <= 8; chars++) {
      Random random = new Random(chars);
      String inVocabulary = randomWord(random, chars);
      BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 10, 50, 8), List.of(inVocabulary));
      String other = null;
      while (other == null) {
        String word = randomWord(random, 1 + random.nextInt(8));
        if (!word.equals(inVocabulary) && t.shortHomeSlot(word) == t.shortHomeSlot(inVocabulary)) {
          other = word;
        }
      }
      String text = other + " " + inVocabulary.toUpperCase(Locale.ROOT) + " " + other.toUpperCase(Locale.ROOT);
      assertThat(t.encode(text)).as(text).containsExactly(5 + bucket(other, 50), 4, 5 + bucket(other, 50));
      check(t, List.of(inVocabulary), text);
    }
  }

  private static String randomWord(Random random, int chars) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < chars; i++) {
      b.append(random.nextInt(5) == 0 ? (char) ('0' + random.nextInt(10)) : (char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  /**
   * The fast path reads eight chars at a time: words of every length from 1 to 20 at every offset from 0 to
   * 17, ending at the end of the text or not, in any case, next to every ASCII char.
   */
  @Test
  void wordsAtEveryOffsetAndOfEveryLength() {
    Random random = new Random(17);
    List<String> vocabulary = vocabulary(random);
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 1000, 101, 64), vocabulary);
    for (int offset = 0; offset < 18; offset++) {
      for (int chars = 1; chars <= 20; chars++) {
        String word = random.nextBoolean() ? randomWord(random, chars) : vocabulary.get(random.nextInt(vocabulary.size()));
        String before = " ".repeat(offset);
        check(t, vocabulary, before + word);
        check(t, vocabulary, before + word.toUpperCase(Locale.ROOT) + " ");
        check(t, vocabulary, before + word + "." + word);
      }
    }
    for (char c = 0; c < 0x80; c++) {
      check(t, vocabulary, "ab" + c + "Zebra" + c + c + "of" + c);
    }
  }

  /**
   * Chars above 0xFF are '?' in the text's ISO-8859-1 bytes, which the fast path reads: a real '?' is a
   * separator, a replaced char sends the text to the general path, as does any Latin-1 char above 0x7F.
   */
  @Test
  void questionMarksAndReplacedChars() {
    List<String> vocabulary = List.of("what", "omega", "mega", "why");
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 100, 13, 16), vocabulary);
    for (String text : new String[] {"what? why?", "?", "??what??", "what\u03a9mega?", "\u03a9mega what?",
        "why \ud83d\ude00 what", "what?\u0100", "\u00e9what", "what \u00ff", "what\u00a0why", "why?".repeat(40) + "\u4e00"}) {
      check(t, vocabulary, text);
    }
    assertThat(t.encode("what? why?")).containsExactly(4, 7);
    // \u03a9 (a letter) joins the two halves into one word, outside the vocabulary.
    assertThat(t.encode("what\u03a9mega?")).containsExactly(4 + 4 + bucket("what\u03c9mega", 13));
  }

  /** Random ASCII: vocabulary words in any case, near misses, long words, digits, every separator. */
  @Test
  void asciiTextGivesTheIdsOfTheGeneralPathAndTheDefinition() {
    Random random = new Random(20261127);
    List<String> vocabulary = vocabulary(random);
    for (String padding : new String[] {"none", "max-length"}) {
      for (int buckets : new int[] {0, 1, 97, 1 << 20}) {
        for (int maxLength : new int[] {1, 5, 64}) {
          BuiltinTokenizer t = BuiltinTokenizer.of(
              new TokenizerSpec("builtin", null, 1, 1000, buckets, maxLength, padding), vocabulary);
          for (int k = 0; k < 400; k++) {
            String text = asciiText(random, vocabulary, random.nextInt(120));
            check(t, vocabulary, text);
          }
        }
      }
    }
  }

  /** Real-looking text with non-ASCII anywhere, including after the last word kept by truncation. */
  @Test
  void textWithNonAsciiGivesTheIdsOfTheGeneralPathAndTheDefinition() {
    Random random = new Random(11);
    java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>(vocabulary(random));
    words.addAll(List.of("café", "naïve", "straße", "σας", "full", "fine", "東京", "1", "8", "ab"));
    List<String> vocabulary = List.copyOf(words);
    for (String padding : new String[] {"none", "max-length"}) {
      for (int maxLength : new int[] {3, 16, 128}) {
        BuiltinTokenizer t = BuiltinTokenizer.of(
            new TokenizerSpec("builtin", null, 1, 1000, 1024, maxLength, padding), vocabulary);
        for (int k = 0; k < 600; k++) {
          StringBuilder b = new StringBuilder(asciiText(random, vocabulary, random.nextInt(40)));
          int at = b.length() == 0 ? 0 : random.nextInt(b.length() + 1);
          b.insert(at, NON_ASCII[random.nextInt(NON_ASCII.length)]);
          check(t, vocabulary, b.toString());
        }
        // Non-ASCII only after the words truncation keeps: the general path still decides.
        check(t, vocabulary, "liquid ".repeat(maxLength + 2) + "cafe\u0301");
        check(t, vocabulary, "A ".repeat(maxLength) + "\uFB01ne");
        check(t, vocabulary, "e\u0301 Ｆｕｌｌ-width ﬁne DON'T ①COVID19, Straße! naïve ΣΑΣ");
      }
    }
  }

  /** Texts longer than the first scratch buffer, words longer than eight chars and than 256. */
  @Test
  void longTextsAndLongWords() {
    Random random = new Random(5);
    List<String> vocabulary = vocabulary(random);
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 1000, 4096, 4096), vocabulary);
    check(t, vocabulary, asciiText(random, vocabulary, 3000));
    check(t, vocabulary, "x".repeat(300) + " " + "Y".repeat(9) + " " + "z".repeat(8) + " " + "a1".repeat(700));
    check(t, vocabulary, "short");
  }

  /** Spark tasks share one tokenizer across threads; each thread has its own scratch buffers. */
  @Test
  void threadsSharingOneTokenizerGetTheirOwnIds() {
    Random random = new Random(9);
    List<String> vocabulary = vocabulary(random);
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 1000, 257, 64), vocabulary);
    List<String> texts = new ArrayList<>();
    for (int k = 0; k < 2000; k++) {
      texts.add(asciiText(random, vocabulary, random.nextInt(100)));
    }
    List<int[]> expected = texts.stream().map(text -> reference(t, vocabulary, text)).toList();
    IntStream.range(0, 4 * texts.size()).parallel().forEach(i -> {
      int k = i % texts.size();
      assertThat(t.encode(texts.get(k))).as(texts.get(k)).isEqualTo(expected.get(k));
    });
  }

  private static void check(BuiltinTokenizer t, List<String> vocabulary, String text) {
    int[] expected = reference(t, vocabulary, text);
    assertThat(t.encodeWords(text)).as("general path: %s", text).isEqualTo(expected);
    assertThat(t.encode(text)).as("encode: %s", text).isEqualTo(expected);
  }

  /** Vocabulary words of 1 to 20 chars, including FNV-colliding partners' halves and exactly 8 and 9 chars. */
  private static List<String> vocabulary(Random random) {
    List<String> words = new ArrayList<>(List.of(ENGLISH));
    for (String[] pair : FNV_COLLISIONS) {
      words.add(pair[1]);
    }
    words.addAll(List.of("abcdefgh", "abcdefghi", "12345678", "123456789", "0"));
    while (words.size() < 300) {
      StringBuilder b = new StringBuilder();
      int n = 1 + random.nextInt(20);
      for (int i = 0; i < n; i++) {
        b.append(random.nextInt(8) == 0 ? (char) ('0' + random.nextInt(10)) : (char) ('a' + random.nextInt(26)));
      }
      String word = b.toString();
      if (!words.contains(word)) {
        words.add(word);
      }
    }
    return List.copyOf(words);
  }

  /** Words from the vocabulary (any case), their prefixes and extensions, collision partners and random words. */
  private static String asciiText(Random random, List<String> vocabulary, int words) {
    StringBuilder b = new StringBuilder();
    for (int w = 0; w < words; w++) {
      String word = switch (random.nextInt(6)) {
        case 0, 1 -> vocabulary.get(random.nextInt(vocabulary.size()));
        case 2 -> FNV_COLLISIONS[random.nextInt(FNV_COLLISIONS.length)][0];
        case 3 -> {
          String v = vocabulary.get(random.nextInt(vocabulary.size()));
          yield random.nextBoolean() ? v.substring(0, random.nextInt(v.length() + 1)) : v + (char) ('a' + random.nextInt(26));
        }
        default -> ENGLISH[random.nextInt(ENGLISH.length)] + random.nextInt(100);
      };
      if (random.nextInt(5) == 0) {
        word = word.toUpperCase(Locale.ROOT);
      } else if (random.nextInt(5) == 0 && !word.isEmpty()) {
        word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
      }
      b.append(word);
      int separators = random.nextInt(10) == 0 ? 1 + random.nextInt(3) : 1;
      for (int s = 0; s < separators; s++) {
        b.append(random.nextInt(3) == 0 ? PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())) : ' ');
      }
    }
    if (random.nextInt(4) == 0) {
      b.append((char) random.nextInt(0x80)); // any ASCII char, control chars included
    }
    return b.toString();
  }

  /** The definition, written out here: NFKC, lower case, letter-or-digit runs, vocabulary position or bucket. */
  private static int[] reference(BuiltinTokenizer t, List<String> vocabulary, String text) {
    String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (Character.isLetterOrDigit(cp)) {
        word.appendCodePoint(cp);
      } else if (word.length() > 0) {
        words.add(word.toString());
        word.setLength(0);
      }
    });
    if (word.length() > 0) {
      words.add(word.toString());
    }
    TokenizerSpec spec = t.spec();
    int n = Math.min(words.size(), spec.maxLength());
    int[] ids = new int[spec.padToMaxLength() ? spec.maxLength() : n];
    for (int i = 0; i < n; i++) {
      int position = vocabulary.indexOf(words.get(i));
      ids[i] = position >= 0 ? TokenizerSpec.FIRST_WORD + position
          : spec.hashBuckets() == 0 ? TokenizerSpec.UNK
          : TokenizerSpec.FIRST_WORD + vocabulary.size() + bucket(words.get(i), spec.hashBuckets());
    }
    return ids;
  }

  private static int bucket(String word, int buckets) {
    return (int) (Integer.toUnsignedLong(fnv(word)) % buckets);
  }

  /** FNV-1a 32 over UTF-8, written out again rather than calling the tokenizer's. */
  private static int fnv(String word) {
    int hash = 0x811c9dc5;
    for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x01000193;
    }
    return hash;
  }

  @Test
  void hasWordIsWhetherTextHasWords() {
    List<String> texts = new ArrayList<>(List.of("", " ", "-- ** --", "a", " -x- ", "\u2014 \u2026", "\u00a0\u200b",
        "\u00bd", "x\u00b2", "\u0301", "-- \u00e9", "word \u2014", "\u2014 word", "\ufb01", "\ud83d\ude00", "\uff21"));
    Random random = new Random(7);
    String pieces = " -.,!?az09AZ\u00e9\u0301\u2014\u00bd\u00a0\u0130\ud83d\ude00";
    for (int k = 0; k < 20_000; k++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(6);
      for (int i = 0; i < n; i++) {
        b.append(pieces.charAt(random.nextInt(pieces.length())));
      }
      texts.add(b.toString());
    }
    int withWords = 0;
    for (String text : texts) {
      boolean expected = !BuiltinTokenizer.words(text).isEmpty();
      assertThat(BuiltinTokenizer.hasWord(text)).as("'%s'", text).isEqualTo(expected);
      withWords += expected ? 1 : 0;
    }
    assertThat(withWords).isBetween(1, texts.size() - 1);
  }

  /** {@code isAscii} (eight bytes at a time) against a char-by-char check, across its eight-byte steps. */
  @Test
  void isAsciiIsWhetherEveryCharIsBelow0x80() {
    String pieces = "aZ0 ?~\u007f\u0000\u0080\u00e9\u00ff\u0100\u03a9\u203d\ufffd\ud83d\ude00";
    Random random = new Random(29);
    int ascii = 0;
    for (int k = 0; k < 20_000; k++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(40);
      boolean rare = random.nextInt(3) == 0;
      for (int i = 0; i < n; i++) {
        b.append(pieces.charAt(random.nextInt(rare ? pieces.length() : 8)));
      }
      String text = b.toString();
      boolean expected = text.chars().allMatch(c -> c < 0x80);
      assertThat(BuiltinTokenizer.isAscii(text)).as(text).isEqualTo(expected);
      ascii += expected ? 1 : 0;
    }
    assertThat(ascii).isBetween(1000, 19_000);
  }

  /**
   * A vocabulary whose largest id needs 17 bits leaves 47 bits of a table entry for a word's codes: words of
   * up to 7 chars are identified by them, 8 chars and more take the table of long words.
   */
  @Test
  void aVocabularyOfMoreThan65532Words() {
    Random random = new Random(31);
    java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>(List.of("abcdefg", "abcdefgh", "zz", "1234567", "12345678"));
    while (words.size() < 70_000) {
      words.add(randomWord(random, 1 + random.nextInt(10)));
    }
    List<String> vocabulary = List.copyOf(words);
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 100_000, 97, 64), vocabulary);
    check(t, vocabulary, "ABCDEFG abcdefgh abcdefghi zz 1234567 12345678 " + vocabulary.get(69_999));
    assertThat(t.encode("abcdefgh zz " + vocabulary.get(69_999))).containsExactly(5, 6, 70_003);
    for (int k = 0; k < 40; k++) {
      StringBuilder b = new StringBuilder();
      for (int w = 0; w < 20; w++) {
        b.append(random.nextBoolean() ? vocabulary.get(random.nextInt(vocabulary.size())) : randomWord(random, 1 + random.nextInt(10)));
        b.append(random.nextInt(4) == 0 ? ", " : " ");
      }
      check(t, vocabulary, b.toString());
    }
  }

  /**
   * A vocabulary of more short words than the table of frequent words holds: the rest are in the large
   * table, looked up after a miss among the frequent ones; words of both, and words of neither.
   */
  @Test
  void moreShortWordsThanTheFrequentWordsTableHolds() {
    Random random = new Random(37);
    java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>();
    while (words.size() < 6000) {
      words.add(randomWord(random, 1 + random.nextInt(9)));
    }
    List<String> vocabulary = List.copyOf(words);
    BuiltinTokenizer t = BuiltinTokenizer.of(new TokenizerSpec(1, 10_000, 257, 128), vocabulary);
    assertThat(t.encode(vocabulary.get(0) + " " + vocabulary.get(2047) + " " + vocabulary.get(2048) + " "
        + vocabulary.get(5999).toUpperCase(Locale.ROOT))).containsExactly(4, 2051, 2052, 6003);
    for (int k = 0; k < 300; k++) {
      StringBuilder b = new StringBuilder();
      for (int w = random.nextInt(60); w > 0; w--) {
        b.append(random.nextInt(3) > 0 ? vocabulary.get(random.nextInt(vocabulary.size())) : randomWord(random, 1 + random.nextInt(9)));
        b.append(random.nextInt(4) == 0 ? "; " : " ");
      }
      check(t, vocabulary, b.toString());
    }
  }
}
