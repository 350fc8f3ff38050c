package dev.magnitude.samples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the three WordNet samples, {@code wordnet-retrieval} (BEIR), {@code wordnet-similarity} (STS-B) and
 * {@code wordnet-fewshot} (labelled JSONL), each with the WordNet 3.0 licence, into an output folder.
 *
 * <pre>WordNetSamples &lt;wordnet-dict-dir&gt; &lt;out-dir&gt; [seed]</pre>
 *
 * The dict folder needs data.noun and index.sense (Debian: wordnet-base and wordnet-sense-index,
 * /usr/share/wordnet). Equal inputs and seed give byte-identical files.
 */
public final class WordNetSamples {
  public static final long DEFAULT_SEED = 20260209L;
  static final int QUERIES = 2000;
  static final int MAX_SENSES = 3;
  static final int PAIRS = 2500;
  static final int FEW_SHOT_PER_CLASS = 200;

  private WordNetSamples() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || args.length > 3) {
      SampleFiles.usage("expected a WordNet dict folder and an output folder", "WordNetSamples <wordnet-dict-dir> <out-dir> [seed]");
      return;
    }
    long seed = args.length == 3 ? Long.parseLong(args[2]) : DEFAULT_SEED;
    Map<String, Integer> counts =
        write(WordNet.load(Path.of(args[0])), Path.of(args[1]), QUERIES, MAX_SENSES, PAIRS, FEW_SHOT_PER_CLASS, seed);
    counts.forEach((k, v) -> System.out.println(k + "\t" + v));
  }

  /** Writes the three samples; returns row counts by "sample/file" for the log. */
  static Map<String, Integer> write(WordNet wn, Path out, int queries, int maxSenses, int pairs, int fewShotPerClass, long seed)
      throws IOException {
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    String licence = SampleFiles.resource("wordnet-LICENSE");

    Path retrieval = out.resolve("wordnet-retrieval");
    WordNetRetrieval.Result r = WordNetRetrieval.generate(wn, queries, maxSenses, seed);
    WordNetRetrieval.write(r, retrieval);
    SampleFiles.writeString(retrieval.resolve("LICENSE"), licence);
    counts.put("wordnet-retrieval/corpus", r.corpus().size());
    counts.put("wordnet-retrieval/queries", r.queries().size());
    r.qrels().forEach((split, j) -> counts.put("wordnet-retrieval/qrels/" + split, j.size()));

    Path similarity = out.resolve("wordnet-similarity");
    List<WordNetSimilarity.Pair> p = WordNetSimilarity.generate(wn, pairs, seed);
    WordNetSimilarity.write(p, similarity);
    SampleFiles.writeString(similarity.resolve("LICENSE"), licence);
    counts.put("wordnet-similarity/pairs", p.size());

    Path fewShot = out.resolve("wordnet-fewshot");
    Map<String, List<WordNetFewShot.Item>> items = WordNetFewShot.generate(wn, fewShotPerClass, seed);
    WordNetFewShot.write(items, fewShot);
    SampleFiles.writeString(fewShot.resolve("LICENSE"), licence);
    items.forEach((split, rows) -> counts.put("wordnet-fewshot/" + split, rows.size()));
    return counts;
  }
}
