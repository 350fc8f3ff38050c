package dev.magnitude.prepare.fewshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.prepare.BundledSamples;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The bundled sample data/samples/wordnet-fewshot reads with nothing quarantined and has the counts per class its
 * README states (copied from its table on purpose: a regenerated sample that changes them must change its
 * README too).
 */
class WordNetFewShotSampleTest {
  private static final Path SAMPLE = BundledSamples.folder().resolve("wordnet-fewshot");

  /** README "Classes and splits": train, dev, test per class. */
  private static final Map<String, int[]> README = new TreeMap<>(Map.ofEntries(
      Map.entry("noun.Tops", new int[] {36, 5, 10}), Map.entry("noun.act", new int[] {138, 33, 29}),
      Map.entry("noun.animal", new int[] {154, 25, 21}), Map.entry("noun.artifact", new int[] {138, 30, 32}),
      Map.entry("noun.attribute", new int[] {146, 21, 33}), Map.entry("noun.body", new int[] {147, 22, 31}),
      Map.entry("noun.cognition", new int[] {149, 27, 24}), Map.entry("noun.communication", new int[] {134, 31, 35}),
      Map.entry("noun.event", new int[] {125, 42, 33}), Map.entry("noun.feeling", new int[] {152, 19, 29}),
      Map.entry("noun.food", new int[] {141, 29, 30}), Map.entry("noun.group", new int[] {136, 30, 34}),
      Map.entry("noun.location", new int[] {135, 32, 33}), Map.entry("noun.motive", new int[] {24, 7, 9}),
      Map.entry("noun.object", new int[] {133, 35, 32}), Map.entry("noun.person", new int[] {144, 23, 33}),
      Map.entry("noun.phenomenon", new int[] {147, 24, 29}), Map.entry("noun.plant", new int[] {144, 27, 29}),
      Map.entry("noun.possession", new int[] {146, 32, 22}), Map.entry("noun.process", new int[] {154, 24, 22}),
      Map.entry("noun.quantity", new int[] {132, 38, 30}), Map.entry("noun.relation", new int[] {131, 38, 31}),
      Map.entry("noun.shape", new int[] {137, 32, 31}), Map.entry("noun.state", new int[] {140, 32, 28}),
      Map.entry("noun.substance", new int[] {127, 39, 34}), Map.entry("noun.time", new int[] {142, 31, 27})));

  @Test
  void everySplitReadsWithNothingQuarantinedAndTheReadmesCountsPerClass() {
    List<String> splits = List.of("train", "dev", "test");
    int[] totals = {3432, 728, 731}; // README: rows per file
    Set<String> ids = new HashSet<>();
    for (int s = 0; s < 3; s++) {
      LabelledTexts t = LabelledTexts.read(new Configuration(), SAMPLE.resolve(splits.get(s) + ".jsonl").toString());
      assertThat(t.quarantined()).as(splits.get(s)).isEmpty();
      assertThat(t.rowsIn()).isEqualTo(totals[s]);
      assertThat(t.rows()).hasSize(totals[s]);
      Map<String, Integer> expected = new TreeMap<>();
      int split = s;
      README.forEach((label, counts) -> expected.put(label, counts[split]));
      assertThat(t.countsByLabel()).as(splits.get(s)).containsExactlyEntriesOf(expected);
      t.rows().forEach(r -> assertThat(ids.add(r.id())).as("id %s in one split only", r.id()).isTrue());
    }
  }
}
