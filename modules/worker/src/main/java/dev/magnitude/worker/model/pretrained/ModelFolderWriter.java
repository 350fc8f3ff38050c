package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes a model folder that transformers ({@code AutoModel}) and sentence-transformers
 * ({@code SentenceTransformer}) load as it is: {@code config.json} (the source's keys kept, float32),
 * {@code model.safetensors} (float32, BertModel's unprefixed names), the tokenizer files, {@code modules.json}
 * (Transformer, Pooling and, when {@link ScoringNote#normalizesBothSides()}, Normalize) with
 * {@code 1_Pooling/config.json} and an empty {@code 2_Normalize/}, {@code sentence_bert_config.json},
 * {@code config_sentence_transformers.json} (its {@code similarity_fn_name}) and {@value ScoringNote#FILE}.
 *
 * <p>The folder is written under a temporary sibling name and renamed into place (a folder already there is
 * replaced), so a reader never sees half a model. Build with {@link #builder()} or {@link #of}.
 */
public final class ModelFolderWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BertConfig config;
  private final byte[] sourceConfig;
  private final Map<String, NamedTensor> weights;
  private final Map<String, byte[]> tokenizerFiles;
  private final Pooling pooling;
  private final int maxSequenceLength;
  private final ScoringNote note;
  private final String runId;

  private ModelFolderWriter(Builder b) {
    this.config = b.config;
    this.sourceConfig = b.sourceConfig;
    this.weights = BertWeights.check(b.weights, b.config, "the exported weights");
    this.tokenizerFiles = new LinkedHashMap<>(b.tokenizerFiles);
    this.pooling = b.pooling;
    this.maxSequenceLength = b.maxSequenceLength;
    this.note = b.note;
    this.runId = b.runId;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A writer of {@code encoder}'s current weights with its folder's config and tokenizer files, its pooling and
   * max length {@code maxSequenceLength}, scored as {@code note} says.
   */
  public static Builder of(HuggingFaceEncoder encoder, int maxSequenceLength, ScoringNote note) {
    PretrainedModel model = encoder.model();
    return builder().setConfig(model.config()).optSourceConfig(model.configJson())
        .setWeights(encoder.block().stateDict()).setTokenizerFiles(model.tokenizerFiles())
        .setPooling(encoder.pooling()).setMaxSequenceLength(maxSequenceLength).setNote(note);
  }

  /**
   * Writes the folder at {@code uri} (a local path or any Hadoop URI).
   *
   * @throws IOException if a file cannot be written or the folder cannot be renamed into place
   */
  public void write(String uri, Configuration conf) throws IOException {
    Path target = new Path(uri);
    FileSystem fs = target.getFileSystem(conf);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      writeFiles(fs, tmp);
      if (fs.exists(target) && !fs.delete(target, true)) {
        throw new IOException("cannot replace " + target);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } finally {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
  }

  private void writeFiles(FileSystem fs, Path folder) throws IOException {
    fs.mkdirs(folder);
    JsonNode base = sourceConfig == null ? null : JSON.readTree(sourceConfig);
    json(fs, new Path(folder, PretrainedModel.CONFIG), config.toJson(base));
    try (OutputStream out = fs.create(new Path(folder, SafeTensorsWeights.SINGLE), false)) {
      SafeTensorsWriter.write(weights.values(), out);
    }
    for (Map.Entry<String, byte[]> file : tokenizerFiles.entrySet()) {
      bytes(fs, new Path(folder, file.getKey()), file.getValue());
    }
    json(fs, new Path(folder, SentenceTransformerModules.MODULES), modules());
    json(fs, new Path(folder, "1_Pooling/config.json"), poolingConfig());
    if (note.normalizesBothSides()) {
      fs.mkdirs(new Path(folder, "2_Normalize"));
    }
    ObjectNode sentenceBert = JsonNodeFactory.instance.objectNode();
    sentenceBert.put("max_seq_length", maxSequenceLength).put("do_lower_case", false);
    json(fs, new Path(folder, SentenceTransformerModules.SENTENCE_BERT_CONFIG), sentenceBert);
    ObjectNode st = JsonNodeFactory.instance.objectNode();
    st.putObject("prompts");
    st.putNull("default_prompt_name");
    st.put("similarity_fn_name", note.similarityFunction());
    json(fs, new Path(folder, "config_sentence_transformers.json"), st);
    bytes(fs, new Path(folder, ScoringNote.FILE),
        note.text(runId, pooling, maxSequenceLength).getBytes(StandardCharsets.UTF_8));
  }

  private ArrayNode modules() {
    ArrayNode modules = JsonNodeFactory.instance.arrayNode();
    module(modules, "", "Transformer");
    module(modules, "1_Pooling", "Pooling");
    if (note.normalizesBothSides()) {
      module(modules, "2_Normalize", "Normalize");
    }
    return modules;
  }

  private static void module(ArrayNode modules, String path, String type) {
    int idx = modules.size();
    modules.addObject().put("idx", idx).put("name", String.valueOf(idx)).put("path", path)
        .put("type", SentenceTransformerModules.PACKAGE + type);
  }

  private ObjectNode poolingConfig() {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("word_embedding_dimension", config.hiddenSize());
    for (Pooling p : Pooling.values()) {
      out.put(p.configKey(), p == pooling);
    }
    for (String off : List.of("pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
        "pooling_mode_lasttoken")) {
      out.put(off, false);
    }
    out.put("include_prompt", true);
    return out;
  }

  private static void json(FileSystem fs, Path path, JsonNode value) throws IOException {
    bytes(fs, path, (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n")
        .getBytes(StandardCharsets.UTF_8));
  }

  private static void bytes(FileSystem fs, Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(bytes);
    }
  }

  /**
   * Builds a writer: config, weights, tokenizer files (with tokenizer.json), pooling, max sequence length and
   * the scoring note are required; the source's config.json and the run id are optional.
   */
  public static final class Builder {
    private BertConfig config;
    private byte[] sourceConfig;
    private Map<String, NamedTensor> weights;
    private Map<String, byte[]> tokenizerFiles;
    private Pooling pooling;
    private int maxSequenceLength;
    private ScoringNote note;
    private String runId;

    private Builder() {}

    public Builder setConfig(BertConfig config) {
      this.config = config;
      return this;
    }

    /** The weights by unprefixed state-dict name ({@link BertEncoderBlock#stateDict()}). */
    public Builder setWeights(Map<String, NamedTensor> weights) {
      this.weights = weights;
      return this;
    }

    /** By file name; must hold {@value PretrainedModel#TOKENIZER}. */
    public Builder setTokenizerFiles(Map<String, byte[]> tokenizerFiles) {
      this.tokenizerFiles = tokenizerFiles;
      return this;
    }

    public Builder setPooling(Pooling pooling) {
      this.pooling = pooling;
      return this;
    }

    /** The longest text in tokens ({@code max_seq_length}), at most the config's. */
    public Builder setMaxSequenceLength(int maxSequenceLength) {
      this.maxSequenceLength = maxSequenceLength;
      return this;
    }

    public Builder setNote(ScoringNote note) {
      this.note = note;
      return this;
    }

    /** The source folder's config.json: its other keys are kept. */
    public Builder optSourceConfig(byte[] sourceConfig) {
      this.sourceConfig = sourceConfig;
      return this;
    }

    public Builder optRunId(String runId) {
      this.runId = runId;
      return this;
    }

    /** @throws IllegalArgumentException naming what is missing or out of range */
    public ModelFolderWriter build() {
      List<String> missing = new ArrayList<>();
      if (config == null) {
        missing.add("setConfig");
      }
      if (weights == null) {
        missing.add("setWeights");
      }
      if (tokenizerFiles == null || !tokenizerFiles.containsKey(PretrainedModel.TOKENIZER)) {
        missing.add("setTokenizerFiles (with tokenizer.json)");
      }
      if (pooling == null) {
        missing.add("setPooling");
      }
      if (note == null) {
        missing.add("setNote");
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("a model folder export needs " + String.join(", ", missing));
      }
      if (maxSequenceLength <= 0 || maxSequenceLength > config.maxLength()) {
        throw new IllegalArgumentException("max_seq_length = " + maxSequenceLength + ": must be in [1, "
            + config.maxLength() + "] (the model's positions)");
      }
      return new ModelFolderWriter(this);
    }
  }
}
