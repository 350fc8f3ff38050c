package dev.magnitude.prepare.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.core.config.SyntheticSpec;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval.Document;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval.Generated;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval.Judgement;
import dev.magnitude.prepare.synthetic.SyntheticRetrieval.Query;
import dev.magnitude.prepare.tokenize.BuiltinTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticRetrievalTest {
  private static final SyntheticSpec SPEC = new SyntheticSpec(300, 10, 400, 50, 60, 42);
  private static final List<String> FILES =
      List.of("corpus.jsonl", "queries.jsonl", "qrels/train.tsv", "qrels/dev.tsv", "qrels/test.tsv");

  @TempDir Path tmp;

  @Test
  void equalSeedsGiveByteIdenticalFilesAndOtherSeedsDoNot() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    SyntheticRetrieval.writeBeir(SyntheticRetrieval.generate(SPEC), SyntheticRetrieval.SPLITS, SyntheticRetrieval.localFolder(a));
    SyntheticRetrieval.writeBeir(SyntheticRetrieval.generate(SPEC), SyntheticRetrieval.SPLITS, SyntheticRetrieval.localFolder(b));
    SyntheticSpec otherSeed = new SyntheticSpec(300, 10, 400, 50, 60, 43);
    SyntheticRetrieval.writeBeir(SyntheticRetrieval.generate(otherSeed), SyntheticRetrieval.SPLITS, SyntheticRetrieval.localFolder(c));
    for (String file : FILES) {
      assertThat(Files.readAllBytes(a.resolve(file))).as(file).isEqualTo(Files.readAllBytes(b.resolve(file)));
    }
    assertThat(Files.readString(a.resolve("corpus.jsonl"))).isNotEqualTo(Files.readString(c.resolve("corpus.jsonl")));
  }

  @Test
  void changingOneSplitSizeLeavesCorpusAndOtherSplitsUnchanged() {
    Generated base = SyntheticRetrieval.generate(SPEC);
    Generated moreDev = SyntheticRetrieval.generate(new SyntheticSpec(300, 10, 400, 80, 60, 42));
    assertThat(moreDev.documents()).isEqualTo(base.documents());
    assertThat(moreDev.qrels().get("train")).isEqualTo(base.qrels().get("train"));
  }

  @Test
  void filesHoldTheSpecifiedCountsInBeirFormat() throws IOException {
    Generated data = SyntheticRetrieval.generate(SPEC);
    SyntheticRetrieval.writeBeir(data, SyntheticRetrieval.SPLITS, SyntheticRetrieval.localFolder(tmp));

    List<String> corpus = Files.readAllLines(tmp.resolve("corpus.jsonl"));
    List<String> queries = Files.readAllLines(tmp.resolve("queries.jsonl"));
    assertThat(corpus).hasSize(300);
    assertThat(queries).hasSize(400 + 50 + 60);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(corpus.get(0));
    assertThat(first.get("_id").asText()).isEqualTo("d000");
    assertThat(first.get("title").asText()).isEqualTo(data.documents().get(0).title());
    assertThat(first.get("text").asText()).isEqualTo(data.documents().get(0).text());
    assertThat(json.readTree(queries.get(0)).get("_id").asText()).isEqualTo("q000");
    assertThat(json.readTree(queries.get(509)).get("_id").asText()).isEqualTo("q509");

    Map<String, Integer> sizes = Map.of("train", 400, "dev", 50, "test", 60);
    Set<String> judgedSomewhere = new HashSet<>();
    for (String split : SyntheticRetrieval.SPLITS) {
      List<String> lines = Files.readAllLines(tmp.resolve("qrels/" + split + ".tsv"));
      assertThat(lines.get(0)).isEqualTo("query-id\tcorpus-id\tscore");
      assertThat(lines).hasSize(1 + data.qrels().get(split).size());
      Map<String, Long> perQuery =
          data.qrels().get(split).stream().collect(Collectors.groupingBy(Judgement::queryId, Collectors.counting()));
      assertThat(perQuery).as(split).hasSize(sizes.get(split));
      assertThat(perQuery.values()).allMatch(n -> n >= 1 && n <= 3);
      assertThat(data.qrels().get(split)).allMatch(j -> j.relevance() == 1 || j.relevance() == 2);
      assertThat(data.qrels().get(split)).anyMatch(j -> j.relevance() == 2).anyMatch(j -> j.relevance() == 1);
      perQuery.keySet().forEach(q -> assertThat(judgedSomewhere.add(q)).as("query %s judged in one split", q).isTrue());
    }
    assertThat(data.documents()).anyMatch(d -> d.title().isEmpty()).anyMatch(d -> !d.title().isEmpty());
  }

  @Test
  void relevantDocumentsShareTopicAndWordsWithTheirQuery() {
    Generated data = SyntheticRetrieval.generate(SPEC);
    Map<String, Document> docs = data.documents().stream().collect(Collectors.toMap(Document::id, Function.identity()));
    Map<String, Query> queries = data.queries().stream().collect(Collectors.toMap(Query::id, Function.identity()));
    for (List<Judgement> split : data.qrels().values()) {
      for (Judgement j : split) {
        Document d = docs.get(j.docId());
        Query q = queries.get(j.queryId());
        assertThat(d.topic()).isEqualTo(q.topic());
        Set<String> docWords = new HashSet<>(BuiltinTokenizer.words(d.title() + " " + d.text()));
        assertThat(BuiltinTokenizer.words(q.text())).as("query %s vs %s", q.id(), d.id()).anyMatch(docWords::contains);
      }
    }
  }

  @Test
  void popularDocumentsAreRelevantToMoreQueriesAndCarryTheirMarkers() {
    Generated data = SyntheticRetrieval.generate(SPEC);
    Map<String, Integer> judged = new HashMap<>();
    data.qrels().values().forEach(js -> js.forEach(j -> judged.merge(j.docId(), 1, Integer::sum)));
    double[] meanJudgements = new double[3];
    double[] meanTopMarkers = new double[3];
    int[] docs = new int[3];
    Set<String> topMarkers = Set.copyOf(SyntheticRetrieval.TIER_MARKERS.get(2));
    for (Document d : data.documents()) {
      docs[d.tier()]++;
      meanJudgements[d.tier()] += judged.getOrDefault(d.id(), 0);
      meanTopMarkers[d.tier()] += BuiltinTokenizer.words(d.text()).stream().filter(topMarkers::contains).count();
    }
    for (int t = 0; t < 3; t++) {
      assertThat(docs[t]).as("documents of tier %s", t).isPositive();
      meanJudgements[t] /= docs[t];
      meanTopMarkers[t] /= docs[t];
    }
    // Relevance is drawn in proportion to weight 1 : 3 : 9 (times word overlap, drawn without replacement,
    // which flattens the ratio); a planted prior shows as a clear increase from tier to tier.
    assertThat(meanJudgements[1]).isGreaterThan(1.5 * meanJudgements[0]);
    assertThat(meanJudgements[2]).isGreaterThan(1.5 * meanJudgements[1]);
    // Tier 2 documents carry 3-4 markers, 85% from the tier-2 list; tier 0 only the 15% strays among 1-2.
    assertThat(meanTopMarkers[2]).isGreaterThan(2.5);
    assertThat(meanTopMarkers[0]).isLessThan(0.2);
  }

  @Test
  void writesOnlyTheRequestedSplits() throws IOException {
    Generated data = SyntheticRetrieval.generate(SPEC);
    SyntheticRetrieval.writeBeir(data, List.of("train", "test"), SyntheticRetrieval.localFolder(tmp));
    assertThat(tmp.resolve("qrels/dev.tsv")).doesNotExist();
    assertThat(Files.readAllLines(tmp.resolve("queries.jsonl"))).hasSize(400 + 60);
    assertThatThrownBy(() -> SyntheticRetrieval.writeBeir(data, List.of("validation"), SyntheticRetrieval.localFolder(tmp)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'validation'")
        .hasMessageContaining("train, dev, test");
  }
}
