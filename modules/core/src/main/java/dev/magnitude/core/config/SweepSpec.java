package dev.magnitude.core.config;

import dev.magnitude.core.run.Variant;
import java.util.List;

/**
 * The grid of a sweep: every dataset × variant × seed is one run.
 *
 * @param id names the results folder {@code results/<id>}
 * @param evalSplit the split every run is scored on
 */
public record SweepSpec(String id, List<String> datasets, List<Variant> variants, List<Long> seeds, String evalSplit) {
  public SweepSpec {
    datasets = List.copyOf(datasets);
    variants = List.copyOf(variants);
    seeds = List.copyOf(seeds);
  }
}
