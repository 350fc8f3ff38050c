package dev.magnitude.worker.train;

import dev.magnitude.worker.data.TrainingPairs.Pair;
import dev.magnitude.worker.data.TrainingPairs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Cuts the training pairs into batches: each epoch is a permutation of all pairs drawn with a
 * {@link Random} seeded by (run seed, epoch), cut into ⌊P / B⌋ batches of B pairs (the remainder of an
 * epoch is left out, so no batch mixes epochs or holds a pair twice). Steps wrap around epochs.
 *
 * <p>With hard negatives (N per query, {@code magnitude.train.hard-negatives}), each query of the batch,
 * in batch order, adds up to N of its judged non-relevant documents ({@link TrainingPairs#hardNegatives})
 * as extra columns: its candidates in an order shuffled by a generator seeded from (seed, step, row),
 * skipping a document already among the batch's positives (it is a column already) or extras (one column
 * per document), until N are taken or the candidates run out. A query without any adds none. The
 * positives do not depend on N.
 *
 * <p>The batch of a step is a pure function of (seed, step): a run resumed at step s sees the batches
 * an uninterrupted run would have seen.
 */
public final class BatchSampler {
  private final TrainingPairs pairs;
  private final int batchSize;
  private final long seed;
  private final int hardNegatives;
  private final int batchesPerEpoch;
  private int cachedEpoch = -1;
  private List<Integer> cachedOrder;

  /** A sampler without hard negatives. */
  public BatchSampler(TrainingPairs pairs, int batchSize, long seed) {
    this(pairs, batchSize, seed, 0);
  }

  /**
   * @param hardNegatives extra documents per query, at most (0 = none)
   * @throws IllegalArgumentException if there are fewer pairs than one batch, or hardNegatives &lt; 0
   */
  public BatchSampler(TrainingPairs pairs, int batchSize, long seed, int hardNegatives) {
    if (hardNegatives < 0) {
      throw new IllegalArgumentException("hard-negatives = " + hardNegatives + ": must be >= 0 (0 = off)");
    }
    if (pairs.size() < batchSize) {
      throw new IllegalArgumentException(
          "the training split has " + pairs.size() + " relevant pairs, fewer than batch-size = " + batchSize
              + "; lower batch-size or train on a larger split");
    }
    this.pairs = pairs;
    this.batchSize = batchSize;
    this.seed = seed;
    this.hardNegatives = hardNegatives;
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
    return Batch.of(pairs, chosen, hardNegatives == 0 ? List.of() : extras(chosen, step));
  }

  /** The extra columns of a step's batch, see the class comment. */
  private List<Integer> extras(List<Pair> chosen, int step) {
    Set<Integer> taken = new HashSet<>();
    chosen.forEach(p -> taken.add(p.document()));
    List<Integer> extra = new ArrayList<>();
    long stepSeed = mix(mix(seed * 0xC2B2AE3D27D4EB4FL + step) + 0x165667B19E3779F9L);
    for (int row = 0; row < chosen.size(); row++) {
      int[] candidates = pairs.hardNegatives(chosen.get(row).query());
      if (candidates.length == 0) {
        continue;
      }
      int[] order = candidates.clone();
      SplittableRandom random = new SplittableRandom(mix(stepSeed + row));
      int added = 0;
      // Fisher–Yates, drawing position k from the not yet drawn rest, stopping once N are taken.
      for (int k = 0; k < order.length && added < hardNegatives; k++) {
        int pick = k + random.nextInt(order.length - k);
        int document = order[pick];
        order[pick] = order[k];
        order[k] = document;
        if (taken.add(document)) {
          extra.add(document);
          added++;
        }
      }
    }
    return extra;
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
