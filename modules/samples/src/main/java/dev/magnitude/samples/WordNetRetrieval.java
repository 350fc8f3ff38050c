package dev.magnitude.samples;

import dev.magnitude.samples.WordNet.Sense;
import dev.magnitude.samples.WordNet.Synset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An asymmetric retrieval set from WordNet nouns, in BEIR layout: definitions look for lemma entries.
 *
 * <ul>
 *   <li><b>Queries</b> ({@code q<offset>}): the definition of a noun synset (its gloss without the usage
 *       examples), e.g. "a member of the genus Canis ... since prehistoric times; occurs in many breeds".
 *       Candidates are the synsets with a tag count of at least 1 (sum over their words in index.sense) and
 *       a definition of at least three words; a seeded shuffle picks {@code queries} of them.
 *   <li><b>Documents</b> (id = the lemma, e.g. {@code dog}): one dictionary-style entry per lemma of a
 *       picked synset, describing the lemma's first {@code maxSenses} noun senses (most frequent first) by
 *       synonyms, hypernyms ("a kind of"), a few hyponyms ("such as") and the first usage example. No
 *       definition appears in any document, so a query never occurs verbatim in its documents.
 *   <li><b>Relevance</b>: a synset's query judges the entries of its words whose covered senses include
 *       the synset. Grade 2 for the word with the highest tag count in that synset (first in WordNet
 *       order on ties), grade 1 for its other words. Frequent lemmas thus get grade 2 more often, are
 *       relevant to more queries (one per covered frequent sense) and have longer entries: relevance
 *       correlates with a visible document prominence, the prior the paper finds in document magnitude.
 *       A query none of whose words covers it is dropped.
 *   <li><b>Splits</b>: a query's split is {@link SampleFiles#splitOf} of its id; one corpus for all.
 * </ul>
 */
final class WordNetRetrieval {
  static final int MIN_DEFINITION_WORDS = 3;
  static final int MAX_SYNONYMS = 4;
  static final int MAX_HYPONYMS = 3;

  record Document(String id, String title, String text) {}

  record Query(String id, String text) {}

  record Judgement(String queryId, String docId, int grade) {}

  record Result(List<Document> corpus, List<Query> queries, Map<String, List<Judgement>> qrels) {}

  private WordNetRetrieval() {}

  /** Synsets eligible as queries (and, in the similarity set, as pair members), by offset ascending. */
  static List<Synset> candidates(WordNet wn) {
    List<Synset> out = new ArrayList<>();
    for (Synset s : wn.synsets().values()) {
      if (wn.tagCount(s) >= 1 && s.definition().split("\\s+").length >= MIN_DEFINITION_WORDS) {
        out.add(s);
      }
    }
    return out;
  }

  static Result generate(WordNet wn, int queries, int maxSenses, long seed) {
    List<Synset> picked = new ArrayList<>(candidates(wn));
    Collections.shuffle(picked, new Random(seed));
    picked = new ArrayList<>(picked.subList(0, Math.min(queries, picked.size())));
    picked.sort((x, y) -> x.offset().compareTo(y.offset()));

    TreeSet<String> lemmas = new TreeSet<>();
    for (Synset s : picked) {
      s.words().forEach(w -> lemmas.add(WordNet.lemma(w)));
    }
    Map<String, List<Sense>> covered = new TreeMap<>();
    List<Document> corpus = new ArrayList<>();
    for (String lemma : lemmas) {
      List<Sense> senses = wn.senses(lemma);
      if (senses.isEmpty()) {
        continue; // a word form index.sense does not list; no entry can describe it
      }
      List<Sense> first = senses.subList(0, Math.min(maxSenses, senses.size()));
      covered.put(lemma, first);
      corpus.add(entry(wn, lemma, first));
    }

    List<Query> queryRows = new ArrayList<>();
    Map<String, List<Judgement>> qrels = new LinkedHashMap<>();
    SampleFiles.SPLITS.forEach(split -> qrels.put(split, new ArrayList<>()));
    for (Synset s : picked) {
      String qid = "q" + s.offset();
      List<Judgement> judged = new ArrayList<>();
      for (Map.Entry<String, Integer> g : grades(wn, s).entrySet()) {
        List<Sense> senses = covered.getOrDefault(g.getKey(), List.of());
        if (senses.stream().anyMatch(x -> x.offset().equals(s.offset()))) {
          judged.add(new Judgement(qid, g.getKey(), g.getValue()));
        }
      }
      if (!judged.isEmpty()) {
        queryRows.add(new Query(qid, s.definition()));
        qrels.get(SampleFiles.splitOf(qid)).addAll(judged);
      }
    }
    return new Result(corpus, queryRows, qrels);
  }

