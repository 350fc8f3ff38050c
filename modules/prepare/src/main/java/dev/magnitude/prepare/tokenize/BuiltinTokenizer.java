package dev.magnitude.prepare.tokenize;

import static org.apache.spark.sql.functions.col;

import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.manifest.TokenizerInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
   * keeps letters letters), found by a scan that stops at the first, after which {@link #isAscii} checks the
   * whole text eight chars at a time; text with any other char takes {@link #words}. The prepare job asks
   * this of every document and query ({@code no-words}), so it must not cost a String per word, nor a branch
   * per char.
   */
  public static boolean hasWord(String text) {
    return hasWord(text, false);
  }

  /**
   * {@link #hasWord} of a text the caller knows to be ASCII (e.g. a substring of a line it checked): whether
   * it holds a char of {@code [A-Za-z0-9]}, without {@link #isAscii}'s pass over the whole text. A char of
   * 0x80 or above met before the first word char leaves the answer to {@link #words}, as in {@link #hasWord};
   * one after it is not looked for, so a caller that is wrong about the text may get another answer than
   * {@link #hasWord}'s.
   */
  public static boolean hasAsciiWord(String asciiText) {
    return hasWord(asciiText, true);
  }

  /**
   * The scan of {@link #hasWord} and {@link #hasAsciiWord}: up to the first word char or the first char of
   * 0x80 or above (then the definition decides); past a word char, the rest must still be ASCII for the answer
   * to be the definition's, which a text known to be ASCII need not check.
   */
  private static boolean hasWord(String text, boolean knownAscii) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        return !words(text).isEmpty();
      }
      if (ASCII_WORD_CHAR[c] != 0) {
        return knownAscii || isAscii(text) || !words(text).isEmpty();
      }
    }
    return false;
  }

  /**
   * Whether every char of {@code text} is below 0x80. Reads its ISO-8859-1 bytes (for a Latin-1 string a plain
   * copy) eight at a time: a byte of 0x80 or above is not ASCII, nor is a {@code '?'} that stands for a char
   * above 0xFF (checked against the text only when the bytes hold a {@code '?'}), nor a surrogate pair (one
   * {@code '?'} for two chars).
   */
  static boolean isAscii(String text) {
    int length = text.length();
    byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
    if (latin1.length != length) {
      return false;
    }
    long all = 0;
    long question = 0;
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long x = (long) LONGS.get(latin1, i);
      all |= x;
      long q = x ^ 0x3F3F3F3F3F3F3F3FL;
      question |= (q - ONES) & ~q;
    }
    for (; i < length; i++) {
      all |= latin1[i]; // a byte above 0x7F is negative: every bit of the long is set
      question |= latin1[i] == '?' ? HIGH : 0;
    }
    return (all & HIGH) == 0 && ((question & HIGH) == 0 || !replaced(text, latin1, length));
  }

  /**
   * Hands the first {@code limit} words of {@code text} after {@link #normalize} to {@code sink}, in order.
   * ASCII text takes a fast path with the same result: NFKC leaves ASCII unchanged, its lower case is
   * {@code A-Z → a-z}, and its letters and digits are {@code [A-Za-z0-9]}.
   */
  static void forEachWord(String text, int limit, java.util.function.Consumer<String> sink) {
    int length = text.length();
    boolean ascii = isAscii(text);
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

  /** The bytes of a byte array read as little-endian longs, at any index: eight chars of ASCII text at once. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH = 0x8080808080808080L;
  /** Or-ed into a word's bytes, lower-cases its letters ({@code A-Z → a-z}) and leaves its digits. */
  private static final long LOWER = 0x2020202020202020L;

  /**
   * Per thread: the Latin-1 bytes of the text being encoded, with zero bytes after it, and its ids so far
   * (Spark tasks share one tokenizer across threads), so an encode allocates only a copy of the text's bytes
   * and the array it returns.
   */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    byte[] bytes = new byte[1024];
    int[] ids = new int[0];
  }

  /**
   * The ids of an all-ASCII {@code text}, or null when it holds a char of 0x80 or above (the caller then takes
   * the general path, so any non-ASCII text gets exactly the general path's ids). The text's ISO-8859-1
   * bytes (for a Latin-1 string a plain copy; a char above 0xFF becomes {@code '?'}, one per surrogate pair)
   * are read eight at a time as a long, and each long is classified at once (SWAR: a word byte's high bit
   * is set, in about a dozen operations for all eight): its high bits are or-ed together (a byte of 0x80 or
   * above is not ASCII), where a byte's word status differs from the byte's before it a word starts or ends,
   * and a {@code '?'} byte is noted, to be checked against the text's char (a real {@code '?'} or a
   * replaced char). So there is no branch per char, only per word start and end. A short word (up to eight
   * chars for a vocabulary of up to 65,532 words) is read as one long, its bytes turned into 6-bit codes that
   * identify it in any case ({@link AsciiTable#codes}), the key of the {@link AsciiTable}; a longer word, and
   * a word outside the vocabulary (for its bucket), is hashed afterwards with FNV-1a over its lower-cased
   * bytes (for ASCII its UTF-8). Gives the ids of {@link #encodeWords} on every text (tests check both, and a reference written
   * from the definition, on random, colliding and real-looking text).
   *
   * <p>Why so: NFKC leaves ASCII unchanged, its root-locale lower case is {@code A-Z → a-z}, its letters or
   * digits are {@code [A-Za-z0-9]}, and for ASCII UTF-8 is one byte per char.
   */
  private int[] encodeAscii(String text) {
    AsciiTable table = asciiTable();
    int length = text.length();
    byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
    if (latin1.length != length) {
      return null; // a surrogate pair: not ASCII
    }
    Scratch scratch = SCRATCH.get();
    if (scratch.bytes.length < length + 16) {
      scratch.bytes = new byte[Math.max(length + 16, 2 * scratch.bytes.length)];
    }
    if (scratch.ids.length < maxLength) {
      scratch.ids = new int[maxLength];
    }
    byte[] bytes = scratch.bytes;
    int[] out = scratch.ids;
    System.arraycopy(latin1, 0, bytes, 0, length);
    java.util.Arrays.fill(bytes, length, length + 16, (byte) 0); // separators: the last word ends
    long all = 0;
    long question = 0;
    long carry = 0; // the word bit of the byte before the current long, at byte 0's high bit
    int n = 0;
    int start = 0;
    boolean inWord = false;
    int p = 0;
    words:
    for (; p <= length && n < maxLength; p += 8) {
      long x = (long) LONGS.get(bytes, p);
      all |= x;
      long q = x ^ 0x3F3F3F3F3F3F3F3FL; // '?' bytes are 0 in q
      question |= (q - ONES) & ~q;
      long word = wordBytes(x);
      long change = word ^ ((word << 8) | carry);
      carry = word >>> 56;
      while (change != 0) {
        int at = p + (Long.numberOfTrailingZeros(change) >>> 3);
        change &= change - 1;
        if (!inWord) {
          start = at;
          inWord = true;
        } else {
          inWord = false;
          out[n++] = wordId(table, bytes, start, at - start);
          if (n == maxLength) {
            p += 8;
            break words;
          }
        }
      }
    }
    // Truncated: the ids are the general path's only if the rest of the text is ASCII too.
    for (; p < length; p += 8) {
      long x = (long) LONGS.get(bytes, p);
      all |= x;
      long q = x ^ 0x3F3F3F3F3F3F3F3FL;
      question |= (q - ONES) & ~q;
    }
    if ((all & HIGH) != 0 || ((question & HIGH) != 0 && replaced(text, bytes, length))) {
      return null;
    }
    int[] ids = new int[padToMaxLength ? maxLength : n]; // the tail is already [PAD] = 0
    System.arraycopy(out, 0, ids, 0, n);
    return ids;
  }

  /**
   * The high bit of each byte of {@code x} that is an ASCII letter or digit, the other bits 0 (for bytes below
   * 0x80; a text with another byte is not taken). Per byte, {@code b + (0x80 - lo)} has its high bit set iff
   * {@code b >= lo} and never carries into the next byte.
   */
  private static long wordBytes(long x) {
    long digit = (x + 0x5050505050505050L) & ~(x + 0x4646464646464646L); // >= '0' and not > '9'
    long lower = x | LOWER;
    long letter = (lower + 0x1F1F1F1F1F1F1F1FL) & ~(lower + 0x0505050505050505L); // >= 'a' and not > 'z'
    return (digit | letter) & HIGH;
  }

  /** Whether a {@code '?'} among the first {@code length} bytes stands for a char that is not {@code '?'}. */
  private static boolean replaced(String text, byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] == '?' && text.charAt(i) != '?') {
        return true;
      }
    }
    return false;
  }

  /** The id of the ASCII word {@code bytes[start, start + length)} (letters and digits). */
  private int wordId(AsciiTable table, byte[] bytes, int start, int length) {
    int id;
    if (length <= table.shortChars) {
      id = table.findShort(AsciiTable.codes((long) LONGS.get(bytes, start) & (-1L >>> (64 - 8 * length))));
    } else {
      id = table.findLong(bytes, start, length);
    }
    if (id >= 0) {
      return id;
    }
    if (hashBuckets == 0) {
      return TokenizerSpec.UNK;
    }
    return TokenizerSpec.FIRST_WORD + vocabulary.size()
        + Integer.remainderUnsigned(fnv1a32Lower(bytes, start, length), hashBuckets);
  }

  /** {@link #fnv1a32} of the lower-cased ASCII word {@code bytes[start, start + length)} (letters and digits). */
  private static int fnv1a32Lower(byte[] bytes, int start, int length) {
    int hash = FNV_OFFSET;
    for (int j = start; j < start + length; j++) {
      hash = (hash ^ (bytes[j] | 0x20)) * FNV_PRIME;
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
   * The vocabulary's ASCII words (the only ones ASCII text can match) without an object per word, in two
   * open-addressing tables with linear probing, each at most two thirds full and filled in vocabulary order,
   * so that the frequent words sit in their home slots.
   *
   * <ul>
   *   <li>A short word, of up to {@link #shortChars} chars, is one long: its id above its chars' 6-bit codes
   *       ({@link #codes}), which identify it. So a probe reads one long and compares it, with no second array
   *       and no chars to confirm, and the table is 8 bytes a slot (256 KB for 20,000 words: the lookup's cache
   *       misses, not the scan, are what a word costs). How many chars fit depends on the ids: {@code 64 -
   *       bits(largest id)} bits hold {@code (64 - bits) / 6} chars, 8 for a vocabulary of up to 65,532 words,
   *       at least 5 for any.
   *   <li>A longer word is keyed by its FNV-1a, (key, id) pairs in one int array, and confirmed against its
   *       bytes in one byte pool.
   * </ul>
   *
   * Empty slots are 0: a short word's codes are never 0, no long word's id is [PAD].
   */
  private static final class AsciiTable {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** Words of up to this many chars are in {@link #shorts}. */
    final int shortChars;
    /** The bits of an entry of {@link #shorts} below its id, which hold the codes. */
    private final int idShift;
    private final long codeMask;
    private final long[] shorts;
    private final int shortMask;
    /** 64 − log2(slots): a short word's home slot is the top bits of its codes times 2^64/φ. */
    private final int shortShift;

    private final int[] slots;
    private final int mask;
    private final int shift;
    private final byte[] pool;
    /** Word k's bytes are {@code pool[offsets[k], offsets[k + 1])} when it is a long ASCII word, else empty. */
    private final int[] offsets;

    AsciiTable(List<String> vocabulary) {
      int largestId = TokenizerSpec.FIRST_WORD + vocabulary.size() - 1;
      shortChars = Math.min(8, (64 - (32 - Integer.numberOfLeadingZeros(largestId))) / 6);
      idShift = 6 * shortChars;
      codeMask = (1L << idShift) - 1;
      int shortCount = 0;
      int longCount = 0;
      for (String word : vocabulary) {
        if (isAscii(word)) {
          if (word.length() <= shortChars) {
            shortCount++;
          } else {
            longCount++;
          }
        }
      }
      int shortCapacity = capacity(shortCount);
      shorts = new long[shortCapacity];
      shortMask = shortCapacity - 1;
      shortShift = 64 - Integer.numberOfTrailingZeros(shortCapacity);
      int capacity = capacity(longCount);
      slots = new int[2 * capacity];
      mask = capacity - 1;
      shift = Integer.numberOfLeadingZeros(capacity) + 1;
      offsets = new int[vocabulary.size() + 1];
      java.io.ByteArrayOutputStream chars = new java.io.ByteArrayOutputStream();
      for (int k = 0; k < vocabulary.size(); k++) {
        String word = vocabulary.get(k);
        int id = TokenizerSpec.FIRST_WORD + k;
        if (isAscii(word)) {
          byte[] bytes = word.getBytes(StandardCharsets.US_ASCII);
          if (bytes.length <= shortChars) {
            long codes = codes(word);
            int slot = shortSlot(codes);
            while (shorts[slot] != 0) {
              slot = (slot + 1) & shortMask;
            }
            shorts[slot] = ((long) id << idShift) | codes;
          } else {
            chars.writeBytes(bytes);
            int key = fnv1a32(bytes);
            int slot = slot(key);
            while (slots[2 * slot + 1] != 0) {
              slot = (slot + 1) & mask;
            }
            slots[2 * slot] = key;
            slots[2 * slot + 1] = id;
          }
        }
        offsets[k + 1] = chars.size();
      }
      pool = chars.toByteArray();
    }

    /** A power of two above 1.5 times {@code count}, at least 16: the table is at most two thirds full. */
    private static int capacity(int count) {
      return Integer.highestOneBit(Math.max(8, count + count / 2)) << 1;
    }

    /**
     * The 6-bit codes of up to eight ASCII letters or digits, given as the bytes of a little-endian long (the
     * first char lowest, bytes past the word 0), packed into its low 48 bits, the first char's lowest. A char's
     * code is its low five bits with bit 6 (set for letters) as the sixth: {@code 0-9} are 16-25, {@code a-z}
     * and {@code A-Z} alike 33-58, never 0; so the codes identify a lower-cased word, its length included. Each
     * step halves the number of lanes (SWAR).
     */
    static long codes(long bytes) {
      long c = (bytes & 0x1F1F1F1F1F1F1F1FL) | ((bytes >>> 1) & 0x2020202020202020L);
      c = (c & 0x003F003F003F003FL) | ((c & 0x3F003F003F003F00L) >>> 2);
      c = (c & 0x00000FFF00000FFFL) | ((c & 0x0FFF00000FFF0000L) >>> 4);
      return (c & 0xFFFFFFL) | ((c & 0x00FFFFFF00000000L) >>> 8);
    }

    /** {@link #codes} of a word of up to eight ASCII letters or digits. */
    static long codes(String word) {
      long bytes = 0;
      for (int j = word.length() - 1; j >= 0; j--) {
        bytes = (bytes << 8) | word.charAt(j);
      }
      return codes(bytes);
    }

    int shortSlot(long codes) {
      return (int) ((codes * GOLDEN) >>> shortShift);
    }

    /** The id of the short word with codes {@code codes}, or -1. */
    int findShort(long codes) {
      long[] table = shorts;
      for (int slot = shortSlot(codes); ; slot = (slot + 1) & shortMask) {
        long entry = table[slot];
        if ((entry & codeMask) == codes) {
          return (int) (entry >>> idShift);
        }
        if (entry == 0) {
          return -1;
        }
      }
    }

    /** The home slot of a long word's key: its Fibonacci-hashed top bits, so every bit of the key counts. */
    private int slot(int key) {
      return (key * 0x9E3779B9) >>> shift;
    }

    /** The id of the long word {@code bytes[start, start + length)} (letters and digits, any case), or -1. */
    int findLong(byte[] bytes, int start, int length) {
      int key = fnv1a32Lower(bytes, start, length);
      for (int slot = slot(key); ; slot = (slot + 1) & mask) {
        int id = slots[2 * slot + 1];
        if (id == 0) {
          return -1;
        }
        if (slots[2 * slot] == key && samePooled(id - TokenizerSpec.FIRST_WORD, bytes, start, length)) {
          return id;
        }
      }
    }

    private boolean samePooled(int word, byte[] bytes, int start, int length) {
      int from = offsets[word];
      if (offsets[word + 1] - from != length) {
        return false;
      }
      for (int j = 0; j < length; j++) {
        if (pool[from + j] != (bytes[start + j] | 0x20)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The home slot of a short ASCII word (lower case) in this tokenizer's short-word table. For tests. */
  int shortHomeSlot(String word) {
    return asciiTable().shortSlot(AsciiTable.codes(word));
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
