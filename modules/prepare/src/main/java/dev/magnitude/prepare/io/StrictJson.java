package dev.magnitude.prepare.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper the line readers parse with (BEIR, image manifests, few-shot labelled texts): a member
 * named twice and tokens after the value make a line invalid. One per JVM (driver and executors), created on
 * first use; thread-safe.
 */
public final class StrictJson {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private StrictJson() {}
}
