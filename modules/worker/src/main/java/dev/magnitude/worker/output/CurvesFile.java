package dev.magnitude.worker.output;

import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.train.CurvePoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * {@code <run>/curves.parquet} (data-schemas/curves.avsc): one row per training step. {@code alpha_query} and
 * {@code alpha_document} are set for learned runs only; {@code logit_scale} for every step of this version.
 */
public final class CurvesFile {
  private CurvesFile() {}

  /** Writes all points, replacing the file atomically. */
  public static void write(String path, List<CurvePoint> points, Configuration conf) throws IOException {
    Schema schema = DataSchemas.load(Tables.CURVES);
    try (AtomicParquetFile file = AtomicParquetFile.create(path, schema, conf)) {
      for (CurvePoint p : points) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("step", p.step());
        r.put("loss", p.loss());
        r.put("lr", p.lr());
        r.put("grad_norm", p.gradNorm());
        r.put("query_norm_mean", p.queryNormMean());
        r.put("query_norm_std", p.queryNormStd());
        r.put("doc_norm_mean", p.docNormMean());
        r.put("doc_norm_std", p.docNormStd());
        r.put("pairs_per_second", p.pairsPerSecond());
        r.put("alpha_query", p.alphaQuery());
        r.put("alpha_document", p.alphaDocument());
        r.put("logit_scale", p.logitScale());
        file.write(r);
      }
      file.commit();
    }
  }

  /** Reads the points back (empty if the file does not exist): how a resumed run keeps its curve. */
  public static List<CurvePoint> read(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    List<CurvePoint> points = new ArrayList<>();
    if (!p.getFileSystem(conf).exists(p)) {
      return points;
    }
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(p, conf)).withConf(conf).build()) {
      GenericRecord r;
      while ((r = reader.read()) != null) {
        points.add(
            new CurvePoint(
                (Integer) r.get("step"),
                (Double) r.get("loss"),
                (Double) r.get("lr"),
                (Double) r.get("grad_norm"),
                (Double) r.get("query_norm_mean"),
                (Double) r.get("query_norm_std"),
                (Double) r.get("doc_norm_mean"),
                (Double) r.get("doc_norm_std"),
                (Double) r.get("pairs_per_second"),
                optional(r, "alpha_query"),
                optional(r, "alpha_document"),
                optional(r, "logit_scale")));
      }
    }
    return points;
  }

  /** A nullable column, also null in files written before it existed. */
  private static Double optional(GenericRecord r, String column) {
    return r.hasField(column) ? (Double) r.get(column) : null;
  }
}
