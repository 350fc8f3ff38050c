package dev.magnitude.core.metrics;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects the k best documents of one query under {@link ScoredDoc#RANKING_ORDER} (score descending,
 * ties by docId descending, NaN scores last).
 *
 * <p>A bounded heap whose root is the worst document kept: {@link #offer} costs O(log k), so n offers
 * cost O(n log k). Collect per shard, then {@link #merge} the shards' collectors (the shape of
 * Lucene's {@code TopDocs.merge}); because the order is total, the merged result equals the result of
 * one collector over all documents.
 *
 * <p>Document ids are not de-duplicated: offer each document once (shards partition the corpus).
 * Serializable, so a collector can travel between Spark tasks. Not thread-safe.
 */
public final class TopK implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final int INITIAL_CAPACITY = 16;

  private final int k;
  private ScoredDoc[] heap;
  private int size;

  /** @param k how many documents to keep; must be > 0 */
  public TopK(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException(
          "k must be > 0, got " + k + "; pass the number of documents to keep per query (e.g. 100)");
    }
    this.k = k;
    this.heap = new ScoredDoc[Math.min(k, INITIAL_CAPACITY)];
  }

  public int k() {
    return k;
  }

  /** Number of documents kept so far: min(k, documents offered). */
  public int size() {
    return size;
  }

  /** Offers one document; it is kept if fewer than k are kept or it ranks before the worst one kept. */
  public void offer(String docId, double score) {
    if (docId == null) {
      throw new NullPointerException("docId must not be null; every scored document needs an id");
    }
    if (size < k) {
      add(new ScoredDoc(docId, score));
    } else if (ScoredDoc.compareRanking(score, docId, heap[0].score(), heap[0].docId()) < 0) {
      heap[0] = new ScoredDoc(docId, score);
      siftDown(0);
    }
  }

  /**
   * The score a document must reach to have a chance of being kept: the worst kept score once k are
   * kept, else {@code -Infinity}; also {@code -Infinity} when the worst kept score is NaN (every number
   * ranks before NaN). A document whose score is <em>below</em> the threshold is certainly rejected by
   * {@link #offer}; one at the threshold may still enter through the tie rule. Lets a caller skip the
   * exact scoring of documents whose score is bounded below it (the exhaustive scorer's float pre-pass).
   */
  public double threshold() {
    if (size < k) {
      return Double.NEGATIVE_INFINITY;
    }
    double worst = heap[0].score();
    return Double.isNaN(worst) ? Double.NEGATIVE_INFINITY : worst;
  }

  /**
   * Offers every document kept by {@code other} to this collector and returns this. The result keeps
   * this collector's k. {@code other} is not modified.
   */
  public TopK merge(TopK other) {
    if (other == this) {
      throw new IllegalArgumentException(
          "cannot merge a TopK with itself: every document would be counted twice; merge another shard's TopK");
    }
    for (int i = 0; i < other.size; i++) {
      offer(other.heap[i].docId(), other.heap[i].score());
    }
    return this;
  }

  /**
   * The i-th kept document (0 ≤ i &lt; {@link #size}) in no particular order: for handing the kept
   * documents to another collector without sorting them (the exhaustive scorer's shard results).
   */
  public ScoredDoc get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("kept document " + i + " of " + size);
    }
    return heap[i];
  }

  /** The kept documents, best first under {@link ScoredDoc#RANKING_ORDER}; a new list each call. */
  public List<ScoredDoc> result() {
    ScoredDoc[] sorted = Arrays.copyOf(heap, size);
    Arrays.sort(sorted, ScoredDoc.RANKING_ORDER);
    return new ArrayList<>(Arrays.asList(sorted));
  }

  private void add(ScoredDoc doc) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, (int) Math.min(k, 2L * heap.length));
    }
    heap[size] = doc;
    siftUp(size++);
  }

  /** Heap invariant: a parent ranks after (is worse than) its children, so the root is the worst. */
  private static boolean worse(ScoredDoc a, ScoredDoc b) {
    return ScoredDoc.RANKING_ORDER.compare(a, b) > 0;
  }

  private void siftUp(int index) {
    ScoredDoc doc = heap[index];
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      if (!worse(doc, heap[parent])) {
        break;
      }
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = doc;
  }

  private void siftDown(int index) {
    ScoredDoc doc = heap[index];
    int half = size >>> 1;
    while (index < half) {
      int child = 2 * index + 1;
      int right = child + 1;
      if (right < size && worse(heap[right], heap[child])) {
        child = right;
      }
      if (!worse(heap[child], doc)) {
        break;
      }
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = doc;
  }
}
