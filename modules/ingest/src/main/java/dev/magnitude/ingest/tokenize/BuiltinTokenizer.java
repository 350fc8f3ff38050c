package dev.magnitude.ingest.tokenize;

import static org.apache.spark.sql.functions.col;

import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.manifest.TokenizerInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * The built-in tokenizer, as {@link TokenizerSpec} defines it.
 *
 * <ul>
 *   <li>Normalization: Unicode NFKC, then lower case (root locale).
 *   <li>Words: maximal runs of code points that are letters or digits ({@link Character#isLetterOrDigit(int)});
 *       everything else separates words.
 *   <li>Ids: 0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP] (reserved, never emitted by {@link #encode}), then the
 *       vocabulary from {@link TokenizerSpec#FIRST_WORD} in vocabulary order, then {@code hashBuckets}
 *       buckets. A word outside the vocabulary goes to bucket {@code fnv1a32(utf8(word)) mod hashBuckets}
 *       (hash read as unsigned), or to [UNK] when there are no buckets.
 *   <li>{@link #encode} emits at most {@code maxLength} ids: the first words of the text; no specials. With
 *       {@code padding = max-length} it emits exactly {@code maxLength}, the tail filled with [PAD] = 0.
 *   <li>Vocabulary ({@link #countVocabulary}): words seen at least {@code minCount} times in the training
 *       texts, the {@code maxVocabulary} most frequent, ties by word ascending (String order).
 * </ul>
 *
 * <p>Immutable and {@link java.io.Serializable}: broadcast it, or capture it in a Spark function.
 */
public final class BuiltinTokenizer implements TextTokenizer {
  private static final long serialVersionUID = 1L;

  public static final String KIND = "builtin";
  /** Changes whenever the algorithm above changes, so the tokenizer id changes with it. */
  private static final String ALGORITHM = "builtin-tokenizer v1; NFKC then lower(ROOT); letter-or-digit runs; oov fnv1a32(utf8) mod buckets";

  private final int minCount;
  private final int maxVocabulary;
  private final int hashBuckets;
  private final int maxLength;
  private final boolean padToMaxLength;
  private final List<String> vocabulary;
  private final Map<String, Integer> ids;
  private final String id;
  /** The ASCII words of the vocabulary in an open-addressing table, built on first use in each JVM. */
  private transient volatile AsciiTable ascii;

  private BuiltinTokenizer(TokenizerSpec spec, List<String> vocabulary) {
    if (!spec.builtin()) {
      throw new IllegalArgumentException("tokenizer kind = " + spec.kind() + ": the built-in tokenizer needs kind = builtin");
    }
    this.minCount = spec.minCount();
    this.maxVocabulary = spec.maxVocabulary();
    this.hashBuckets = spec.hashBuckets();
    this.maxLength = spec.maxLength();
    this.padToMaxLength = spec.padToMaxLength();
    this.vocabulary = List.copyOf(vocabulary);
    this.ids = new HashMap<>(vocabulary.size() * 2);
    for (int i = 0; i < vocabulary.size(); i++) {
      String word = vocabulary.get(i);
      List<String> asWords = words(word);
      if (asWords.size() != 1 || !asWords.get(0).equals(word)) {
        throw new IllegalArgumentException(
            "vocabulary entry " + i + " '" + word + "' is not one normalized word; a vocabulary holds words as "
                + "words(text) returns them (NFKC, lower case, letters and digits only)");
      }
      if (ids.put(word, TokenizerSpec.FIRST_WORD + i) != null) {
        throw new IllegalArgumentException("vocabulary entry " + i + " '" + word + "' is a duplicate");
      }
    }
    if (vocabulary.size() > spec.maxVocabulary()) {
      throw new IllegalArgumentException(
          "vocabulary has " + vocabulary.size() + " words, more than max-vocabulary = " + spec.maxVocabulary());
    }
    this.id = KIND + "-" + sha256Hex(canonical()).substring(0, 12);
  }

  /** A tokenizer over a given vocabulary (in id order), e.g. one read back from vocab.txt. */
  public static BuiltinTokenizer of(TokenizerSpec spec, List<String> vocabulary) {
    return new BuiltinTokenizer(spec, vocabulary);
  }

  /** Counts the vocabulary over {@code trainingTexts} with Spark, then builds the tokenizer. */
  public static BuiltinTokenizer fit(TokenizerSpec spec, Dataset<String> trainingTexts) {
    return new BuiltinTokenizer(spec, countVocabulary(spec, trainingTexts));
  }

  /**
   * The vocabulary of {@code texts} in id order: words with count &gt;= minCount, by count descending then
   * word ascending, the first maxVocabulary. Words are counted in Spark; only those maxVocabulary rows
   * reach the driver.
   */
  public static List<String> countVocabulary(TokenizerSpec spec, Dataset<String> texts) {
    FlatMapFunction<String, String> split = text -> words(text).iterator();
    List<Row> top =
        texts
            .flatMap(split, Encoders.STRING())
            .groupBy(col("value").as("word"))
            .count()
            .filter(col("count").geq(spec.minCount()))
            .orderBy(col("count").desc(), col("word").asc())
            .limit(spec.maxVocabulary())
            .collectAsList();
    List<String> words = new ArrayList<>(top.size());
    top.forEach(r -> words.add(r.getString(0)));
    return words;
  }

  /** NFKC, then lower case in the root locale. */
  public static String normalize(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }

  /** The words of {@code text} after {@link #normalize}, in order. */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    forEachWord(text, Integer.MAX_VALUE, out::add);
    return out;
  }

  /**
   * Hands the first {@code limit} words of {@code text} after {@link #normalize} to {@code sink}, in order.
   * ASCII text takes a fast path with the same result: NFKC leaves ASCII unchanged, its lower case is
   * {@code A-Z → a-z}, and its letters and digits are {@code [A-Za-z0-9]}.
   */
  static void forEachWord(String text, int limit, java.util.function.Consumer<String> sink) {
    int length = text.length();
    boolean ascii = true;
    for (int i = 0; i < length && ascii; i++) {
      ascii = text.charAt(i) < 0x80;
    }
    int emitted = 0;
    if (ascii) {
      char[] word = new char[Math.min(length, 256)];
      int n = 0;
      for (int i = 0; i <= length && emitted < limit; i++) {
        char c = i < length ? text.charAt(i) : ' ';
        boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
        if (letterOrDigit) {
          if (n == word.length) {
            word = java.util.Arrays.copyOf(word, 2 * n);
          }
          word[n++] = c <= 'Z' && c >= 'A' ? (char) (c + ('a' - 'A')) : c;
        } else if (n > 0) {
          sink.accept(new String(word, 0, n));
          emitted++;
          n = 0;
        }
      }
      return;
    }
    String s = normalize(text);
    int start = -1;
    int i = 0;
    while (i < s.length() && emitted < limit) {
      int cp = s.codePointAt(i);
      if (Character.isLetterOrDigit(cp)) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        sink.accept(s.substring(start, i));
        emitted++;
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0 && emitted < limit) {
      sink.accept(s.substring(start));
    }
  }

  /** Token ids of {@code text}: at most maxLength, no specials; padded with [PAD] to maxLength if so configured. */
  @Override
  public int[] encode(String text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) >= 0x80) {
        return encodeWords(text);
      }
    }
    return encodeAscii(text);
  }

  /** The general path: {@link #forEachWord} and a map lookup per word. */
  private int[] encodeWords(String text) {
    int[][] out = {new int[padToMaxLength ? maxLength : Math.min(maxLength, 32)]}; // the tail is already [PAD] = 0
    int[] n = {0};
    forEachWord(text, maxLength, word -> {
      if (n[0] == out[0].length) {
        out[0] = java.util.Arrays.copyOf(out[0], Math.min(maxLength, 2 * n[0]));
      }
      out[0][n[0]++] = wordId(word);
    });
    return padToMaxLength || n[0] == out[0].length ? out[0] : java.util.Arrays.copyOf(out[0], n[0]);
  }

  /**
   * ASCII text without a String per word: while scanning a word it keeps the word's hash for the vocabulary
   * table and its FNV-1a for the bucket (the UTF-8 bytes of ASCII are its chars), lower-casing on the fly.
   * Gives the ids of {@link #encodeWords} (a test checks both on random text).
   */
  private int[] encodeAscii(String text) {
    AsciiTable table = asciiTable();
    int[] out = new int[padToMaxLength ? maxLength : Math.min(maxLength, 32)];
    int n = 0;
    int length = text.length();
    int start = -1;
    int hash = 0;
    int fnv = 0x811c9dc5;
    for (int i = 0; i <= length && n < maxLength; i++) {
      char c = i < length ? text.charAt(i) : ' ';
      char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
      if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
        if (start < 0) {
          start = i;
          hash = 0;
          fnv = 0x811c9dc5;
        }
        hash = 31 * hash + lower;
        fnv = (fnv ^ lower) * 0x01000193;
      } else if (start >= 0) {
        int id = table.find(text, start, i - start, hash);
        if (id < 0) {
          id = hashBuckets == 0
              ? TokenizerSpec.UNK
              : TokenizerSpec.FIRST_WORD + vocabulary.size() + (int) (Integer.toUnsignedLong(fnv) % hashBuckets);
        }
        if (n == out.length) {
          out = java.util.Arrays.copyOf(out, Math.min(maxLength, 2 * n));
        }
        out[n++] = id;
        start = -1;
      }
    }
    return padToMaxLength || n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  private AsciiTable asciiTable() {
    AsciiTable table = ascii;
    if (table == null) {
      table = new AsciiTable(vocabulary);
      ascii = table;
    }
    return table;
  }

  /**
   * The vocabulary's ASCII words (the only ones ASCII text can match) by {@link String#hashCode()}-style hash,
   * linear probing, at most half full.
   */
  private static final class AsciiTable {
    private final char[][] words;
    private final int[] ids;
    private final int mask;

    AsciiTable(List<String> vocabulary) {
      int capacity = Integer.highestOneBit(Math.max(8, vocabulary.size() * 2)) << 1;
      words = new char[capacity][];
      ids = new int[capacity];
      mask = capacity - 1;
      for (int k = 0; k < vocabulary.size(); k++) {
        String word = vocabulary.get(k);
        if (word.chars().allMatch(ch -> ch < 0x80)) {
          int slot = spread(word.hashCode()) & mask;
          while (words[slot] != null) {
            slot = (slot + 1) & mask;
          }
          words[slot] = word.toCharArray();
          ids[slot] = TokenizerSpec.FIRST_WORD + k;
        }
      }
    }

    private static int spread(int h) {
      return h ^ (h >>> 16);
    }

    /** The id of the lower-cased {@code text[start, start + length)} with that hash, or -1. */
    int find(String text, int start, int length, int hash) {
      for (int slot = spread(hash) & mask; words[slot] != null; slot = (slot + 1) & mask) {
        char[] word = words[slot];
        if (word.length == length && sameLowerCase(word, text, start)) {
          return ids[slot];
        }
      }
      return -1;
    }

    private static boolean sameLowerCase(char[] word, String text, int start) {
      for (int j = 0; j < word.length; j++) {
        char c = text.charAt(start + j);
        if (word[j] != (c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The id of one normalized word. */
  public int wordId(String word) {
    Integer known = ids.get(word);
    if (known != null) {
      return known;
    }
    if (hashBuckets == 0) {
      return TokenizerSpec.UNK;
    }
    return TokenizerSpec.FIRST_WORD + vocabulary.size() + bucket(word, hashBuckets);
  }

  /** {@code fnv1a32(utf8(word))}, read as unsigned, mod {@code buckets}. */
  public static int bucket(String word, int buckets) {
    return (int) (Integer.toUnsignedLong(fnv1a32(word.getBytes(StandardCharsets.UTF_8))) % buckets);
  }

  /** 32-bit FNV-1a. */
  public static int fnv1a32(byte[] bytes) {
    int hash = 0x811c9dc5;
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return hash;
  }

  public List<String> vocabulary() {
    return vocabulary;
  }

  /**
   * {@code builtin-} + the first 12 hex digits of SHA-256 over the algorithm, settings and vocabulary. The
   * settings include {@code padding=max-length} only when texts are padded, so ids of unpadded tokenizers
   * are those of earlier versions, which had no padding.
   */
  @Override
  public String id() {
    return id;
  }

  /** Size of the id space: 4 specials + vocabulary + hash buckets. */
  public int vocabularySize() {
    return TokenizerSpec.FIRST_WORD + vocabulary.size() + hashBuckets;
  }

  public int maxLength() {
    return maxLength;
  }

  public TokenizerSpec spec() {
    return new TokenizerSpec(
        KIND, null, minCount, maxVocabulary, hashBuckets, maxLength, padToMaxLength ? "max-length" : "none");
  }

  @Override
  public TokenizerInfo info() {
    return new TokenizerInfo(KIND, id, vocabularySize(), maxLength, TokenizerSpec.PAD);
  }

  /** {@code vocab.txt}: {@link #vocabularyFile()}. */
  @Override
  public String artifactName() {
    return "vocab.txt";
  }

  /** {@link #vocabularyFile()} in UTF-8. */
  @Override
  public byte[] artifact() {
    return vocabularyFile().getBytes(StandardCharsets.UTF_8);
  }

  /** vocab.txt: one word per line, in id order (line i holds id FIRST_WORD + i). */
  public String vocabularyFile() {
    StringBuilder b = new StringBuilder();
    vocabulary.forEach(w -> b.append(w).append('\n'));
    return b.toString();
  }

  private String canonical() {
    return ALGORITHM
        + "\nmin-count=" + minCount
        + "\nmax-vocabulary=" + maxVocabulary
        + "\nhash-buckets=" + hashBuckets
        + "\nmax-length=" + maxLength
        + (padToMaxLength ? "\npadding=max-length" : "")
        + "\nvocabulary:\n"
        + vocabularyFile();
  }

  static String sha256Hex(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
