package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.manifest.TokenizerInfo;
import java.util.Arrays;
import java.util.List;

/**
 * How texts of token ids become an encoder's (B, L) id matrix and its (B, L) attention mask: from the
 * tokenizer's padding id and each text's real length, never from {@code id != 0}.
 *
 * <ul>
 *   <li>A text's real length is its number of ids, at most L, without the padding the prepare job appended
 *       when it padded texts to max length (trailing {@link #padId()}s; a tokenizer's texts end in a token that
 *       is not its padding, e.g. [SEP] or {@code </s>}). Ids inside a text are tokens whatever their value: a
 *       RoBERTa-family {@code <s>} is id 0 and is attended to.
 *   <li>Positions past the real length hold {@link #padId()} and are false in the mask; so is a padding id
 *       inside a text (it carries no token: the built-in tokenizer's contract, and RoBERTa's position ids skip it
 *       too).
 *   <li>A text of real length 0 becomes the single token {@link #fallbackId()}, so pooling never divides by
 *       zero and every text gets an embedding.
 * </ul>
 *
 * <p>For the built-in tokenizer ({@link #BUILTIN}: pad 0, fallback [UNK] = 1) this packs exactly what the
 * encoders packed before the padding id was a setting: the built-in tokenizer never emits id 0 for a word.
 *
 * @param padId the padding id of the data's tokenizer ({@link TokenizerInfo#padId()})
 * @param fallbackId the token of an empty text, e.g. the tokenizer's [UNK]
 */
public record TokenPacking(int padId, int fallbackId) {
  /** The built-in tokenizer's padding: [PAD] = 0, empty texts become [UNK] = 1. */
  public static final TokenPacking BUILTIN = new TokenPacking(TokenizerSpec.PAD, TokenizerSpec.UNK);

  public TokenPacking {
    if (padId < 0 || fallbackId < 0) {
      throw new IllegalArgumentException(
          "token packing pad id = " + padId + ", fallback id = " + fallbackId + ": ids must be >= 0");
    }
    if (fallbackId == padId) {
      throw new IllegalArgumentException(
          "token packing fallback id = " + fallbackId + " is the pad id: an empty text needs a token that is attended to");
    }
  }

  /** Checks that an embedding table of {@code vocabularySize} rows has a row for the fallback token. */
  public void requireFallbackIn(int vocabularySize) {
    if (vocabularySize <= fallbackId) {
      throw new IllegalArgumentException("encoder vocabulary-size = " + vocabularySize + ": must be > " + fallbackId
          + " (the fallback token of empty texts)");
    }
  }

  /**
   * The real length of {@code text} cut at {@code limit} ids: without trailing padding, 0 for a text that is
   * empty or only padding.
   */
  public int length(int[] text, int limit) {
    int n = Math.min(text.length, limit);
    while (n > 0 && text[n - 1] == padId) {
      n--;
    }
    return n;
  }

  /** The longest real length of {@code texts} cut at {@code limit}, at least 1 (an empty text is one fallback token). */
  public int longest(List<int[]> texts, int limit) {
    int longest = 1;
    for (int[] text : texts) {
      longest = Math.max(longest, length(text, limit));
    }
    return longest;
  }

  /**
   * Packs texts into rows of exactly {@code columns} ids.
   *
   * @param texts B token-id lists; ids past {@code columns} are cut
   */
  public Packed pack(List<int[]> texts, int columns) {
    if (columns <= 0) {
      throw new IllegalArgumentException("packed rows need at least 1 column, got " + columns);
    }
    int b = texts.size();
    int[] ids = new int[b * columns];
    int[] lengths = new int[b];
    Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      int[] text = texts.get(i);
      int n = length(text, columns);
      if (n == 0) {
        ids[i * columns] = fallbackId;
        lengths[i] = 1;
      } else {
        System.arraycopy(text, 0, ids, i * columns, n);
        lengths[i] = n;
      }
    }
    return new Packed(ids, lengths, columns, padId);
  }

  /**
   * Refuses data whose manifest records another padding id than the encoder's: its masks would be wrong.
   *
   * @param manifest the tokenizer the data was prepared with
   * @param where the manifest's path, for the message
   */
  public void requireSamePadding(TokenizerInfo manifest, String where) {
    if (manifest.padId() != padId) {
      throw new IllegalArgumentException(
          where + ": the data was padded with id " + manifest.padId() + " (tokenizer " + manifest.id()
              + ") but the encoder pads with id " + padId + "; prepare the data with the encoder's tokenizer");
    }
  }

  /**
   * A packed batch: B rows of {@code columns} ids, row-major, and each row's real length (at least 1).
   *
   * @param ids (B · columns) ids
   * @param lengths (B) real lengths; the mask is true at positions {@code < lengths[i]} whose id is not
   *     {@code padId}, and row i has at least one true position
   * @param padId the padding id
   */
  public record Packed(int[] ids, int[] lengths, int columns, int padId) {
    public int rows() {
      return lengths.length;
    }

    /** The ids, (B, columns) int32 on {@code manager}. */
    public NDArray ids(NDManager manager) {
      return manager.create(ids, new Shape(rows(), columns));
    }

    /** The attention mask from the lengths, (B, columns) boolean on {@code manager}. */
    public NDArray mask(NDManager manager) {
      boolean[] mask = new boolean[ids.length];
      for (int i = 0; i < lengths.length; i++) {
        for (int k = i * columns; k < i * columns + lengths[i]; k++) {
          mask[k] = ids[k] != padId;
        }
      }
      return manager.create(mask, new Shape(rows(), columns));
    }
  }
}
