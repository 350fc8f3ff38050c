package dev.magnitude.jobs.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.config.SignificanceSettings;
import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.jobs.score.Scoring;
import dev.magnitude.jobs.support.JobError;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The comparisons and verdicts tables and the HTML report, without Spark, on observations worked out by
 * hand.
 *
 * <p>Table A (retrieval toy/test, in domain), three queries:
 *
 * <pre>
 *              q1   q2   q3   per-seed mean
 * cosine s1    .5   .7   .9   .7
 * cosine s2    .7   .7   .5   .6333…
 * query-norm   .6   .6   .6   .6         (one seed)
 * dot s1       .2   .4   .3   .3
 * dot s2       .4   .2   .3   .3
 * </pre>
 *
 * Per-query means over seeds: cosine (.6, .7, .7), query-norm (.6, .6, .6), dot (.3, .3, .3). Exact tests
 * (2^3 = 8 sign vectors ≤ permutations): cosine − query-norm = (0, .1, .1), observed |Σ| = .2, reached by the
 * 4 vectors that give both .1 the same sign → p = 4/8 = .5; cosine − dot = (.3, .4, .4) and query-norm − dot =
 * (.3, .3, .3): only all-plus and all-minus reach the observed sum → p = 2/8 = .25. Holm (m = 3): sorted .25,
 * .25, .5 → 3·.25 = .75, max(.75, 2·.25) = .75, max(.75, 1·.5) = .75: all three .75, none significant at
 * α = .3. Headline: cosine mean .66667 ± sd .04714 (values .7 and .63333: sd = .06667/√2), query-norm .6,
 * dot .3 ± 0. Verdict (asymmetric): cosine wins ahead of query-norm (lead .06667, p .5, not significant);
 * M = query-norm, M − C = −.06667 with p .5 → inconclusive.
 *
 * <p>Table B (image-text pics/test): cosine hits (1, 1, 1), dot (0, 0, 0): difference (1, 1, 1), p = 2/8 =
 * .25 < α = .3 and cosine ahead in headline and per-query mean: cosine beats M = dot on a symmetric task →
 * agrees.
 *
 * <p>Table C (retrieval other/test): one variant only → no comparisons, an inconclusive verdict saying so.
 */
class ComparisonsAndReportTest {
  private static final SignificanceSettings SIGNIFICANCE = new SignificanceSettings(10_000, 11, 0.3);
  private static final Comparisons.Key A = new Comparisons.Key("retrieval", "toy", "test", true, "toy");
  private static final Comparisons.Key B = new Comparisons.Key("image-text", "pics", "test", true, "pics");
  private static final Comparisons.Key C = new Comparisons.Key("retrieval", "other", "test", true, "other");

  private static Comparisons.Observation obs(Comparisons.Key key, String variant, long seed, double... values) {
    Map<String, Double> perQuery = new java.util.TreeMap<>();
    double sum = 0;
    for (int i = 0; i < values.length; i++) {
      perQuery.put("q" + (i + 1), values[i]);
      sum += values[i];
    }
    return new Comparisons.Observation(key, variant, seed, variant + "-s" + seed, sum / values.length, perQuery);
  }

  private static List<Comparisons.Observation> observations() {
    return List.of(
        obs(A, "dot", 1, .2, .4, .3), obs(A, "cosine", 1, .5, .7, .9), obs(A, "query-norm", 1, .6, .6, .6),
        obs(A, "dot", 2, .4, .2, .3), obs(A, "cosine", 2, .7, .7, .5),
        obs(B, "dot", 1, 0, 0, 0), obs(B, "cosine", 1, 1, 1, 1),
        obs(C, "dot", 1, .5, .5));
  }

