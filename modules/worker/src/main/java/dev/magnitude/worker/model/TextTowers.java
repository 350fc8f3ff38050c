package dev.magnitude.worker.model;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.magnitude.core.run.EncoderSpec;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;

/**
 * The text encoders of a retrieval or STS run ({@code encoder.towers}): one encoder for queries and documents
 * ({@code shared}), or a query tower and a document tower of the same kind ({@code separate}), both trained by
 * the one optimizer and saved in the one checkpoint through {@link #block()}. Queries (STS: first sentences)
 * are embedded with {@link #query()}, documents (STS: second sentences) with {@link #document()}, in training
 * and at export. Separate towers are initialized one after the other from the engine's seeded generator, so
 * they start from different weights (a TorchScript module starts both from its file).
 *
 * <p>Closes what the encoders own (TorchScript modules).
 */
public final class TextTowers implements AutoCloseable {
  private final EncoderSpec spec;
  private final TextTower query;
  private final TextTower document;
  private final Block block;

  private TextTowers(EncoderSpec spec, TextTower query, TextTower document) {
    this.spec = spec;
    this.query = query;
    this.document = document;
    this.block = query == document
        ? query.block()
        : new TwoTowerBlock(query.block(), document.block(), query.inputShapes(1).length);
  }

  /** {@link #create(EncoderSpec, TokenPacking, Device, Configuration, String)} for built-in tokenizer data. */
  public static TextTowers create(EncoderSpec spec, Device device, Configuration conf, String name)
      throws IOException {
    return create(spec, TokenPacking.BUILTIN, device, conf, name);
  }

  /**
   * Builds the encoders of {@code spec} (loads TorchScript modules onto {@code device}).
   *
   * @param packing the padding of the data's tokenizer
   * @param conf reads a TorchScript module on a Hadoop FileSystem
   * @throws IOException if a TorchScript module cannot be read
   */
  public static TextTowers create(
      EncoderSpec spec, TokenPacking packing, Device device, Configuration conf, String name) throws IOException {
    TextTower query = tower(spec, packing, device, conf, name + "-query");
    if (!spec.separateTowers()) {
      return new TextTowers(spec, query, query);
    }
    try {
      return new TextTowers(spec, query, tower(spec, packing, device, conf, name + "-document"));
    } catch (IOException | RuntimeException e) {
      closeTower(query);
      throw e;
    }
  }

  /** One encoder of {@code spec}'s kind. */
  public static TextTower tower(EncoderSpec spec, TokenPacking packing, Device device, Configuration conf, String name)
      throws IOException {
    return switch (spec.kind()) {
      case EncoderSpec.TRANSFORMER -> new TextEncoder(spec, packing);
      case EncoderSpec.BAG -> new BagEncoder(spec, packing);
      case EncoderSpec.TORCHSCRIPT -> TorchScriptEncoder.load(spec, packing, device, conf, name);
      default -> throw new IllegalArgumentException("encoder kind '" + spec.kind() + "' has no text encoder");
    };
  }

  public EncoderSpec spec() {
    return spec;
  }

  /** Whether queries and documents have encoders of their own. */
  public boolean separate() {
    return query != document;
  }

  /** The query-side encoder (the only one when shared). */
  public TextTower query() {
    return query;
  }

  /** The document-side encoder (the query one when shared). */
  public TextTower document() {
    return document;
  }

  /** The block holding every trained parameter: the shared encoder's, or a {@link TwoTowerBlock}. */
  public Block block() {
    return block;
  }

  /**
   * The initialization shapes of a training batch of {@code pairs} pairs: shared, the one encoder sees the 2B
   * texts as one batch; separate, each tower sees B.
   */
  public Shape[] inputShapes(int pairs) {
    if (!separate()) {
      return query.inputShapes(2 * pairs);
    }
    Shape[] q = query.inputShapes(pairs);
    Shape[] d = document.inputShapes(pairs);
    Shape[] all = Arrays.copyOf(q, q.length + d.length);
    System.arraycopy(d, 0, all, q.length, d.length);
    return all;
  }

  /** {@link TextTower#prepareParameters()} of every encoder. */
  public void prepareParameters() {
    query.prepareParameters();
    if (separate()) {
      document.prepareParameters();
    }
  }

  @Override
  public void close() {
    closeTower(query);
    if (separate()) {
      closeTower(document);
    }
  }

  private static void closeTower(TextTower tower) {
    if (tower instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot close the " + tower.spec().kind() + " encoder: " + e, e);
      }
    }
  }
}
