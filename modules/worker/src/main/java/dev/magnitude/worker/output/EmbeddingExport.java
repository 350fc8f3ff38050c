package dev.magnitude.worker.output;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.data.PreparedTables;
import dev.magnitude.worker.data.TokenizedText;
import dev.magnitude.worker.model.TextTower;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;

/**
 * Embeds every row of a prepared queries or documents table in eval mode (no dropout; normalization layers
 * in inference mode, so an embedding does not depend on its batch) and writes one Parquet file per
 * data-schemas/embeddings.avsc: id, the raw float vector, and its L2 norm computed in double from the
 * stored floats. Rows keep the table's order. Streams: at most one inference batch is held at a time.
 */
public final class EmbeddingExport {
  /** Texts per inference forward. */
  public static final int INFERENCE_BATCH = 128;

  private final Trainer trainer;
  private final TextTower encoder;
  private final PreparedTables tables;
  private final Configuration conf;
  private final ParameterStore parameters;

  /**
   * @param trainer holds the final parameters (the training is over)
   * @param encoder the encoder of the side exported (the query or the document tower)
   */
  public EmbeddingExport(Trainer trainer, TextTower encoder, PreparedTables tables, Configuration conf) {
    this.trainer = trainer;
    this.encoder = encoder;
    this.tables = tables;
    this.conf = conf;
    this.parameters = new ParameterStore(trainer.getManager(), false);
  }

  /**
   * Embeds the table in {@code folder} into the file {@code path}, committed only when complete.
   *
   * @return rows written
   */
  public long export(String folder, String path) throws IOException {
    return write(path, handler -> tables.readTexts(folder, encoder.spec().vocabularySize(), handler));
  }

  /**
   * Embeds one side of every pair of an STS pairs table into {@code path}, each row under its pair's id:
   * the first sentence ({@code first}, the query side) or the second (the document side).
   *
   * @return rows written
   */
  public long exportPairs(String folder, boolean first, String path) throws IOException {
    return write(path, handler ->
        tables.readPairs(folder, encoder.spec().vocabularySize(), pair -> handler.accept(pair.side(first))));
  }

  /**
   * Embeds every caption of an image-text captions table (the query side) into {@code path}, each row
   * under its caption id.
   *
   * @return rows written
   */
  public long exportCaptions(String folder, String path) throws IOException {
    return write(path, handler ->
        tables.readCaptions(folder, encoder.spec().vocabularySize(), caption -> handler.accept(caption.text())));
  }

  /** Visits texts in a fixed order. */
  @FunctionalInterface
  private interface Source {
    void read(PreparedTables.RowHandler<TokenizedText> handler) throws IOException;
  }

  private long write(String path, Source source) throws IOException {
    Schema schema = DataSchemas.load(Tables.EMBEDDINGS);
    try (AtomicParquetFile file = AtomicParquetFile.embeddings(path, schema, conf)) {
      List<TokenizedText> pending = new ArrayList<>(INFERENCE_BATCH);
      source.read(text -> {
        pending.add(text);
        if (pending.size() == INFERENCE_BATCH) {
          flush(pending, file);
        }
      });
      flush(pending, file);
      file.commit();
      return file.rows();
    }
  }

  private void flush(List<TokenizedText> pending, AtomicParquetFile file) throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    int e = encoder.spec().embeddingDim();
    float[] vectors;
    try (NDManager scope = trainer.getManager().newSubManager()) {
      List<int[]> tokens = new ArrayList<>(pending.size());
      pending.forEach(t -> tokens.add(t.tokenIds()));
      NDArray embeddings = encoder.embed(parameters, scope, tokens, false);
      vectors = embeddings.toFloatArray();
    }
    for (int i = 0; i < pending.size(); i++) {
      writeRow(file, pending.get(i).id(), vectors, i, e);
    }
    pending.clear();
  }

  /** Writes row i of a (B, E) row-major block: id, the raw vector, its L2 norm computed in double. Public for the scoring benchmark. */
  public static void writeRow(AtomicParquetFile file, String id, float[] vectors, int i, int e) throws IOException {
    List<Float> vector = new ArrayList<>(e);
    double squares = 0;
    for (int k = 0; k < e; k++) {
      float v = vectors[i * e + k];
      vector.add(v);
      squares += (double) v * v;
    }
    GenericRecord r = new GenericData.Record(file.schema());
    r.put(Tables.ID, id);
    r.put(Tables.VECTOR, vector);
    r.put(Tables.NORM, Math.sqrt(squares));
    file.write(r);
  }
}
