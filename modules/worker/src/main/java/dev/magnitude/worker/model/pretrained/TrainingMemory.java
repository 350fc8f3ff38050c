package dev.magnitude.worker.model.pretrained;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An estimate of the memory a worker needs to fine-tune a BERT encoder, so a model too large for the worker's
 * settings is refused with one line before any run starts, not found out by an out-of-memory kill.
 *
 * <ul>
 *   <li>Native (libtorch) memory: the weights, their gradients and AdamW's two moments (4 float32 copies of the
 *       P weights), plus the activations autograd keeps for backward at N texts × L tokens per step: per layer
 *       N·L·(14E + 2I) floats (the layer input, the fused Q/K/V output and the copies batched matmul makes of
 *       q, k, v, the attention output and its merge, both sublayers' outputs, residual sums and LayerNorms, the
 *       feed-forward's inner activation before and after GELU) and 2·N·H·L² (the scores and their softmax),
 *       plus 4·N·L·E for the embeddings.
 *   <li>Java heap: the weight map read from the folder (4P bytes) plus two copies of its largest tensor (the
 *       file's bytes and the conversion), the peak of loading and of exporting a model folder.
 * </ul>
 *
 * <p>An estimate from the shapes, not a measurement: allocator slack, the data batches and the JVM's own
 * needs come on top, so the checks keep a margin ({@link #HEADROOM}).
 *
 * @param parameterBytes the weights, float32
 * @param gradientBytes their gradients
 * @param optimizerBytes AdamW's first and second moments
 * @param activationBytes what one step keeps for backward
 * @param heapBytes the Java heap to load (and export) the model
 */
public record TrainingMemory(
    long parameterBytes, long gradientBytes, long optimizerBytes, long activationBytes, long heapBytes) {
  /** The estimate must fit in this share of a limit (allocator slack, batches, the JVM itself). */
  public static final double HEADROOM = 0.8;
  /** The worker's JVM options key, named in the heap error. */
  public static final String JAVA_OPTIONS_KEY = "magnitude.train.worker.java-options";
  private static final Pattern XMX = Pattern.compile("-Xmx(\\d+)([kKmMgGtT]?)");
  private static final Pattern MAX_HEAP_SIZE = Pattern.compile("-XX:MaxHeapSize=(\\d+)([kKmMgGtT]?)");

  /**
   * The memory of fine-tuning {@code config} on {@code texts} texts of {@code length} tokens per step (a
   * retrieval step embeds 2B texts: B queries and B documents).
   */
  public static TrainingMemory estimate(BertConfig config, int texts, int length) {
    if (texts <= 0 || length <= 0) {
      throw new IllegalArgumentException("texts = " + texts + ", length = " + length + ": both must be > 0");
    }
    long p = config.parameterCount();
    long e = config.hiddenSize();
    long tokens = (long) texts * length;
    long perLayer = tokens * (14 * e + 2L * config.intermediateSize())
        + 2L * texts * config.heads() * (long) length * length;
    long activations = 4 * (config.layers() * perLayer + 4 * tokens * e);
    long largest = 4L * Math.max((long) config.vocabularySize() * e, (long) config.intermediateSize() * e);
    return new TrainingMemory(4 * p, 4 * p, 8 * p, activations, 4 * p + 2 * largest);
  }

  /** Weights, gradients, AdamW moments and activations. */
  public long nativeBytes() {
    return parameterBytes + gradientBytes + optimizerBytes + activationBytes;
  }

  /**
   * Refuses a model the worker cannot hold.
   *
   * @param model names the model folder in the message
   * @param javaOptions the worker's JVM options ({@value #JAVA_OPTIONS_KEY}); without -Xmx the heap is not checked
   * @param nativeBudgetBytes the native memory a worker may use (e.g. the machine's memory over the workers
   *     running at once); ≤ 0: not checked
   * @throws IllegalArgumentException one line: the model, the estimate, the limit and the setting to change
   */
  public void requireFits(String model, List<String> javaOptions, long nativeBudgetBytes) {
    OptionalLong heap = maxHeapBytes(javaOptions);
    if (heap.isPresent() && heapBytes > HEADROOM * heap.getAsLong()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%s needs about %s of Java heap to load its %s of weights, but %s sets %s; give the worker at least "
              + "-Xmx%dm", model, mb(heapBytes), mb(parameterBytes), JAVA_OPTIONS_KEY, mb(heap.getAsLong()),
          (long) Math.ceil(heapBytes / HEADROOM / (1 << 20))));
    }
    if (nativeBudgetBytes > 0 && nativeBytes() > HEADROOM * nativeBudgetBytes) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "fine-tuning %s needs about %s of native memory (weights %s, gradients %s, AdamW moments %s, activations "
              + "%s) but a worker has %s; lower magnitude.train.batch-size or the prepared max-length, or "
              + "run fewer workers at once", model, mb(nativeBytes()), mb(parameterBytes), mb(gradientBytes),
          mb(optimizerBytes), mb(activationBytes), mb(nativeBudgetBytes)));
    }
  }

  /** The last -Xmx (or -XX:MaxHeapSize) of JVM options, in bytes; empty when none is set. */
  public static OptionalLong maxHeapBytes(List<String> javaOptions) {
    OptionalLong found = OptionalLong.empty();
    for (String option : javaOptions) {
      for (Pattern pattern : List.of(XMX, MAX_HEAP_SIZE)) {
        Matcher m = pattern.matcher(option.strip());
        if (m.matches()) {
          found = OptionalLong.of(Long.parseLong(m.group(1)) << shift(m.group(2)));
        }
      }
    }
    return found;
  }

  private static int shift(String unit) {
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%d MB", Math.round(bytes / (double) (1 << 20)));
  }
}
