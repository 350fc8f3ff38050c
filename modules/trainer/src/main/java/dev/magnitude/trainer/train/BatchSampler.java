package dev.magnitude.trainer.train;

import dev.magnitude.trainer.data.TrainingPairs;
import dev.magnitude.trainer.data.TrainingPairs.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Cuts the training pairs into batches: each epoch is a permutation of all pairs drawn with a
 * {@link Random} seeded by (run seed, epoch), cut into ⌊P / B⌋ batches of B pairs (the remainder of an
 * epoch is left out, so no batch mixes epochs or holds a pair twice). Steps wrap around epochs.
 *
 * <p>The batch of a step is a pure function of (seed, step): a run resumed at step s sees the batches
 * an uninterrupted run would have seen.
 */
public final class BatchSampler {
  private final TrainingPairs pairs;
  private final int batchSize;
  private final long seed;
  private final int batchesPerEpoch;
  private int cachedEpoch = -1;
  private List<Integer> cachedOrder;

  /** @throws IllegalArgumentException if there are fewer pairs than one batch */
  public BatchSampler(TrainingPairs pairs, int batchSize, long seed) {
    if (pairs.size() < batchSize) {
      throw new IllegalArgumentException(
          "the training split has " + pairs.size() + " relevant pairs, fewer than batch-size = " + batchSize
              + "; lower batch-size or train on a larger split");
    }
    this.pairs = pairs;
    this.batchSize = batchSize;
    this.seed = seed;
    this.batchesPerEpoch = pairs.size() / batchSize;
  }

  public int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /**
   * The batch of a step.
   *
   * @param step 1-based optimizer step
   */
  public Batch batch(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("step = " + step + ": steps count from 1");
    }
    int epoch = (step - 1) / batchesPerEpoch;
    int first = ((step - 1) % batchesPerEpoch) * batchSize;
    List<Integer> order = order(epoch);
    List<Pair> chosen = new ArrayList<>(batchSize);
    for (int i = 0; i < batchSize; i++) {
      chosen.add(pairs.pair(order.get(first + i)));
    }
    return Batch.of(pairs, chosen);
  }

  private List<Integer> order(int epoch) {
    if (epoch != cachedEpoch) {
      List<Integer> order = new ArrayList<>(pairs.size());
      for (int i = 0; i < pairs.size(); i++) {
        order.add(i);
      }
      // SplitMix-style mixing: neighbouring (seed, epoch) give unrelated permutations.
      Collections.shuffle(order, new Random(mix(seed * 0x9E3779B97F4A7C15L + epoch)));
      cachedOrder = order;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
