package dev.magnitude.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Adam state (update count, first and second moments) of each parameter, kept by parameter id (DJL's update
 * key) and read out or restored by parameter name (ids are not stable across processes; names are): the part
 * {@link ResumableAdam} and {@link ResumableAdamW} share, and what {@link Checkpoints} saves. One device: the state
 * of a parameter lives on the device of its first update. Not thread-safe.
 */
final class AdamStates {
  private final Map<String, ResumableAdam.State> byId = new HashMap<>();

  /** The state before this update of {@code parameterId}: zeros shaped like {@code weight} at its first. */
  ResumableAdam.State current(String parameterId, NDArray weight) {
    ResumableAdam.State state = byId.get(parameterId);
    if (state == null) {
      return new ResumableAdam.State(0, weight.zerosLike(), weight.zerosLike());
    }
    if (!state.mean().getDevice().equals(weight.getDevice())) {
      throw new IllegalStateException(
          "parameter " + parameterId + " is updated on " + weight.getDevice() + " but its Adam state lives on "
              + state.mean().getDevice() + "; the optimizer supports one device");
    }
    return state;
  }

  /** Records {@code state} as the state after update {@code updates}. */
  void updated(String parameterId, int updates, ResumableAdam.State state) {
    byId.put(parameterId, new ResumableAdam.State(updates, state.mean(), state.variance()));
  }

  /** See {@link ResumableOptimizer#state}. */
  Map<String, ResumableAdam.State> byName(PairList<String, Parameter> parameters) {
    Map<String, ResumableAdam.State> byName = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      ResumableAdam.State s = byId.get(p.getValue().getId());
      if (s != null) {
        byName.put(p.getKey(), s);
      }
    }
    return byName;
  }

  /** See {@link ResumableOptimizer#restore}. */
  void restore(Map<String, ResumableAdam.State> byName, PairList<String, Parameter> parameters) {
    Map<String, Parameter> named = new HashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      named.put(p.getKey(), p.getValue());
    }
    Map<String, ResumableAdam.State> restored = new HashMap<>();
    for (Map.Entry<String, ResumableAdam.State> e : byName.entrySet()) {
      Parameter parameter = named.get(e.getKey());
      if (parameter == null) {
        throw new IllegalArgumentException(
            "the optimizer state names parameter " + e.getKey() + ", which the encoder does not have");
      }
      ResumableAdam.State s = e.getValue();
      if (parameter.getArray() != null
          && (!parameter.getArray().getShape().equals(s.mean().getShape())
              || !parameter.getArray().getShape().equals(s.variance().getShape()))) {
        throw new IllegalArgumentException(
            "the optimizer state of " + e.getKey() + " is " + s.mean().getShape() + " but the parameter is "
                + parameter.getArray().getShape());
      }
      restored.put(parameter.getId(), s);
    }
    byId.clear();
    byId.putAll(restored);
  }
}
