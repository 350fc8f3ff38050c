package dev.magnitude.worker.model.pretrained;

import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.core.manifest.TokenizerJson;
import dev.magnitude.worker.model.TokenPacking;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A HuggingFace / sentence-transformers model folder, read: {@code config.json}, the weights
 * ({@link SafeTensorsWeights}), {@code tokenizer.json} with the tokenizer files next to it, and the
 * sentence-transformers modules ({@link SentenceTransformerModules}; when its Transformer module lives in a
 * subfolder, as older sentence-transformers saved it, the first three are read there).
 *
 * @param source the folder, as given
 * @param config the architecture of {@code config.json}
 * @param configJson {@code config.json} as read (its other keys are kept on export)
 * @param weights by unprefixed state-dict name, checked against {@code config}, float32
 * @param modules pooling, Normalize and max sequence length of the sentence-transformers files
 * @param tokenizerFiles {@value #TOKENIZER} and each of {@link #TOKENIZER_FILES} the folder has, by file name,
 *     as read: the tokenizer.json bytes are the identity prepared data is checked against
 *     ({@link TokenizerInfo#huggingFaceId(byte[])})
 * @param tokenizer the ids of {@code tokenizer.json}
 */
public record PretrainedModel(
    String source,
    BertConfig config,
    byte[] configJson,
    Map<String, NamedTensor> weights,
    SentenceTransformerModules modules,
    Map<String, byte[]> tokenizerFiles,
    TokenizerJson tokenizer) {
  public static final String CONFIG = "config.json";
  public static final String TOKENIZER = "tokenizer.json";
  /** The tokenizer's companion files, copied on export when the source folder has them. */
  public static final List<String> TOKENIZER_FILES = List.of("tokenizer_config.json", "special_tokens_map.json",
      "vocab.txt", "vocab.json", "merges.txt", "sentencepiece.bpe.model", "added_tokens.json");

  public PretrainedModel {
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    tokenizerFiles = Collections.unmodifiableMap(new LinkedHashMap<>(tokenizerFiles));
    if (!tokenizerFiles.containsKey(TOKENIZER)) {
      throw new IllegalArgumentException(source + " has no " + TOKENIZER);
    }
  }

  /**
   * Reads a model folder from a local path or any Hadoop URI.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException for a missing folder, config.json, tokenizer.json or weight file; an
   *     unsupported model type, module or pooling; a missing, misshapen or wrongly typed tensor; a tokenizer
   *     whose ids do not fit the word embedding. Each message is one line naming the file
   */
  public static PretrainedModel read(String uri, Configuration conf) throws IOException {
    Path folder = new Path(uri);
    FileSystem fs = folder.getFileSystem(conf);
    if (!fs.exists(folder) || !fs.getFileStatus(folder).isDirectory()) {
      throw new IllegalArgumentException(uri + " is not a model folder: no such directory");
    }
    SentenceTransformerModules modules =
        SentenceTransformerModules.read(new Files(fs, folder)::optionalUnchecked, folder.toString());
    Path transformer = modules.transformerPath().isEmpty() ? folder : new Path(folder, modules.transformerPath());
    Files files = new Files(fs, transformer);
    byte[] configJson = files.required(CONFIG);
    BertConfig config = BertConfig.fromJson(configJson, transformer + "/" + CONFIG);
    Map<String, byte[]> tokenizerFiles = new LinkedHashMap<>();
    tokenizerFiles.put(TOKENIZER, files.required(TOKENIZER));
    for (String name : TOKENIZER_FILES) {
      byte[] bytes = files.optional(name);
      if (bytes != null) {
        tokenizerFiles.put(name, bytes);
      }
    }
    TokenizerJson tokenizer = TokenizerJson.parse(tokenizerFiles.get(TOKENIZER), transformer + "/" + TOKENIZER);
    if (tokenizer.vocabularySize() > config.vocabularySize()) {
      throw new IllegalArgumentException(transformer + "/" + TOKENIZER + " has ids up to "
          + (tokenizer.vocabularySize() - 1) + " but " + CONFIG + " has vocab_size = " + config.vocabularySize()
          + ": the tokenizer is not this model's");
    }
    Map<String, NamedTensor> weights = SafeTensorsWeights.read(fs, transformer, config);
    return new PretrainedModel(uri, config, configJson, weights, modules, tokenizerFiles, tokenizer);
  }

  /** The tokenizer.json bytes. */
  public byte[] tokenizerJson() {
    return tokenizerFiles.get(TOKENIZER).clone();
  }

  /** {@link TokenizerInfo#huggingFaceId(byte[])} of the tokenizer.json: what prepared data must name. */
  public String tokenizerId() {
    return TokenizerInfo.huggingFaceId(tokenizerFiles.get(TOKENIZER));
  }

  /**
   * The packing of this model's texts: the tokenizer's padding id; an empty text becomes its [UNK] (or, for a
   * tokenizer without one, the first id that is not the padding).
   */
  public TokenPacking packing() {
    int pad = tokenizer.padId();
    return new TokenPacking(pad, tokenizer.unkId() >= 0 && tokenizer.unkId() != pad ? tokenizer.unkId() : pad == 0 ? 1 : 0);
  }

  /** Reads the folder's files, by path relative to it. */
  private record Files(FileSystem fs, Path folder) {
    byte[] required(String name) throws IOException {
      byte[] bytes = optional(name);
      if (bytes == null) {
        throw new IllegalArgumentException(folder + " has no " + name + " (a model folder needs config.json, "
            + "tokenizer.json and model.safetensors)");
      }
      return bytes;
    }

    byte[] optional(String name) throws IOException {
      Path path = new Path(folder, name);
      if (!fs.exists(path)) {
        return null;
      }
      try (InputStream in = fs.open(path)) {
        return in.readAllBytes();
      }
    }

    byte[] optionalUnchecked(String name) {
      try {
        return optional(name);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(folder + "/" + name + " cannot be read: " + e.getMessage(), e);
      }
    }
  }
}
