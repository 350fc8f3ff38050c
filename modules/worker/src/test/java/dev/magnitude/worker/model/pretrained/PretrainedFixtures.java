package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The committed fixtures under {@code src/test/resources/onnx/} (each made by the script next to it). */
public final class PretrainedFixtures {
  /** The tiny BERT export of make_tiny_bert_onnx.py, as a local path. */
  public static final String TINY_ONNX = path("tiny_bert.onnx").toString();

  private PretrainedFixtures() {}

  public static Path path(String name) {
    try {
      return Path.of(PretrainedFixtures.class.getResource("/onnx/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("no test resource onnx/" + name, e);
    }
  }

  public static JsonNode json(String name) {
    try (InputStream in = PretrainedFixtures.class.getResourceAsStream("/onnx/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource onnx/" + name);
      }
      return Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** tiny_bert_expected.json: config, input_ids (padded rows), lengths, last_hidden_state (rows, 7, 8). */
  public static JsonNode tinyExpected() {
    return json("tiny_bert_expected.json");
  }
}
