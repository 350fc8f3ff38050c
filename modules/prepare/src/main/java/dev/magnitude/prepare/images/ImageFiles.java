package dev.magnitude.prepare.images;

import dev.magnitude.prepare.io.DatasetFiles;
import dev.magnitude.prepare.io.SerializableHadoopConf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Reads and decodes the image files of valid image entries ({@link Entries#SCHEMA} rows) inside Spark tasks,
 * through the Hadoop FileSystem of the dataset folder, giving {@link Entries#DECODED} rows. A file is read only
 * when its real path, links resolved, is a regular file inside the dataset folder ({@link DatasetFiles}), and at
 * most {@link ImageDecoder#MAX_BYTES} + 1 bytes of it whatever size it reports: nothing at the path is {@link
 * ImageReasons#IMAGE_NOT_FOUND}, a link out of the folder {@link ImageReasons#PATH_OUTSIDE_FOLDER}, a folder,
 * FIFO or device {@link ImageReasons#NOT_A_REGULAR_FILE}, more bytes than the limit {@link
 * ImageReasons#IMAGE_TOO_LARGE}; the others are as {@link ImageDecoder#decode} says. Any other I/O error fails
 * the task, so Spark retries it: a flaky store does not quarantine images.
 */
final class ImageFiles implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;
  private final String folder;
  private final int size;
  private final Broadcast<SerializableHadoopConf> conf;

  ImageFiles(String folder, int size, Broadcast<SerializableHadoopConf> conf) {
    this.folder = folder;
    this.size = size;
    this.conf = conf;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> entries) throws IOException {
    FileSystem fs = new Path(folder).getFileSystem(conf.value().get());
    DatasetFiles files = DatasetFiles.of(fs, folder);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Row next() {
        return decoded(files, entries.next());
      }
    };
  }

  private Row decoded(DatasetFiles files, Row entry) {
    String path = entry.getAs("path");
    try {
      DatasetFiles.Resolved file = files.resolve(path);
      return switch (file.kind()) {
        case MISSING -> row(entry, null, ImageReasons.IMAGE_NOT_FOUND);
        case OUTSIDE -> row(entry, null, ImageReasons.PATH_OUTSIDE_FOLDER);
        case NOT_REGULAR -> row(entry, null, ImageReasons.NOT_A_REGULAR_FILE);
        case FILE -> {
          byte[] bytes = files.readAtMost(file, ImageDecoder.MAX_BYTES);
          if (bytes.length > ImageDecoder.MAX_BYTES) {
            yield row(entry, null, ImageReasons.IMAGE_TOO_LARGE);
          }
          ImageDecoder.Result result = ImageDecoder.decode(bytes, size);
          yield row(entry, result.png(), result.reason());
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + folder + "/" + path + ": " + e.getMessage(), e);
    }
  }

  private Row row(Row entry, byte[] png, String reason) {
    Integer side = png == null ? null : size;
    return RowFactory.create(
        entry.getAs("file"), entry.getAs("split"), entry.getAs("line"), entry.getAs("raw"), entry.getAs("id"),
        entry.getAs("link"), entry.getAs("path"), side, side, png, reason);
  }
}
