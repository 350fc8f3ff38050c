package dev.magnitude.core.fewshot;

/**
 * What episodes to draw: N-way K-shot with Q queries per class, how many, from which seed.
 *
 * @param ways N ≥ 2 classes per episode
 * @param shots K ≥ 1 support items per class
 * @param queriesPerClass Q ≥ 1 query items per class
 * @param episodes how many episodes, ≥ 1
 * @param seed the sampler's seed (see {@link EpisodeSampler})
 */
public record EpisodeSpec(int ways, int shots, int queriesPerClass, int episodes, long seed) {
  /** The usual protocol's query count per class (Snell et al., Chen et al.). */
  public static final int DEFAULT_QUERIES_PER_CLASS = 15;
  /** The usual protocol's episode count: 600 episodes give a 95% interval of about ±1 point of accuracy. */
  public static final int DEFAULT_EPISODES = 600;
  /** The project's default seed. */
  public static final long DEFAULT_SEED = 20260209L;

  public EpisodeSpec {
    check(ways >= 2, "ways", ways, ">= 2 (one class is no classification)");
    check(shots >= 1, "shots", shots, ">= 1");
    check(queriesPerClass >= 1, "queries per class", queriesPerClass, ">= 1");
    check(episodes >= 1, "episodes", episodes, ">= 1");
  }

  private static void check(boolean ok, String name, int value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException("few-shot " + name + " = " + value + ": must be " + allowed);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** K + Q, the items a class needs to take part in an episode. */
  public int itemsPerClass() {
    return shots + queriesPerClass;
  }

  /** E.g. {@code 5-way 5-shot, 15 queries per class, 600 episodes, seed 20260209}. */
  public String describe() {
    return ways + "-way " + shots + "-shot, " + queriesPerClass + " queries per class, " + episodes + " episodes, seed " + seed;
  }

  /** {@code set*} is required, {@code opt*} optional; {@link #build} names what is missing. */
  public static final class Builder {
    private Integer ways;
    private Integer shots;
    private int queriesPerClass = DEFAULT_QUERIES_PER_CLASS;
    private int episodes = DEFAULT_EPISODES;
    private long seed = DEFAULT_SEED;

    private Builder() {}

    public Builder setWays(int ways) {
      this.ways = ways;
      return this;
    }

    public Builder setShots(int shots) {
      this.shots = shots;
      return this;
    }

    /** Default {@value #DEFAULT_QUERIES_PER_CLASS}. */
    public Builder optQueriesPerClass(int queriesPerClass) {
      this.queriesPerClass = queriesPerClass;
      return this;
    }

    /** Default {@value #DEFAULT_EPISODES}. */
    public Builder optEpisodes(int episodes) {
      this.episodes = episodes;
      return this;
    }

    /** Default {@value #DEFAULT_SEED}. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public EpisodeSpec build() {
      if (ways == null || shots == null) {
        throw new IllegalArgumentException("EpisodeSpec: " + (ways == null ? "setWays" : "setShots") + " is missing");
      }
      return new EpisodeSpec(ways, shots, queriesPerClass, episodes, seed);
    }
  }
}
