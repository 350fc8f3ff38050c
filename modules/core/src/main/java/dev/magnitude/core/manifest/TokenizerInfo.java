package dev.magnitude.core.manifest;

/**
 * The identity of the tokenizer a dataset was prepared with.
 *
 * @param kind {@code builtin} or {@code huggingface}
 * @param id stable identity, compared by the trainer with the tokenizer its encoder expects: for {@code
 *     builtin}, the kind plus a hash of the vocabulary and settings; for {@code huggingface}, {@link
 *     #huggingFaceId(byte[], int, boolean)} of the tokenizer.json bytes, max length and padding
 * @param vocabularySize size of the id space (specials + vocabulary + hash buckets; a HuggingFace
 *     tokenizer's vocabulary with its added tokens)
 * @param maxLength texts were truncated to this many ids
 * @param padId the padding id (0 for the built-in tokenizer)
 */
public record TokenizerInfo(String kind, String id, int vocabularySize, int maxLength, int padId) {
  public TokenizerInfo(String kind, String id, int vocabularySize, int maxLength) {
    this(kind, id, vocabularySize, maxLength, 0);
  }

  /**
   * The identity of a HuggingFace tokenizer: {@code huggingface-} and the first 16 hex digits of the SHA-256
   * of its tokenizer.json. It depends on the file only, so a trainer can check a pretrained encoder's
   * tokenizer.json against a dataset without DJL.
   */
  public static String huggingFaceId(byte[] tokenizerJson) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(tokenizerJson);
      return "huggingface-" + java.util.HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** Suffix of a HuggingFace tokenizer id whose texts were padded to max length. */
  public static final String PADDED = "-padded";

  /**
   * The id of data prepared with a HuggingFace tokenizer: {@link #huggingFaceId(byte[])}, then {@code -len}
   * and the max length, then {@value #PADDED} when texts were padded to max length; e.g. {@code
   * huggingface-0123456789abcdef-len128} or {@code huggingface-0123456789abcdef-len128-padded}. The same
   * file with another truncation or padding gives other ids, because the stored ids differ.
   */
  public static String huggingFaceId(byte[] tokenizerJson, int maxLength, boolean padToMaxLength) {
    return huggingFaceId(tokenizerJson) + "-len" + maxLength + (padToMaxLength ? PADDED : "");
  }

  /**
   * The id this dataset would have had if it had been prepared with the tokenizer.json {@code tokenizerJson}
   * and the same max length and padding: what a trainer given that file expects.
   */
  public String idWith(byte[] tokenizerJson) {
    return huggingFaceId(tokenizerJson, maxLength, id != null && id.endsWith(PADDED));
  }
}