  /**
   * Grade of each lemma of a synset, in WordNet word order: 2 for the word with the highest tag count in
   * this synset (the first such word on ties), 1 for the others.
   */
  static Map<String, Integer> grades(WordNet wn, Synset s) {
    String best = null;
    int bestCount = -1;
    for (String w : s.words()) {
      int c = wn.tagCount(w, s.offset());
      if (c > bestCount) {
        bestCount = c;
        best = WordNet.lemma(w);
      }
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String w : s.words()) {
      String l = WordNet.lemma(w);
      out.putIfAbsent(l, l.equals(best) ? 2 : 1);
    }
    return out;
  }

  /** The dictionary entry of a lemma over its covered senses; never contains a definition. */
  static Document entry(WordNet wn, String lemma, List<Sense> senses) {
    String title = WordNet.display(wordAsWritten(wn.synset(senses.get(0).offset()), lemma));
    StringBuilder text = new StringBuilder(title).append(':');
    int n = 1;
    for (Sense sense : senses) {
      Synset s = wn.synset(sense.offset());
      List<String> parts = new ArrayList<>();
      List<String> synonyms =
          s.words().stream().filter(w -> !WordNet.lemma(w).equals(lemma)).limit(MAX_SYNONYMS).map(WordNet::display).toList();
      if (!synonyms.isEmpty()) {
        parts.add("also " + String.join(", ", synonyms));
      }
      List<String> kindOf = s.hypernyms().stream().map(h -> WordNet.display(wn.synset(h).head())).toList();
      if (!kindOf.isEmpty()) {
        parts.add("a kind of " + String.join(", ", kindOf));
      }
      List<String> suchAs =
          wn.hyponyms(s.offset()).stream().limit(MAX_HYPONYMS).map(h -> WordNet.display(wn.synset(h).head())).toList();
      if (!suchAs.isEmpty()) {
        parts.add("such as " + String.join(", ", suchAs));
      }
      if (!s.examples().isEmpty()) {
        parts.add("as in \"" + s.examples().get(0) + "\"");
      }
      if (parts.isEmpty()) {
        parts.add("a noun");
      }
      text.append(senses.size() > 1 ? " " + n++ + ". " : " ").append(String.join("; ", parts)).append('.');
    }
    return new Document(lemma, title, text.toString());
  }

  private static String wordAsWritten(Synset s, String lemma) {
    return s.words().stream().filter(w -> WordNet.lemma(w).equals(lemma)).findFirst().orElse(lemma);
  }

  /** Writes corpus.jsonl, queries.jsonl and qrels/{train,dev,test}.tsv into {@code dir}. */
  static void write(Result r, Path dir) throws IOException {
    List<String> corpus = new ArrayList<>();
    for (Document d : r.corpus()) {
      corpus.add(SampleFiles.jsonObject("_id", d.id(), "title", d.title(), "text", d.text()));
    }
    SampleFiles.writeLines(dir.resolve("corpus.jsonl"), corpus);
    List<String> queries = new ArrayList<>();
    for (Query q : r.queries()) {
      queries.add(SampleFiles.jsonObject("_id", q.id(), "text", q.text()));
    }
    SampleFiles.writeLines(dir.resolve("queries.jsonl"), queries);
    for (Map.Entry<String, List<Judgement>> e : r.qrels().entrySet()) {
      List<String> lines = new ArrayList<>();
      lines.add("query-id\tcorpus-id\tscore");
      e.getValue().forEach(j -> lines.add(j.queryId() + "\t" + j.docId() + "\t" + j.grade()));
      SampleFiles.writeLines(dir.resolve("qrels").resolve(e.getKey() + ".tsv"), lines);
    }
  }
}
