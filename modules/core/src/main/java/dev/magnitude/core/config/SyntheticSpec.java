package dev.magnitude.core.config;

/**
 * Size and seed of the generated synthetic retrieval dataset (format {@code synthetic}).
 *
 * @param documents corpus size
 * @param topics number of topics; each document belongs to one
 * @param trainQueries queries of the train split (each with its relevant documents)
 * @param devQueries queries of the dev split
 * @param testQueries queries of the test split
 * @param seed generator seed; equal seeds give byte-identical raw files
 */
public record SyntheticSpec(
    int documents, int topics, int trainQueries, int devQueries, int testQueries, long seed) {
  public SyntheticSpec {
    if (documents < 10) {
      throw new IllegalArgumentException("synthetic documents = " + documents + ": must be >= 10");
    }
    if (topics < 2 || topics > documents / 5) {
      throw new IllegalArgumentException(
          "synthetic topics = " + topics + ": must be between 2 and documents/5 = " + documents / 5);
    }
    if (trainQueries < 1 || devQueries < 1 || testQueries < 1) {
      throw new IllegalArgumentException("synthetic train/dev/test queries must each be >= 1");
    }
  }
}
