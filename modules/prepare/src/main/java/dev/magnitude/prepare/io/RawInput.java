package dev.magnitude.prepare.io;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What every format's reader hands the prepare job besides its valid rows: the rows it read and rejected per
 * input file, and every rejected row. The prepare job checks the quarantine limit on these counts, writes the
 * quarantine table and reports in = written + quarantined per file.
 *
 * <p>Implementations hold cached Spark datasets; {@link #close()} releases them.
 */
public interface RawInput extends AutoCloseable {
  /**
   * Rows read per input file, keyed by the file's path relative to the dataset folder; every file the reader
   * read is a key, files without rows included.
   */
  Map<String, Long> rowsIn();

  /** Rows rejected per input file, same keys as {@link #rowsIn()}. */
  Map<String, Long> rejectedIn();

  /**
   * Every rejected row, with the columns of {@link PreparedSchemas#QUARANTINE}: file (relative to the
   * dataset folder), line (1-based line, or entry number where the file has no lines), reason, raw.
   */
  Dataset<Row> quarantine();

  /** Releases the cached datasets. */
  @Override
  void close();
}
