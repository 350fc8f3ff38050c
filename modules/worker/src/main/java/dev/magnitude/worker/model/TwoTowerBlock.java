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
 * The query and the document encoder of a {@code towers = separate} run as one block, so one Trainer (one
 * optimizer) updates both and one checkpoint holds both (their parameters are named {@code query…} and
 * {@code document…}). No forward of its own: training and export call each {@link TextTower}.
 *
 * <p>Initialization shapes: the query tower's followed by the document tower's.
 */
public final class TwoTowerBlock extends AbstractBlock {
  private static final byte VERSION = 1;
  private final Block query;
  private final Block document;
  private final int queryShapes;

  /** @param queryShapes how many of the initialization shapes are the query tower's */
  public TwoTowerBlock(Block query, Block document, int queryShapes) {
    super(VERSION);
    this.query = addChildBlock("query", query);
    this.document = addChildBlock("document", document);
    this.queryShapes = queryShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    query.initialize(manager, dataType, Arrays.copyOf(inputShapes, queryShapes));
    document.initialize(manager, dataType, Arrays.copyOfRange(inputShapes, queryShapes, inputShapes.length));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("TwoTowerBlock has no forward; embed with each TextTower");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return query.getOutputShapes(Arrays.copyOf(inputShapes, queryShapes));
  }
}
