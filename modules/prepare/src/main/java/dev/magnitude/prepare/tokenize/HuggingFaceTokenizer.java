package dev.magnitude.prepare.tokenize;

import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.manifest.TokenizerJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A HuggingFace {@code tokenizer.json}, run through DJL's binding of the Rust tokenizers library
 * ({@code ai.djl.huggingface:tokenizers}, whose jar carries the native library; nothing is downloaded).
 *
 * <ul>
 *   <li>Normalizer, pre-tokenizer, model and post-processor are the file's. Special tokens are added as its
 *       post-processor says (e.g. {@code [CLS] text [SEP]} for BERT).
 *   <li>Truncation: at most {@code maxLength} ids, special tokens included (the tokenizers library removes
 *       words from the end and keeps the specials). The file's own truncation and padding settings are
 *       replaced by the spec's.
 *   <li>Padding: with {@code padding = max-length} the ids are filled up to exactly {@code maxLength} with
 *       {@link #padId()}; done here rather than by the library, so that the id written is the one the
 *       manifest records even when the file has no padding section.
 *   <li>{@link #vocabularySize()} and {@link #padId()}: the file's, as {@link TokenizerJson} reads them.
 *   <li>{@link #id()}: {@link TokenizerInfo#huggingFaceId(byte[], int, boolean)} of the file's bytes, max
 *       length and padding, e.g. {@code huggingface-0123456789abcdef-len128} or {@code ...-len128-padded}.
 * </ul>
 *
 * <p>Serializable: it holds the file's bytes, and each JVM creates the native tokenizer on first use and
 * keeps it, one per {@link #id()}, in a static cache for the life of the JVM (a Spark executor runs many
 * tasks; the native tokenizer is a few MB at most and thread-safe for encoding). {@link #evictNative()}
 * frees them for tests or long-lived JVMs that are done.
 */
public final class HuggingFaceTokenizer implements TextTokenizer {
  private static final long serialVersionUID = 1L;

  public static final String KIND = TokenizerSpec.HUGGINGFACE;
  public static final String ARTIFACT = "tokenizer.json";

  private static final Map<String, ai.djl.huggingface.tokenizers.HuggingFaceTokenizer> NATIVE =
      new ConcurrentHashMap<>();

  private final byte[] json;
  private final int maxLength;
  private final boolean padToMaxLength;
  private final int vocabularySize;
  private final int padId;
  private final String id;

  private HuggingFaceTokenizer(byte[] json, int maxLength, boolean padToMaxLength, int vocabularySize, int padId) {
    this.json = json.clone();
    this.maxLength = maxLength;
    this.padToMaxLength = padToMaxLength;
    this.vocabularySize = vocabularySize;
    this.padId = padId;
    this.id = TokenizerInfo.huggingFaceId(json, maxLength, padToMaxLength);
  }

  /**
   * The tokenizer of {@code tokenizerJson} with the spec's max length and padding; the native tokenizer is
   * created once here, so a file the tokenizers library cannot read fails now, on the driver.
   *
   * @param source names the file in error messages, e.g. its path
   * @throws IllegalArgumentException when the bytes are not JSON, have no tokens, or the tokenizers library
   *     cannot load them; the one-line message starts with {@code source} and says which
   */
  public static HuggingFaceTokenizer of(TokenizerSpec spec, byte[] tokenizerJson, String source) {
    if (spec.builtin()) {
      throw new IllegalArgumentException("tokenizer kind = builtin: a tokenizer.json needs kind = huggingface");
    }
    TokenizerJson ids = TokenizerJson.parse(tokenizerJson, source);
    HuggingFaceTokenizer t = new HuggingFaceTokenizer(
        tokenizerJson, spec.maxLength(), spec.padToMaxLength(), ids.vocabularySize(), ids.padId());
    try {
      t.tokenizer(); // fail here, not in a Spark task
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          source + " could not be loaded by the tokenizers library: " + TokenizerJson.firstLine((Exception) e.getCause()), e);
    }
    return t;
  }

  /** {@link #of(TokenizerSpec, byte[], String)} with the file named {@code tokenizer.json} in messages. */
  public static HuggingFaceTokenizer of(TokenizerSpec spec, byte[] tokenizerJson) {
    return of(spec, tokenizerJson, ARTIFACT);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public TokenizerInfo info() {
    return new TokenizerInfo(KIND, id, vocabularySize, maxLength, padId);
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer().encode(text).getIds();
    int n = Math.min(ids.length, maxLength);
    int[] out = new int[padToMaxLength ? maxLength : n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    for (int i = n; i < out.length; i++) {
      out[i] = padId;
    }
    return out;
  }

  @Override
  public String artifactName() {
    return ARTIFACT;
  }

  /** The tokenizer.json bytes, exactly as read. */
  @Override
  public byte[] artifact() {
    return json.clone();
  }

  public int vocabularySize() {
    return vocabularySize;
  }

  public int padId() {
    return padId;
  }

  public int maxLength() {
    return maxLength;
  }

  /** Closes and forgets every native tokenizer of this JVM; later encodes create them again. */
  public static void evictNative() {
    for (Iterator<ai.djl.huggingface.tokenizers.HuggingFaceTokenizer> it = NATIVE.values().iterator(); it.hasNext(); ) {
      it.next().close();
      it.remove();
    }
  }

  private ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer() {
    ai.djl.huggingface.tokenizers.HuggingFaceTokenizer t = NATIVE.get(id);
    return t != null ? t : NATIVE.computeIfAbsent(id, k -> create());
  }

  private ai.djl.huggingface.tokenizers.HuggingFaceTokenizer create() {
    offlineUnlessConfigured();
    Map<String, String> options = new HashMap<>();
    options.put("addSpecialTokens", "true");
    options.put("truncation", "LONGEST_FIRST");
    options.put("maxLength", String.valueOf(maxLength));
    // DJL caps maxLength at modelMaxLength (default 512) with a warning; the spec's value is the cap.
    options.put("modelMaxLength", String.valueOf(maxLength));
    options.put("padding", "false"); // padded in encode with padId
    try {
      return ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array does not fail
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "tokenizer " + id + " could not be loaded by the tokenizers library: " + TokenizerJson.firstLine(e), e);
    }
  }

  /**
   * DJL probes the EC2 metadata service and reports usage unless it is offline; the prepare job needs
   * neither, so it goes offline unless the user said otherwise (DJL_OFFLINE or -Dai.djl.offline).
   */
  private static void offlineUnlessConfigured() {
    if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }
}
