package dev.magnitude.prepare;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.prepare.images.ImageCaptionInput;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.tokenize.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image-text (formats coco, captions-jsonl): per split an {@code images} table (decoded, resized PNG bytes)
 * and a {@code captions} table (tokenized). The vocabulary is counted over the training split's captions.
 */
final class ImageTextFlow implements TaskFlow {
  private static final Logger LOG = LoggerFactory.getLogger(ImageTextFlow.class);

  private final DatasetSpec dataset;
  private final WorkDir work;
  private final ImageCaptionInput input;
  /** Per split: {images, captions}. */
  private final Map<String, long[]> counts = new LinkedHashMap<>();

  ImageTextFlow(DatasetSpec dataset, WorkDir work, ImageCaptionInput input) {
    this.dataset = dataset;
    this.work = work;
    this.input = input;
    for (String split : dataset.splits()) {
      long[] n = {input.images(split).count(), input.captions(split).count()};
      counts.put(split, n);
      if (n[0] == 0 || n[1] == 0) {
        LOG.warn("prepare {}: split {} has {} valid images and {} valid captions in {}", dataset.name(), split, n[0],
            n[1], input.file(split));
      }
    }
  }

  @Override
  public RawInput input() {
    return input;
  }

  @Override
  public String unusable() {
    String train = dataset.trainSplit();
    long[] n = counts.get(train);
    if (n[0] == 0 || n[1] == 0) {
      return "the training split has " + n[0] + " valid images and " + n[1] + " valid captions in "
          + input.file(train) + "; it needs both";
    }
    return null;
  }

  @Override
  public Dataset<String> vocabularyTexts() {
    LOG.info("prepare {}: vocabulary over {} {} captions", dataset.name(), counts.get(dataset.trainSplit())[1],
        dataset.trainSplit());
    return input.captions(dataset.trainSplit()).select("text").as(Encoders.STRING());
  }

  @Override
  public List<Output> outputs(Broadcast<TextTokenizer> tokenizer) {
    String name = dataset.name();
    List<Output> out = new ArrayList<>();
    for (String split : dataset.splits()) {
      long[] n = counts.get(split);
      out.add(new Output(split + "/" + Tables.IMAGES, work.table(name, split, Tables.IMAGES), PreparedSchemas.IMAGES,
          input.images(split).select(PreparedSchemas.IMAGES.fieldNames()[0],
              java.util.Arrays.copyOfRange(PreparedSchemas.IMAGES.fieldNames(), 1,
                  PreparedSchemas.IMAGES.fieldNames().length)),
          n[0], Tables.ID));
      out.add(new Output(split + "/" + Tables.CAPTIONS, work.table(name, split, Tables.CAPTIONS),
          PreparedSchemas.CAPTIONS, TaskFlow.tokenize(input.captions(split), PreparedSchemas.CAPTIONS, tokenizer),
          n[1], Tables.ID));
    }
    return out;
  }

  /** A split's annotation or manifest file: the images and the captions written for the split. */
  @Override
  public Map<String, Long> written(Map<String, ShardedTable.Stats> stats, Function<String, Dataset<Row>> read) {
    Map<String, Long> written = new TreeMap<>();
    for (String split : dataset.splits()) {
      long n = stats.get(split + "/" + Tables.IMAGES).rows() + stats.get(split + "/" + Tables.CAPTIONS).rows();
      written.merge(input.file(split), n, Long::sum);
    }
    return written;
  }
}
