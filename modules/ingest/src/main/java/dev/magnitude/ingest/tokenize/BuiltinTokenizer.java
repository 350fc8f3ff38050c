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
   * Whether {@code text} has a word, i.e. {@code !words(text).isEmpty()}, without building the list: ASCII
   * text has one when it holds a char of {@code [A-Za-z0-9]} (NFKC leaves ASCII unchanged and its lower case
   * keeps letters letters), found by a scan that stops at the first; text with any other char takes {@link
   * #words}. The prepare job asks this of every document and query ({@code no-words}), so it must not cost a
   * String per word.
   */
  public static boolean hasWord(String text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        return !words(text).isEmpty();
      }
      if (ASCII_WORD_CHAR[c] != 0) {
        // A word char; the rest must still be ASCII for this answer to be the definition's.
        for (int j = i + 1; j < length; j++) {
          if (text.charAt(j) >= 0x80) {
            return !words(text).isEmpty();
          }
        }
        return true;
      }
    }
    return false;
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
    int[] ids = encodeAscii(text);
    return ids != null ? ids : encodeWords(text);
  }

  /** The general path: {@link #forEachWord} and a map lookup per word. Package-private for the tests. */
  int[] encodeWords(String text) {
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
   * A char's word character, lower-cased ({@code A-Z → a-z}, {@code a-z} and {@code 0-9} as they are), or 0
   * for an ASCII separator; indexed by chars below 0x80.
   */
  private static final byte[] ASCII_WORD_CHAR = new byte[0x80];

  static {
    for (char c = '0'; c <= '9'; c++) {
      ASCII_WORD_CHAR[c] = (byte) c;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      ASCII_WORD_CHAR[c] = (byte) c;
      ASCII_WORD_CHAR[c - 'a' + 'A'] = (byte) c;
    }
  }

  private static final int FNV_OFFSET = 0x811c9dc5;
  private static final int FNV_PRIME = 0x01000193;

  /**
   * Per thread: the chars of the text being encoded and its ids so far (Spark tasks share one tokenizer
   * across threads), so an encode allocates only the array it returns.
   */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    char[] chars = new char[1024];
    int[] ids = new int[0];
  }

  /**
   * The ids of an all-ASCII {@code text}, or null when it holds a char of 0x80 or above (the caller then takes
   * the general path, so any non-ASCII text gets exactly the general path's ids). One pass over a copy of its
   * chars, no String per word, one loop for the separators and one for the word, so that the only branch the
   * CPU cannot predict is where a word ends. A word of up to eight chars is its lower-cased chars packed into a
   * long, which both keys the vocabulary table and confirms a match; a longer word, and a word outside the
   * vocabulary (for its bucket), is hashed afterwards with FNV-1a over its lower-cased chars (for ASCII these
   * are its UTF-8 bytes). Gives the ids of {@link #encodeWords} on every text (tests check both on random and
   * real-looking text).
   *
   * <p>Why so: NFKC leaves ASCII unchanged, its root-locale lower case is {@code A-Z → a-z}, its letters or
   * digits are {@code [A-Za-z0-9]}, and for ASCII UTF-8 is one byte per char.
   */
  private int[] encodeAscii(String text) {
    AsciiTable table = asciiTable();
    Scratch scratch = SCRATCH.get();
    int length = text.length();
    if (scratch.chars.length < length) {
      scratch.chars = new char[Math.max(length, 2 * scratch.chars.length)];
    }
    if (scratch.ids.length < maxLength) {
      scratch.ids = new int[maxLength];
    }
    char[] chars = scratch.chars;
    int[] out = scratch.ids;
    text.getChars(0, length, chars, 0);
    byte[] wordChar = ASCII_WORD_CHAR;
    int n = 0;
    int i = 0;
    while (n < maxLength) {
      int lower = 0;
      for (; i < length; i++) { // separators
        char c = chars[i];
        if (c >= 0x80) {
          return null;
        }
        lower = wordChar[c];
        if (lower != 0) {
          break;
        }
      }
      if (i == length) {
        break;
      }
      int start = i;
      long packed = lower;
      for (i++; i < length; i++) { // the word's other chars
        char c = chars[i];
        if (c >= 0x80) {
          return null;
        }
        lower = wordChar[c];
        if (lower == 0) {
          break;
        }
        packed = (packed << 8) | lower;
      }
      out[n++] = wordId(table, chars, start, i - start, packed);
    }
    // Truncated: the ids are the general path's only if the rest of the text is ASCII too.
    for (; i < length; i++) {
      if (chars[i] >= 0x80) {
        return null;
      }
    }
    int[] ids = new int[padToMaxLength ? maxLength : n]; // the tail is already [PAD] = 0
    System.arraycopy(out, 0, ids, 0, n);
    return ids;
  }

  /**
   * The id of the ASCII word {@code chars[start, start + length)}; {@code packed} holds its lower-cased chars
   * when there are at most eight.
   */
  private int wordId(AsciiTable table, char[] chars, int start, int length, long packed) {
    boolean isPacked = length <= AsciiTable.PACKED_CHARS;
    int key = isPacked ? AsciiTable.packedKey(packed) : fnv1a32Lower(chars, start, length);
    int id = table.find(chars, start, length, key, packed);
    if (id >= 0) {
      return id;
    }
    if (hashBuckets == 0) {
      return TokenizerSpec.UNK;
    }
    int fnv = isPacked ? fnv1a32Lower(chars, start, length) : key;
    return TokenizerSpec.FIRST_WORD + vocabulary.size() + Integer.remainderUnsigned(fnv, hashBuckets);
  }

  /** {@link #fnv1a32} of the UTF-8 of the lower-cased ASCII word {@code chars[start, start + length)}. */
  private static int fnv1a32Lower(char[] chars, int start, int length) {
    int hash = FNV_OFFSET;
    for (int j = start; j < start + length; j++) {
      hash = (hash ^ ASCII_WORD_CHAR[chars[j]]) * FNV_PRIME;
    }
    return hash;
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
   * The vocabulary's ASCII words (the only ones ASCII text can match) without an object per word: open
   * addressing with linear probing over one int array of (key, id) pairs, at most a third full, so a lookup
   * usually reads one cache line of it. A word of up to eight chars is keyed by a mix of its packed chars and
   * confirmed by comparing them (one long per word, in vocabulary order, so the frequent words' sit together);
   * a longer word is keyed by its FNV-1a and confirmed against its chars in one byte pool. Empty slots have id
   * 0, which is [PAD] and never a word's.
   */
  private static final class AsciiTable {
    /** Up to this many chars, a word is identified by its chars packed into a long, 8 bits each. */
    static final int PACKED_CHARS = 8;

    private final int[] slots;
    private final int mask;
    private final int shift;
    /** Word k's chars packed ({@code c0 << 8(L-1) | ... | c(L-1)}, non-zero), or 0 when longer or not ASCII. */
    private final long[] packed;
    private final byte[] pool;
    /** Word k's chars are {@code pool[offsets[k], offsets[k + 1])}; empty for a non-ASCII word. */
    private final int[] offsets;

    AsciiTable(List<String> vocabulary) {
      int capacity = Integer.highestOneBit(Math.max(8, vocabulary.size() * 3)) << 1;
      slots = new int[2 * capacity];
      mask = capacity - 1;
      shift = Integer.numberOfLeadingZeros(capacity) + 1;
      packed = new long[vocabulary.size()];
      offsets = new int[vocabulary.size() + 1];
      java.io.ByteArrayOutputStream chars = new java.io.ByteArrayOutputStream();
      for (int k = 0; k < vocabulary.size(); k++) {
        String word = vocabulary.get(k);
        if (word.chars().allMatch(ch -> ch < 0x80)) {
          byte[] bytes = word.getBytes(StandardCharsets.US_ASCII);
          chars.writeBytes(bytes);
          int key;
          if (bytes.length <= PACKED_CHARS) {
            for (byte b : bytes) {
              packed[k] = (packed[k] << 8) | b;
            }
            key = packedKey(packed[k]);
          } else {
            key = fnv1a32(bytes);
          }
          int slot = slot(key);
          while (slots[2 * slot + 1] != 0) {
            slot = (slot + 1) & mask;
          }
          slots[2 * slot] = key;
          slots[2 * slot + 1] = TokenizerSpec.FIRST_WORD + k;
        }
        offsets[k + 1] = chars.size();
      }
      pool = chars.toByteArray();
    }

    /** The table key of a word of up to eight chars: the top half of its packed chars times 2^64/φ. */
    static int packedKey(long packedChars) {
      return (int) ((packedChars * 0x9E3779B97F4A7C15L) >>> 32);
    }

    /** The home slot of a key: its Fibonacci-hashed top bits, so every bit of the key counts. */
    private int slot(int key) {
      return (key * 0x9E3779B9) >>> shift;
    }

    /**
     * The id of the lower-cased {@code chars[start, start + length)} with table key {@code key} and, when it
     * has at most eight chars, packed chars {@code packedChars}; or -1.
     */
    int find(char[] chars, int start, int length, int key, long packedChars) {
      for (int slot = slot(key); ; slot = (slot + 1) & mask) {
        int id = slots[2 * slot + 1];
        if (id == 0) {
          return -1;
        }
        if (slots[2 * slot] == key) {
          int word = id - TokenizerSpec.FIRST_WORD;
          if (length <= PACKED_CHARS ? packed[word] == packedChars : samePooled(word, chars, start, length)) {
            return id;
          }
        }
      }
    }

    private boolean samePooled(int word, char[] chars, int start, int length) {
      int from = offsets[word];
      if (offsets[word + 1] - from != length) {
        return false;
      }
      for (int j = 0; j < length; j++) {
        if (pool[from + j] != ASCII_WORD_CHAR[chars[start + j]]) {
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
