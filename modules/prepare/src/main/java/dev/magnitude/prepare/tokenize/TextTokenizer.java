package dev.magnitude.prepare.tokenize;

import dev.magnitude.core.manifest.TokenizerInfo;
import java.io.Serializable;

/**
 * A fitted tokenizer of the prepare job: turns texts into token ids and names itself for the manifest.
 *
 * <p>Implementations are immutable, thread-safe and {@link Serializable}: the driver fits one ({@link
 * Tokenizers#fit}), broadcasts it, and Spark tasks call {@link #encode} on their copy.
 */
public interface TextTokenizer extends Serializable {
  /** Stable identity; data prepared with different ids must not be mixed. Also {@code info().id()}. */
  String id();

  /** What the manifest records: kind, id, vocabulary size, max length and padding id. */
  TokenizerInfo info();

  /**
   * The token ids of {@code text}: at most {@code maxLength} of them; exactly {@code maxLength} when the
   * spec's padding is {@code max-length}, the tail filled with {@code info().padId()}.
   */
  int[] encode(String text);

  /** File name under which the prepare job stores {@link #artifact()} next to the manifest. */
  String artifactName();

  /** The bytes that, with the spec, reproduce this tokenizer (a vocabulary, a tokenizer.json). */
  byte[] artifact();
}
