package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The weights of a model folder: {@value #SINGLE}, or the shards {@value #INDEX} names in its
 * {@code weight_map}. Every weight a {@link BertConfig} needs is checked (present, its dtype one of
 * {@value SafeTensorsFile#READABLE}, its shape the config's) from the headers alone, before any data is read.
 */
public final class SafeTensorsWeights {
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private SafeTensorsWeights() {}

  /**
   * Reads the weights of {@code config} from the folder.
   *
   * @return the weights by unprefixed state-dict name, in {@link BertWeights#expected} order, float32
   * @throws IOException if a file cannot be read or is not valid safetensors
   * @throws IllegalArgumentException for a missing weight file, a missing, misshapen or wrongly typed tensor
   */
  public static Map<String, NamedTensor> read(FileSystem fs, Path folder, BertConfig config) throws IOException {
    Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
    Map<String, SafeTensorsFile> files = new LinkedHashMap<>();
    try {
      Path single = new Path(folder, SINGLE);
      Path index = new Path(folder, INDEX);
      if (fs.exists(single)) {
        SafeTensorsFile file = SafeTensorsFile.open(fs, single);
        files.put(SINGLE, file);
        file.entries().keySet().forEach(name -> byTensor.put(name, file));
      } else if (fs.exists(index)) {
        for (Map.Entry<String, String> e : weightMap(fs, index).entrySet()) {
          SafeTensorsFile shard = files.get(e.getValue());
          if (shard == null) {
            shard = openShard(fs, folder, index, e.getValue());
            files.put(e.getValue(), shard);
          }
          if (!shard.entries().containsKey(e.getKey())) {
            throw new IllegalArgumentException(index + " maps tensor " + e.getKey() + " to " + e.getValue()
                + ", which has no such tensor");
          }
          byTensor.put(e.getKey(), shard);
        }
      } else {
        throw new IllegalArgumentException(folder + " has no weight file: neither " + SINGLE + " nor " + INDEX
            + " (pytorch_model.bin is not read; save the model with safe_serialization)");
      }
      return readChecked(byTensor, config, folder + "/" + (files.size() == 1 ? files.keySet().iterator().next()
          : INDEX));
    } finally {
      for (SafeTensorsFile file : files.values()) {
        file.close();
      }
    }
  }

  private static SafeTensorsFile openShard(FileSystem fs, Path folder, Path index, String name) throws IOException {
    Path shard = new Path(folder, name);
    if (!fs.exists(shard)) {
      throw new IllegalArgumentException(index + " names the shard " + name + ", which does not exist");
    }
    return SafeTensorsFile.open(fs, shard);
  }

  private static Map<String, String> weightMap(FileSystem fs, Path index) throws IOException {
    JsonNode root;
    try (InputStream in = fs.open(index)) {
      root = new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IOException(index + " is not valid JSON: " + SafeTensorsFile.firstLine(e.getMessage()), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new IllegalArgumentException(index + " has no weight_map (tensor name → shard file)");
    }
    Map<String, String> out = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static Map<String, NamedTensor> readChecked(
      Map<String, SafeTensorsFile> byTensor, BertConfig config, String source) throws IOException {
    String prefix = BertWeights.prefix(byTensor.keySet(), source);
    Map<String, long[]> expected = BertWeights.expected(config);
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      SafeTensorsFile file = byTensor.get(prefix + e.getKey());
      SafeTensorsFile.Entry entry = file == null ? null : file.entries().get(prefix + e.getKey());
      BertWeights.requireShape(file == null ? source : file.source(), prefix, e.getKey(), e.getValue(),
          entry == null ? null : entry.shape());
      file.requireReadable(entry);
    }
    Map<String, NamedTensor> out = new LinkedHashMap<>();
    for (String name : expected.keySet()) {
      out.put(name, byTensor.get(prefix + name).read(prefix + name, name));
    }
    return out;
  }
}
