package dev.magnitude.prepare.synthetic;

import dev.magnitude.core.config.SyntheticSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded synthetic retrieval dataset with a planted document prior, written as a BEIR folder.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Words.</b> Every word is a pronounceable pseudo-word (consonant-vowel syllables, e.g.
 *       {@code lorabi}) drawn from the seed: {@value #FILLER_WORDS} filler words shared by all topics, and
 *       {@value #TOPIC_WORDS} words of its own for each topic. Within a pool, words follow a Zipf law (the
 *       r-th word has weight 1/(r+1)), so texts have realistic frequent and rare words.
 *   <li><b>Documents.</b> Each document has one topic (topics are balanced, assigned in shuffled order),
 *       a focus of {@value #FOCUS_WORDS} words of its topic, 24–48 words of text of which about a third are
 *       topic words (mostly from the focus), the rest filler, cut into capitalized sentences. 60% have a
 *       title of two focus words.
 *   <li><b>Popularity prior.</b> Each document has a popularity tier 0, 1, 2 with weights {@link
 *       #TIER_WEIGHTS} 1, 3, 9 and shares 70%, 22%, 8%. The tier is <em>visible</em> in the text: a
 *       document carries 1 + tier + (0 or 1) marker words ({@link #TIER_MARKERS}, e.g. "comprehensive",
 *       "reference", "guide" for tier 2), each from its own tier's list with probability 0.85 and from a
 *       random tier's list otherwise. A model can learn this noisy, visible signal into the document's
 *       embedding magnitude.
 *   <li><b>Queries.</b> A query picks a topic and 3–4 distinct words of it (Zipf-weighted), plus a
 *       filler word with probability 0.3, shuffled. Its relevant documents, 1–3 of them, are drawn without
 *       replacement from the documents of the topic that share at least one query word, with probability
 *       proportional to {@code tierWeight × overlap} (overlap = distinct query words in the document's
 *       title and text). Grade 2 when the document holds all of the query's topic words, else 1.
 *       So a model that matches topic words beats random ranking by far, and a model that also learns the
 *       prior into document magnitude ranks better still.
 *   <li><b>Splits.</b> {@code train}, {@code dev} and {@code test} query sets over the one corpus, sizes
 *       from {@link SyntheticSpec}; each query is judged in exactly one split.
 * </ul>
 *
 * <p>Determinism: topics, documents and each split's queries draw from their own {@link SplittableRandom}
 * streams derived from the seed (so, e.g., changing the number of dev queries leaves the corpus and the
 * train queries unchanged), and files are written with '\n' line ends in UTF-8: equal specs give
 * byte-identical files.
 *
 * <p>Ids: documents {@code d0000..}, queries {@code q0000..} numbered across train, dev, test in that
 * order, zero-padded so that string order is numeric order.
 */
public final class SyntheticRetrieval {
  public static final List<String> SPLITS = List.of("train", "dev", "test");
  /** Popularity weight of each tier (index = tier). */
  public static final List<Integer> TIER_WEIGHTS = List.of(1, 3, 9);
  /** Share of the documents in each tier. */
  static final double[] TIER_SHARES = {0.70, 0.22, 0.08};
  /** The marker words that make each tier visible in the text. */
  public static final List<List<String>> TIER_MARKERS =
      List.of(
          List.of("note", "draft", "memo", "snippet"),
          List.of("article", "overview", "summary", "explainer"),
          List.of("comprehensive", "reference", "guide", "handbook", "authoritative"));

  static final int FILLER_WORDS = 240;
  static final int TOPIC_WORDS = 16;
  static final int FOCUS_WORDS = 5;
  private static final double MARKER_FROM_OWN_TIER = 0.85;
  private static final double TOPIC_WORD_SHARE = 0.35;
  private static final double FOCUS_SHARE = 0.7;
  private static final double TITLE_SHARE = 0.6;
  private static final double QUERY_FILLER = 0.3;
  private static final int MAX_QUERY_ATTEMPTS = 1000;

  private static final String CONSONANTS = "bdfgklmnprstvz";
  private static final String VOWELS = "aeiou";
  private static final String CODAS = "nrsl";

  // Stream ids of the random number generators derived from the seed.
  private static final long WORDS_STREAM = 1;
  private static final long DOCUMENTS_STREAM = 2;
  private static final long QUERIES_STREAM = 100;

  private SyntheticRetrieval() {}

  /** A generated document. {@code tier} indexes {@link #TIER_WEIGHTS}. */
  public record Document(String id, int topic, int tier, String title, String text) {}

  /** A generated query of one split. */
  public record Query(String id, String split, int topic, String text) {}

  /** A graded judgement: relevance 1 or 2. */
  public record Judgement(String queryId, String docId, int relevance) {}

  /**
   * The whole dataset in memory.
   *
   * @param qrels judgements per split, in split order {@link #SPLITS}; within a split by query, then by draw
   */
  public record Generated(
      List<String> fillerWords,
      List<List<String>> topicWords,
      List<Document> documents,
      List<Query> queries,
      Map<String, List<Judgement>> qrels) {}

  /** Opens a new file of the BEIR folder for writing, by path relative to the folder ("qrels/test.tsv"). */
  @FunctionalInterface
  public interface FileSink {
    OutputStream create(String relativePath) throws IOException;
  }

  /** Generates the dataset; a pure function of {@code spec}. */
  public static Generated generate(SyntheticSpec spec) {
    SplittableRandom wordRng = stream(spec.seed(), WORDS_STREAM);
    Set<String> taken = new HashSet<>();
    TIER_MARKERS.forEach(taken::addAll);
    List<String> fillers = pseudoWords(wordRng, FILLER_WORDS, taken);
    List<List<String>> topicWords = new ArrayList<>();
    for (int t = 0; t < spec.topics(); t++) {
      topicWords.add(pseudoWords(wordRng, TOPIC_WORDS, taken));
    }

    List<Draft> drafts = documents(spec, fillers, topicWords);
    List<List<Draft>> byTopic = new ArrayList<>();
    for (int t = 0; t < spec.topics(); t++) {
      byTopic.add(new ArrayList<>());
    }
    drafts.forEach(d -> byTopic.get(d.document.topic()).add(d));

    int[] sizes = {spec.trainQueries(), spec.devQueries(), spec.testQueries()};
    int total = sizes[0] + sizes[1] + sizes[2];
    int width = digits(total - 1);
    List<Query> queries = new ArrayList<>(total);
    Map<String, List<Judgement>> qrels = new LinkedHashMap<>();
    int next = 0;
    for (int s = 0; s < SPLITS.size(); s++) {
      String split = SPLITS.get(s);
      SplittableRandom rng = stream(spec.seed(), QUERIES_STREAM + s);
      List<Judgement> judgements = new ArrayList<>();
      for (int i = 0; i < sizes[s]; i++) {
        String id = "q" + pad(next++, width);
        queries.add(query(rng, id, split, fillers, topicWords, byTopic, judgements));
      }
      qrels.put(split, List.copyOf(judgements));
    }
    List<Document> documents = drafts.stream().map(d -> d.document).toList();
    return new Generated(fillers, List.copyOf(topicWords), documents, List.copyOf(queries), qrels);
  }

  /**
   * Writes the BEIR folder: corpus.jsonl, queries.jsonl (the queries of {@code splits} only) and
   * qrels/&lt;split&gt;.tsv for each of {@code splits}, a subset of {@link #SPLITS}.
   */
  public static void writeBeir(Generated data, Collection<String> splits, FileSink sink) throws IOException {
    for (String split : splits) {
      if (!SPLITS.contains(split)) {
        throw new IllegalArgumentException(
            "synthetic split '" + split + "' does not exist; the generator makes " + String.join(", ", SPLITS));
      }
    }
    try (Writer w = writer(sink, "corpus.jsonl")) {
      for (Document d : data.documents()) {
        w.write("{\"_id\":" + quote(d.id()) + ",\"title\":" + quote(d.title()) + ",\"text\":" + quote(d.text()) + "}\n");
      }
    }
    try (Writer w = writer(sink, "queries.jsonl")) {
      for (Query q : data.queries()) {
        if (splits.contains(q.split())) {
          w.write("{\"_id\":" + quote(q.id()) + ",\"text\":" + quote(q.text()) + "}\n");
        }
      }
    }
    for (String split : splits) {
      try (Writer w = writer(sink, "qrels/" + split + ".tsv")) {
        w.write("query-id\tcorpus-id\tscore\n");
        for (Judgement j : data.qrels().get(split)) {
          w.write(j.queryId() + "\t" + j.docId() + "\t" + j.relevance() + "\n");
        }
      }
    }
  }

  /** A sink writing into a local folder (for tests and tools; the prepare job writes through Hadoop). */
  public static FileSink localFolder(java.nio.file.Path folder) {
    return relative -> {
      java.nio.file.Path file = folder.resolve(relative);
      Files.createDirectories(file.getParent());
      return Files.newOutputStream(file);
    };
  }

  // ---------------------------------------------------------------------------------------------------

  /** A document with the set of words the query overlap is computed on. */
  private record Draft(Document document, Set<String> words) {}

  private static List<Draft> documents(SyntheticSpec spec, List<String> fillers, List<List<String>> topicWords) {
    SplittableRandom rng = stream(spec.seed(), DOCUMENTS_STREAM);
    int n = spec.documents();
    int[] topics = new int[n];
    for (int i = 0; i < n; i++) {
      topics[i] = i % spec.topics();
    }
    shuffle(rng, topics);
    int width = digits(n - 1);
    List<Draft> drafts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      drafts.add(document(rng, "d" + pad(i, width), topics[i], fillers, topicWords.get(topics[i])));
    }
    return drafts;
  }

  private static Draft document(
      SplittableRandom rng, String id, int topic, List<String> fillers, List<String> topicWords) {
    int tier = pick(rng, TIER_SHARES);
    List<String> focus = distinctZipf(rng, topicWords, FOCUS_WORDS);
    int length = 24 + rng.nextInt(25);
    int markers = 1 + tier + rng.nextInt(2);
    int topical = (int) Math.round(TOPIC_WORD_SHARE * length);
    List<String> tokens = new ArrayList<>(length);
    for (int i = 0; i < topical; i++) {
      tokens.add(rng.nextDouble() < FOCUS_SHARE ? focus.get(rng.nextInt(focus.size())) : zipf(rng, topicWords));
    }
    for (int i = 0; i < markers; i++) {
      int markerTier = rng.nextDouble() < MARKER_FROM_OWN_TIER ? tier : rng.nextInt(TIER_MARKERS.size());
      List<String> list = TIER_MARKERS.get(markerTier);
      tokens.add(list.get(rng.nextInt(list.size())));
    }
    while (tokens.size() < length) {
      tokens.add(zipf(rng, fillers));
    }
    shuffle(rng, tokens);

    String title = "";
    Set<String> words = new HashSet<>(tokens);
    if (rng.nextDouble() < TITLE_SHARE) {
      List<String> titleWords = distinctUniform(rng, focus, 2);
      title = capitalize(titleWords.get(0)) + " " + capitalize(titleWords.get(1));
      words.addAll(titleWords);
    }
    return new Draft(new Document(id, topic, tier, title, sentences(rng, tokens)), words);
  }

  private static Query query(
      SplittableRandom rng,
      String id,
      String split,
      List<String> fillers,
      List<List<String>> topicWords,
      List<List<Draft>> byTopic,
      List<Judgement> judgements) {
    for (int attempt = 0; attempt < MAX_QUERY_ATTEMPTS; attempt++) {
      int topic = rng.nextInt(topicWords.size());
      List<String> words = distinctZipf(rng, topicWords.get(topic), 3 + rng.nextInt(2));
      List<Draft> candidates = new ArrayList<>();
      List<Integer> overlaps = new ArrayList<>();
      for (Draft d : byTopic.get(topic)) {
        int overlap = (int) words.stream().filter(d.words::contains).count();
        if (overlap > 0) {
          candidates.add(d);
          overlaps.add(overlap);
        }
      }
      if (candidates.isEmpty()) {
        continue;
      }
      int relevant = Math.min(1 + rng.nextInt(3), candidates.size());
      double[] weights = new double[candidates.size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = TIER_WEIGHTS.get(candidates.get(i).document.tier()) * (double) overlaps.get(i);
      }
      for (int r = 0; r < relevant; r++) {
        int chosen = pick(rng, weights);
        weights[chosen] = 0;
        int grade = overlaps.get(chosen) == words.size() ? 2 : 1;
        judgements.add(new Judgement(id, candidates.get(chosen).document.id(), grade));
      }
      List<String> text = new ArrayList<>(words);
      if (rng.nextDouble() < QUERY_FILLER) {
        text.add(zipf(rng, fillers));
      }
      shuffle(rng, text);
      return new Query(id, split, topic, String.join(" ", text));
    }
    // A draw is retried when no document of its topic holds any of its words, which is rare (a topic has
    // at least 5 documents of 8+ topic words each); a bound keeps a pathological case from looping.
    throw new IllegalStateException("synthetic query " + id + ": no topic has documents sharing its words");
  }

  private static List<String> pseudoWords(SplittableRandom rng, int count, Set<String> taken) {
    Set<String> words = new LinkedHashSet<>();
    while (words.size() < count) {
      StringBuilder w = new StringBuilder();
      int syllables = 2 + rng.nextInt(2);
      for (int s = 0; s < syllables; s++) {
        w.append(CONSONANTS.charAt(rng.nextInt(CONSONANTS.length())));
        w.append(VOWELS.charAt(rng.nextInt(VOWELS.length())));
      }
      if (rng.nextDouble() < 0.3) {
        w.append(CODAS.charAt(rng.nextInt(CODAS.length())));
      }
      String word = w.toString();
      if (taken.add(word)) {
        words.add(word);
      }
    }
    return List.copyOf(words);
  }

  /** Cuts tokens into sentences of 6–12 words: first word capitalized, ending with a period. */
  private static String sentences(SplittableRandom rng, List<String> tokens) {
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < tokens.size()) {
      int end = Math.min(tokens.size(), i + 6 + rng.nextInt(7));
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(capitalize(tokens.get(i)));
      for (int k = i + 1; k < end; k++) {
        text.append(' ').append(tokens.get(k));
      }
      text.append('.');
      i = end;
    }
    return text.toString();
  }

  /** Zipf-weighted draw: the r-th word has weight 1/(r+1). */
  private static String zipf(SplittableRandom rng, List<String> words) {
    double total = 0;
    for (int r = 0; r < words.size(); r++) {
      total += 1.0 / (r + 1);
    }
    double u = rng.nextDouble() * total;
    for (int r = 0; r < words.size(); r++) {
      u -= 1.0 / (r + 1);
      if (u < 0) {
        return words.get(r);
      }
    }
    return words.get(words.size() - 1);
  }

  private static List<String> distinctZipf(SplittableRandom rng, List<String> words, int count) {
    double[] weights = new double[words.size()];
    for (int r = 0; r < weights.length; r++) {
      weights[r] = 1.0 / (r + 1);
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int chosen = pick(rng, weights);
      weights[chosen] = 0;
      out.add(words.get(chosen));
    }
    return out;
  }

  private static List<String> distinctUniform(SplittableRandom rng, List<String> words, int count) {
    List<String> copy = new ArrayList<>(words);
    shuffle(rng, copy);
    return copy.subList(0, count);
  }

  /** Index drawn with probability proportional to {@code weights} (at least one must be positive). */
  private static int pick(SplittableRandom rng, double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double u = rng.nextDouble() * total;
    int last = -1;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        last = i;
        u -= weights[i];
        if (u < 0) {
          return i;
        }
      }
    }
    return last;
  }

  private static void shuffle(SplittableRandom rng, int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static <T> void shuffle(SplittableRandom rng, List<T> a) {
    for (int i = a.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      a.set(j, a.set(i, a.get(j)));
    }
  }

  private static SplittableRandom stream(long seed, long stream) {
    // Distinct, well-mixed seeds per stream (golden-ratio increment, as SplittableRandom itself uses).
    return new SplittableRandom(seed + stream * 0x9E3779B97F4A7C15L);
  }

  private static String capitalize(String word) {
    return word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
  }

  private static int digits(int maxValue) {
    return Math.max(1, String.valueOf(maxValue).length());
  }

  private static String pad(int value, int width) {
    String s = Integer.toString(value);
    return "0".repeat(width - s.length()) + s;
  }

  private static Writer writer(FileSink sink, String relative) throws IOException {
    return new BufferedWriter(new OutputStreamWriter(sink.create(relative), StandardCharsets.UTF_8));
  }

  /** A JSON string literal. Generated text is ASCII letters, spaces and periods; escaped anyway. */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
