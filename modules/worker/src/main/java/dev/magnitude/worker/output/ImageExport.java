package dev.magnitude.worker.output;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.RunFailure;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.data.ImageRow;
import dev.magnitude.worker.data.PreparedTables;
import dev.magnitude.worker.model.ImageEncoder;
import dev.magnitude.worker.model.ImageTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Embeds every image of a prepared images table (the document side of an image-text set) with the
 * image encoder and writes one Parquet file per data-schemas/embeddings.avsc under the image ids, as
 * {@link EmbeddingExport} does for texts. Every image is embedded, captioned or not. Streams: at most
 * one inference batch of decoded images is held at a time.
 */
public final class ImageExport {
  /** Images per inference forward. */
  public static final int INFERENCE_BATCH = 64;

  private final Trainer trainer;
  private final ImageEncoder encoder;
  private final PreparedTables tables;
  private final Configuration conf;
  private final ParameterStore parameters;

  public ImageExport(Trainer trainer, ImageEncoder encoder, PreparedTables tables, Configuration conf) {
    this.trainer = trainer;
    this.encoder = encoder;
    this.tables = tables;
    this.conf = conf;
    this.parameters = new ParameterStore(trainer.getManager(), false);
  }

  /** @return rows written */
  public long export(String folder, String path) throws IOException {
    try (AtomicParquetFile file = AtomicParquetFile.embeddings(path, DataSchemas.load(Tables.EMBEDDINGS), conf)) {
      List<String> ids = new ArrayList<>(INFERENCE_BATCH);
      List<float[]> pixels = new ArrayList<>(INFERENCE_BATCH);
      int[] size = {-1};
      tables.readImages(folder, (ImageRow image) -> {
        ImageTensors.Decoded d;
        try {
          d = ImageTensors.decode(image.png());
        } catch (IllegalArgumentException e) {
          throw new RunFailure("image " + image.id() + " of " + folder + ": " + e.getMessage(), e);
        }
        if (d.width() != d.height() || (size[0] >= 0 && d.width() != size[0])) {
          throw new RunFailure("image " + image.id() + " of " + folder + " is " + d.width() + "×" + d.height()
              + "; the images of a split must be square and of one size; prepare the dataset again");
        }
        size[0] = d.width();
        ids.add(image.id());
        pixels.add(d.chw());
        if (ids.size() == INFERENCE_BATCH) {
          flush(ids, pixels, size[0], file);
        }
      });
      flush(ids, pixels, size[0], file);
      file.commit();
      return file.rows();
    }
  }

  private void flush(List<String> ids, List<float[]> pixels, int size, AtomicParquetFile file) throws IOException {
    if (ids.isEmpty()) {
      return;
    }
    int e = encoder.embeddingDim();
    float[] vectors;
    try (NDManager scope = trainer.getManager().newSubManager()) {
      vectors = encoder.embed(parameters, scope, pixels, size, false).toFloatArray();
    }
    for (int i = 0; i < ids.size(); i++) {
      EmbeddingExport.writeRow(file, ids.get(i), vectors, i, e);
    }
    ids.clear();
    pixels.clear();
  }
}