  @Test
  void comparisonsAreTestedPerTableAndHolmCorrectedWithinIt() {
    Comparisons.Tables t = Comparisons.compute(observations(), SIGNIFICANCE);
    List<Comparisons.Comparison> a = t.comparisons().stream().filter(c -> c.key().equals(A)).toList();
    assertThat(a).extracting(c -> c.row().a() + " vs " + c.row().b())
        .containsExactly("cosine vs query-norm", "cosine vs dot", "query-norm vs dot");
    assertThat(a.get(0).row().p()).isCloseTo(0.5, within(1e-12));
    assertThat(a.get(1).row().p()).isCloseTo(0.25, within(1e-12));
    assertThat(a.get(2).row().p()).isCloseTo(0.25, within(1e-12));
    assertThat(a).allSatisfy(c -> {
      assertThat(c.row().pHolm()).isCloseTo(0.75, within(1e-12));
      assertThat(c.significant()).isFalse();
      assertThat(c.row().exact()).isTrue();
      assertThat(c.row().queries()).isEqualTo(3);
    });
    assertThat(a.get(1).row().meanA()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(a.get(1).row().meanB()).isCloseTo(0.3, within(1e-12));
    assertThat(a.get(1).row().meanDifference()).isCloseTo(11.0 / 30, within(1e-12));
    assertThat(a.get(1).a().seeds()).isEqualTo(2);
    assertThat(a.get(1).a().mean()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(a.get(1).a().sd()).isCloseTo((0.7 - 1.9 / 3) / Math.sqrt(2), within(1e-12));
    assertThat(a.get(1).b().sd()).isCloseTo(0, within(1e-12));
    assertThat(a.get(0).b().seeds()).isEqualTo(1);

    List<Comparisons.Comparison> b = t.comparisons().stream().filter(c -> c.key().equals(B)).toList();
    assertThat(b).hasSize(1);
    assertThat(b.get(0).row().p()).isCloseTo(0.25, within(1e-12));
    assertThat(b.get(0).row().pHolm()).isCloseTo(0.25, within(1e-12));
    assertThat(b.get(0).significant()).isTrue();
    assertThat(b.get(0).measure()).isEqualTo("t2i-hit@1");
    assertThat(t.comparisons().stream().filter(c -> c.key().equals(C))).isEmpty();

    // the table rows follow comparisons.avsc (sd of a one-seed variant is null)
    List<Row> rows = Comparisons.comparisonRows(t.comparisons());
    Row first = rows.get(0);
    assertThat(first.length()).isEqualTo(dev.magnitude.prepare.io.AvroSparkSchemas.of("comparisons").size());
    assertThat(first.getString(6)).isEqualTo("cosine");
    assertThat(first.getString(7)).isEqualTo("query-norm");
    assertThat(first.isNullAt(13)).as("headline_sd_b of a one-seed variant").isTrue();
  }

  @Test
  void verdictRowsSayAgreesContradictsOrInconclusiveWithTheReason() {
    Comparisons.Tables t = Comparisons.compute(observations(), SIGNIFICANCE);
    assertThat(t.verdicts()).extracting(v -> v.key().dataset()).containsExactly("toy", "pics", "other");
    Comparisons.VerdictRow a = t.verdicts().get(0);
    assertThat(a.verdict().winner()).isEqualTo("cosine");
    assertThat(a.verdict().runnerUp()).isEqualTo("query-norm");
    assertThat(a.verdict().winnerLead()).isCloseTo(2.0 / 3 - 0.6, within(1e-12));
    assertThat(a.verdict().winnerLeadP()).isCloseTo(0.5, within(1e-12));
    assertThat(a.verdict().winnerLeadSignificant()).isFalse();
    assertThat(a.verdict().magnitude()).isEqualTo("query-norm");
    assertThat(a.outcome()).isEqualTo("inconclusive");
    assertThat(a.variants()).containsExactly("cosine", "query-norm", "dot");
    assertThat(a.queries()).isEqualTo(3);
    Comparisons.VerdictRow b = t.verdicts().get(1);
    assertThat(b.verdict().winner()).isEqualTo("cosine");
    assertThat(b.verdict().winnerLeadSignificant()).isTrue();
    assertThat(b.verdict().magnitudeVsCosineP()).isCloseTo(0.25, within(1e-12));
    assertThat(b.outcome()).isEqualTo("agrees");
    assertThat(b.explanation()).contains("cosine wins with 1.0000 ahead of dot at 0.0000").contains("agrees with");
    Comparisons.VerdictRow c = t.verdicts().get(2);
    assertThat(c.verdict()).isNull();
    assertThat(c.outcome()).isEqualTo("inconclusive");
    assertThat(c.explanation()).contains("only variant dot has a finite ndcg@10");

    List<Row> rows = Comparisons.verdictRows(t.verdicts());
    assertThat(rows.get(1).getString(8)).isEqualTo("cosine");
    assertThat(rows.get(1).getString(16)).isEqualTo("agrees");
    assertThat(rows.get(2).isNullAt(8)).isTrue();
    assertThat(rows.get(2).getString(16)).isEqualTo("inconclusive");

    String md = Comparisons.markdown(t.verdicts());
    assertThat(md).contains("| image-text | pics/test | pics | cosine | dot | yes (p = 0.2500) | **agrees** |")
        .contains("| retrieval | toy/test | toy | cosine | query-norm | no (p = 0.5000) | **inconclusive** |");
  }

  @Test
  void differentQuerySetsInOneTableAreAnErrorNamingTheVariants() {
    List<Comparisons.Observation> bad = List.of(obs(A, "dot", 1, .2, .4, .3), obs(A, "cosine", 1, .5, .7));
    assertThatThrownBy(() -> Comparisons.compute(bad, SIGNIFICANCE)).isInstanceOf(JobError.class)
        .hasMessageContaining("variant dot was scored on 3 queries, variant cosine on 2");
  }

  /** Gold (1, 2, 3) ranks 1 2 3; similarities (.1, .3, .2) rank 1 3 2: −|0|/3, −1/3, −1/3. */
  @Test
  void stsPerPairValueIsTheNegativeRankDistance() {
    assertThat(Comparisons.stsPerPair(new double[] {1, 2, 3}, new double[] {.1, .3, .2}))
        .containsExactly(new double[] {0, -1.0 / 3, -1.0 / 3}, within(1e-15));
    // ties get average ranks: gold (1, 1, 2) ranks 1.5 1.5 3
    assertThat(Comparisons.stsPerPair(new double[] {1, 1, 2}, new double[] {1, 2, 3}))
        .containsExactly(new double[] {-0.5 / 3, -0.5 / 3, 0}, within(1e-15));
  }

  private static final String HOSTILE = "<script>alert(1)</script>&\"";

  /** A run of the hostile dataset with text→image hit ranks as given. */
  private static RunMetricsRow imageRow(Variant variant, long seed, Scoring scoring, int... ranks) {
    RunSpec spec = new RunSpec(HOSTILE, "h", variant, seed, new EncoderSpec("transformer", 16, 1, 2, 8, 100, "builtin-x"),
        new TrainingSpec(10, 4, 1e-3, 0, 0.05, 5, 0, 1), List.of(new EvalSet(HOSTILE, "test")));
    return RunMetricsRow.ofImageText(spec, HOSTILE, "test", scoring, true,
        ImageTextMetrics.of(new ImageTextMetrics.Ranks(ranks, new int[] {1})));
  }

  @Test
  void reportIsSelfContainedEscapesEveryTextAndHasEveryPlot() throws Exception {
    Comparisons.Key key = new Comparisons.Key("image-text", HOSTILE, "test", true, HOSTILE);
    List<RunMetricsRow> rows = new ArrayList<>();
    for (Scoring s : Scoring.FIXED) {
      rows.add(imageRow(Variant.COSINE, 1, s, 1, 1, 2));
      rows.add(imageRow(Variant.DOT, 1, s, 2, 2, 1));
    }
    List<Comparisons.Observation> observations = List.of(
        new Comparisons.Observation(key, "cosine", 1, "c", 2.0 / 3, Map.of(HOSTILE + "1", 1.0, "c2", 1.0, "c3", 0.0)),
        new Comparisons.Observation(key, "dot", 1, "d", 1.0 / 3, Map.of(HOSTILE + "1", 0.0, "c2", 0.0, "c3", 1.0)));
    Comparisons.Tables tables = Comparisons.compute(observations, SignificanceSettings.DEFAULTS);
    List<HtmlReport.Norms> norms = List.of(
        new HtmlReport.Norms(key, "cosine", 1, "c", new double[] {2, 3}, new double[] {1, 1.5, 2}, false),
        new HtmlReport.Norms(key, "dot", 1, "d", new double[] {4, 5}, new double[] {1, 2}, true));
    List<HtmlReport.Curve> curves = List.of(
        new HtmlReport.Curve(HOSTILE, "image-text", "cosine", 1, "c", new double[] {0, 10}, new double[] {3, 2}, null, null),
        new HtmlReport.Curve(HOSTILE, "image-text", "learned", 1, "l", new double[] {0, 10}, new double[] {3, 1},
            new double[] {1, 0.8}, new double[] {1, 0.5}));

    String html = HtmlReport.html("sweep " + HOSTILE, rows, Map.of(), tables, observations, norms, curves, 7);
    AggregateReportTest.keep(html, "hostile-report-test.html");

    // no element, script or external asset from the hostile text; it is there, escaped
    assertThat(html).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;");
    // the only URL is the SVG namespace (an identifier, never fetched)
    assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<h1>Sweep sweep &lt;script&gt;")
        .contains("<h2>Task-symmetry verdicts</h2>").contains("<h2>Task: image-text</h2>");
    // every plot: one heatmap, one bar chart, two norm histograms, loss and α curves; each SVG is XML
    assertThat(plots(html)).containsExactly("heatmap", "bars", "norms", "norms", "loss", "alpha");
    List<String> svgs = svgs(html);
    assertThat(svgs).hasSize(6);
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    DocumentBuilder parser = f.newDocumentBuilder();
    for (String svg : svgs) {
      Document doc = parser.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
      assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
      assertThat(doc.getElementsByTagName("script").getLength()).isZero();
    }
    assertThat(count(html, "<figure")).isEqualTo(count(html, "</figure>")).isEqualTo(6);
    assertThat(count(html, "<figcaption>")).isEqualTo(6);
    // the one-seed bars carry a bootstrap interval, said in the caption
    assertThat(html).contains("95% percentile bootstrap interval over queries");
    assertThat(html).contains("(large corpus: redrawn from doc_norm_histograms at bin centres)");
    // the verdicts table and the comparisons table are there
    assertThat(html).contains("<table class=\"verdicts\">").contains("<table class=\"comparisons\">");
  }

  static List<String> plots(String html) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<figure class=\"plot\" data-plot=\"([a-z]+)\">").matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static List<String> svgs(String html) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<svg[\\s>].*?</svg>", Pattern.DOTALL).matcher(html);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
