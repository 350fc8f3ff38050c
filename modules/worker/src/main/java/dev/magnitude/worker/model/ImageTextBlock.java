package dev.magnitude.worker.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;

/**
 * The two encoders of an image-text run as one block, so one Trainer (one optimizer) updates both and
 * one checkpoint file holds both. It has no forward of its own: training and export call
 * {@link TextEncoder} and {@link ImageEncoder} directly (see TextEncoder for why every array of the text
 * forward must live until backward).
 *
 * <p>Initialization shapes: the text encoder's (token ids (B, S)) followed by the image input (B, 3, H, W).
 */
public final class ImageTextBlock extends AbstractBlock {
  private static final byte VERSION = 1;
  private final Block text;
  private final Block image;

  public ImageTextBlock(Block text, Block image) {
    super(VERSION);
    this.text = addChildBlock("text", text);
    this.image = addChildBlock("image", image);
  }

  /** The initialization shapes: text shapes then the image shape. */
  public static Shape[] inputShapes(Shape[] textShapes, Shape imageShape) {
    Shape[] all = Arrays.copyOf(textShapes, textShapes.length + 1);
    all[textShapes.length] = imageShape;
    return all;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    text.initialize(manager, dataType, Arrays.copyOf(inputShapes, inputShapes.length - 1));
    image.initialize(manager, dataType, inputShapes[inputShapes.length - 1]);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException(
        "ImageTextBlock has no forward; embed with TextEncoder and ImageEncoder");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return image.getOutputShapes(new Shape[] {inputShapes[inputShapes.length - 1]});
  }
}
