package dev.magnitude.worker.train;

import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * An optimizer whose whole state can be read out and restored by parameter name, so a run resumed from a
 * checkpoint ({@link Checkpoints}) continues the optimization exactly: {@link ResumableAdam} (the from-scratch
 * encoders) and {@link ResumableAdamW} (fine-tuning, parameter groups).
 */
public interface ResumableOptimizer {
  /**
   * The state of every parameter updated so far, by parameter name, in the order of {@code parameters}. The arrays
   * are the live ones.
   */
  Map<String, ResumableAdam.State> state(PairList<String, Parameter> parameters);

  /**
   * Replaces the state with a saved one.
   *
   * @param byName as returned by {@link #state}; arrays on the parameters' device, owned by this optimizer from now
   *     on
   * @throws IllegalArgumentException if a name is not a parameter or a shape does not fit
   */
  void restore(Map<String, ResumableAdam.State> byName, PairList<String, Parameter> parameters);
}
