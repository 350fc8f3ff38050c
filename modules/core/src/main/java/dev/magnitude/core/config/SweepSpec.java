package dev.magnitude.core.config;

import dev.magnitude.core.run.Variant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grid of a sweep: every dataset × variant × seed is one run.
 *
 * @param id names the results folder {@code results/<id>}
 * @param evalSplit the split every run is scored on, in domain and out of domain
 * @param evaluateOn training dataset → the other datasets its runs are also scored on (out of domain), from
 *     {@code magnitude.sweep.evaluate-on}; a dataset without an entry is scored on its own eval split only.
 *     Validated by {@link Settings#sweep()}: keys are datasets of the sweep, values configured datasets of a
 *     task its runs can be scored on, none the key itself.
 */
public record SweepSpec(
    String id,
    List<String> datasets,
    List<Variant> variants,
    List<Long> seeds,
    String evalSplit,
    Map<String, List<String>> evaluateOn) {
  /** A sweep whose runs are scored in domain only. */
  public SweepSpec(String id, List<String> datasets, List<Variant> variants, List<Long> seeds, String evalSplit) {
    this(id, datasets, variants, seeds, evalSplit, Map.of());
  }

  public SweepSpec {
    datasets = List.copyOf(datasets);
    variants = List.copyOf(variants);
    seeds = List.copyOf(seeds);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    evaluateOn.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    evaluateOn = java.util.Collections.unmodifiableMap(copy);
  }

  /** The datasets runs trained on {@code dataset} are scored on besides their own, in configuration order. */
  public List<String> outOfDomain(String dataset) {
    return evaluateOn.getOrDefault(dataset, List.of());
  }
}
