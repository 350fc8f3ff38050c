package dev.magnitude.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.EvalSet;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Tiny specs over {@link PreparedFixture#synthetic} data: seconds per run on one CPU thread. */
public final class TinyRuns {
  private TinyRuns() {}

  public static final String DATASET = "tiny";
  public static final int VOCABULARY = 40;
  public static final int DOCUMENTS = 20;
  public static final int TRAIN_QUERIES = 24;
  public static final int TEST_QUERIES = 6;

  /** Writes the tiny dataset into {@code work}. */
  public static PreparedFixture.Dataset prepare(String work) throws IOException {
    return PreparedFixture.synthetic(work, DATASET, VOCABULARY, DOCUMENTS, TRAIN_QUERIES, TEST_QUERIES, 3);
  }

  public static EncoderSpec encoder(int vocabularySize) {
    return new EncoderSpec("transformer", 16, 1, 2, 8, vocabularySize, "builtin-test");
  }

  public static TrainingSpec training(int steps, int checkpointEvery, double temperature) {
    return new TrainingSpec(steps, 4, 1e-3, 2, temperature, checkpointEvery, 1.0, 1);
  }

  /** A run of {@code variant}; learned starts at α = 0.5 on both sides. */
  public static RunSpec spec(Variant variant, int steps, int checkpointEvery) {
    TrainingSpec training = variant.isLearned()
        ? training(steps, checkpointEvery, 1.0).withLearned(new LearnedNormalization(0.5))
        : training(steps, checkpointEvery, variant.normalizesQuery() && variant.normalizesDocument() ? 0.1 : 1.0);
    return withTraining(variant, training);
  }

  /** A run of {@code variant} with the given training settings. */
  public static RunSpec withTraining(Variant variant, TrainingSpec training) {
    return new RunSpec(
        DATASET,
        "hash-of-tiny",
        variant,
        17,
        encoder(VOCABULARY),
        training,
        List.of(new EvalSet(DATASET, "test"), new EvalSet(DATASET, "train")));
  }

  /** Collects event lines and parses them. */
  public static final class EventLog implements Consumer<String> {
    public final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void accept(String line) {
      lines.add(line);
    }

    public List<JsonNode> parsed() {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : lines) {
        try {
          nodes.add(Json.MAPPER.readTree(line));
        } catch (IOException e) {
          throw new AssertionError("not a JSON line: " + line, e);
        }
      }
      return nodes;
    }

    public List<JsonNode> of(String event) {
      return parsed().stream().filter(n -> n.path("event").asText().equals(event)).toList();
    }
  }
}
