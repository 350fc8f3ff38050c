package dev.magnitude.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML subset reader on hand-written documents, and its refusals. */
class MiniYamlTest {
  @Test
  void readsMappingsSequencesOfMappingsQuotesAndComments() {
    String text = """
        # leading comment
        a: 1   # trailing
        b:
          - x
          - k: "q # not a comment"
            m: 'it''s'
          -
            - nested
        c:
        - same-indent item
        d: k8s://https://host:443
        e:
        ---
        f: "0 2 * * 0"
        """;
    List<Object> docs = MiniYaml.parseAll(text);
    assertThat(docs).hasSize(2);
    @SuppressWarnings("unchecked")
    Map<String, Object> first = (Map<String, Object>) docs.get(0);
    assertThat(first).containsOnlyKeys("a", "b", "c", "d", "e");
    assertThat(first.get("a")).isEqualTo("1");
    assertThat(first.get("b")).isEqualTo(List.of("x", Map.of("k", "q # not a comment", "m", "it's"), List.of("nested")));
    assertThat(first.get("c")).isEqualTo(List.of("same-indent item"));
    assertThat(first.get("d")).isEqualTo("k8s://https://host:443");
    assertThat(first.get("e")).isNull();
    assertThat(docs.get(1)).isEqualTo(Map.of("f", "0 2 * * 0"));
  }

  @Test
  void refusesWhatItDoesNotReadWithTheLine() {
    assertThatThrownBy(() -> MiniYaml.parseAll("a:\n  b: 1\n c: 2\n"))
        .hasMessage("line 3: unexpected indentation");
    assertThatThrownBy(() -> MiniYaml.parseAll("a: [1, 2]\n")).hasMessageContaining("line 1: outside the supported");
    assertThatThrownBy(() -> MiniYaml.parseAll("a: 1\na: 2\n")).hasMessage("line 2: duplicate key 'a'");
    assertThatThrownBy(() -> MiniYaml.parseAll("a: |\n  x\n")).hasMessageContaining("outside the supported");
    assertThatThrownBy(() -> MiniYaml.parseAll("a:\n\t- x\n")).hasMessage("line 2: tab in indentation");
    assertThatThrownBy(() -> MiniYaml.parseAll("just text\n")).hasMessageContaining("expected 'key: value'");
  }
}
