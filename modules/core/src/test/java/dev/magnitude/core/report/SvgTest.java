package dev.magnitude.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgTest {

  private static final String HOSTILE = "<script>&\"";

  /** Parses with the JDK's parser (DTDs off); throws on a document that is not well-formed. */
  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(doc.getElementsByTagNameNS("*", "script").getLength()).isZero();
    assertThat(svg).doesNotContain("<script").doesNotContain("href");
    return doc;
  }

  private static List<Element> byClass(Document doc, String cls) {
    List<Element> out = new ArrayList<>();
    NodeList all = doc.getElementsByTagNameNS("*", "*");
    for (int i = 0; i < all.getLength(); i++) {
      Element e = (Element) all.item(i);
      if (cls.equals(e.getAttribute("class"))) {
        out.add(e);
      }
    }
    return out;
  }

  private static List<String> texts(Document doc) {
    List<String> out = new ArrayList<>();
    NodeList all = doc.getElementsByTagNameNS("*", "text");
    for (int i = 0; i < all.getLength(); i++) {
      out.add(all.item(i).getTextContent());
    }
    return out;
  }

  private static double attr(Element e, String name) {
    return Double.parseDouble(e.getAttribute(name));
  }

  @Test
  void escapeHandlesMarkupQuotesAndForbiddenCharacters() {
    assertThat(Svg.escape(HOSTILE)).isEqualTo("&lt;script&gt;&amp;&quot;");
    assertThat(Svg.escape("it's")).isEqualTo("it&#39;s");
    assertThat(Svg.escape("a\u0001b")).isEqualTo("a\uFFFDb"); // control char not allowed in XML 1.0
    assertThat(Svg.escape("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00"); // a valid surrogate pair stays
    assertThat(Svg.escape("\uD83D")).isEqualTo("\uFFFD"); // a lone surrogate does not
  }

  @Test
  void barHeightsAreProportionalToValues() throws Exception {
    // y axis 0 .. max(high) = 0.5; plot height 400 − 40 − 60 = 300 → heights 0.2/0.5·300 = 120 and
    // 0.4/0.5·300 = 240; a bar's top is at 40 + 300 − height: 220 and 100.
    String svg = Svg.barChart("nDCG@10 " + HOSTILE, "nDCG@10", List.of(
        new Svg.Bar(HOSTILE, 0.2, 0.15, 0.25), new Svg.Bar("dot", 0.4, 0.3, 0.5)));
    Document doc = parse(svg);
    List<Element> bars = byClass(doc, "bar");
    assertThat(bars).hasSize(2);
    assertThat(attr(bars.get(0), "height")).isEqualTo(120.0);
    assertThat(attr(bars.get(1), "height")).isEqualTo(240.0);
    assertThat(attr(bars.get(0), "y")).isEqualTo(220.0);
    assertThat(attr(bars.get(1), "y")).isEqualTo(100.0);
    // slot width 420/2 = 210, bar width 0.6·210 = 126, offset (210 − 126)/2 = 42: x = 70 + 42 = 112
    assertThat(attr(bars.get(0), "x")).isEqualTo(112.0);
    // error bar of bar 0: centre x = 112 + 63 = 175; low 0.15 → y = 340 − 90 = 250; high 0.25 → 340 − 150 = 190
    assertThat(byClass(doc, "error").get(0).getAttribute("d")).startsWith("M175.00 250.00 V190.00");
    assertThat(texts(doc)).contains(HOSTILE, "nDCG@10 " + HOSTILE);
  }

  @Test
  void histogramBarsAreFractionsOfEachSample() throws Exception {
    // bins over [0, 1], 2 bins: a = {0, 0, 1, 1} → 0.5, 0.5 (1 falls in the last bin); b = {1, 1, 1, 1}
    // → 0, 1. Top = 1 → heights a: 150, 150; b: 0, 300. Bin width 420/2 = 210.
    String svg = Svg.histogram("norms", "norm", "relevant " + HOSTILE, new double[] {0, 0, 1, 1},
        "non-relevant", new double[] {1, 1, 1, 1}, 2);
    Document doc = parse(svg);
    List<Element> a = byClass(doc, "hist-a");
    List<Element> b = byClass(doc, "hist-b");
    assertThat(a).extracting(e -> attr(e, "height")).containsExactly(150.0, 150.0);
    assertThat(b).extracting(e -> attr(e, "height")).containsExactly(0.0, 300.0);
    assertThat(a).extracting(e -> attr(e, "x")).containsExactly(70.0, 280.0);
    assertThat(attr(a.get(0), "width")).isEqualTo(210.0);
    assertThat(texts(doc)).contains("relevant " + HOSTILE);
  }

  @Test
  void lineChartMapsPointsLinearly() throws Exception {
    // x 0..2 → 70..490 (420 wide); y 0..1 → 340..40. (0, 1) → (70, 40); (1, 0.5) → (280, 190); (2, 0) → (490, 340)
    String svg = Svg.lineChart("loss", "step", "loss", List.of(
        new Svg.Series(HOSTILE, new double[] {0, 1, 2}, new double[] {1, 0.5, 0})));
    Document doc = parse(svg);
    assertThat(byClass(doc, "series").get(0).getAttribute("points")).isEqualTo("70.00,40.00 280.00,190.00 490.00,340.00");
    assertThat(texts(doc)).contains(HOSTILE);
  }

  @Test
  void heatmapColoursCellsOnTheScaleAndLabelsThem() throws Exception {
    // values 0 .. 1: 0 → white #ffffff, 1 → #08306b, 0.5 → channels 255 − 247·0.5 = 131.5 → 132 (84),
    // 255 − 207·0.5 = 151.5 → 152 (98), 255 − 148·0.5 = 181 (b5) → #8498b5; NaN → grey, "n/a".
    String svg = Svg.heatmap("train × score", "train", List.of("cosine", HOSTILE), "scoring",
        List.of("cosine", "dot"), new double[][] {{0, 1}, {Double.NaN, 0.5}});
    Document doc = parse(svg);
    List<Element> cells = byClass(doc, "cell");
    assertThat(cells).extracting(e -> e.getAttribute("fill")).containsExactly("#ffffff", "#08306b", "#bbbbbb", "#8498b5");
    // cells 420/2 = 210 wide, 300/2 = 150 high; cell (1, 1) at x = 70 + 210, y = 40 + 150
    assertThat(attr(cells.get(3), "x")).isEqualTo(280.0);
    assertThat(attr(cells.get(3), "y")).isEqualTo(190.0);
    assertThat(byClass(doc, "cell-label")).extracting(Element::getTextContent).containsExactly("0.000", "1.000", "n/a", "0.500");
    assertThat(texts(doc)).contains(HOSTILE, "1.000", "0.000");
    // the colour scale points at the gradient defined in the same document (no external reference),
    // and the gradient id differs between heatmaps so two can be inlined in one HTML page
    String id = ((Element) doc.getElementsByTagNameNS("*", "linearGradient").item(0)).getAttribute("id");
    assertThat(byClass(doc, "legend")).extracting(e -> e.getAttribute("fill")).contains("url(#" + id + ")");
    String other = Svg.heatmap("other", "train", List.of("a"), "scoring", List.of("b"), new double[][] {{1}});
    assertThat(other).doesNotContain("id=\"" + id + "\"");
    // the row axis name is above the cells (y < TOP = 40), clear of the row labels, which end at x = 64
    Element rowAxis = byClass(doc, "axis-label").stream().filter(e -> e.getTextContent().equals("train")).findFirst()
        .orElseThrow();
    assertThat(attr(rowAxis, "y")).isLessThan(40.0);
    assertThat(rowAxis.getAttribute("transform")).isEmpty();
    assertThat(byClass(doc, "tick-label")).filteredOn(e -> e.getTextContent().equals("cosine"))
        .allSatisfy(e -> assertThat(attr(e, "y")).isGreaterThan(40.0));
  }

  @Test
  void refusesBadData() {
    assertThatThrownBy(() -> Svg.barChart("t", "y", List.of(new Svg.Bar("b", 0.5, 0.6, 0.7))))
        .hasMessageContaining("low <= value <= high");
    assertThatThrownBy(() -> Svg.histogram("t", "x", "a", new double[] {Double.NaN}, "b", new double[] {1}, 2))
        .hasMessageContaining("non-finite");
    assertThatThrownBy(() -> Svg.heatmap("t", "r", List.of("a"), "c", List.of("x"), new double[][] {{Double.NaN}}))
        .hasMessageContaining("no finite value");
  }
}
