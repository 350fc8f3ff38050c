package dev.magnitude.prepare.images;

import dev.magnitude.prepare.io.SerializableHadoopConf;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Reads and decodes the image files of valid image entries ({@link Entries#SCHEMA} rows) inside Spark tasks,
 * through the Hadoop FileSystem of the dataset folder, giving {@link Entries#DECODED} rows: a missing file (or
 * a folder) is {@link ImageReasons#IMAGE_NOT_FOUND}, the others are as {@link ImageDecoder#decode} says. Any
 * other I/O error fails the task, so Spark retries it: a flaky store does not quarantine images.
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
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Row next() {
        return decoded(fs, entries.next());
      }
    };
  }

  private Row decoded(FileSystem fs, Row entry) {
    String path = entry.getAs("path");
    Path file = new Path(folder + "/" + path);
    try {
      FileStatus status;
      try {
        status = fs.getFileStatus(file);
      } catch (FileNotFoundException e) {
        return row(entry, null, ImageReasons.IMAGE_NOT_FOUND);
      }
      if (!status.isFile()) {
        return row(entry, null, ImageReasons.IMAGE_NOT_FOUND);
      }
      if (status.getLen() > ImageDecoder.MAX_BYTES) {
        return row(entry, null, ImageReasons.IMAGE_TOO_LARGE);
      }
      byte[] bytes;
      try (InputStream in = fs.open(file)) {
        bytes = in.readAllBytes();
      }
      ImageDecoder.Result result = ImageDecoder.decode(bytes, size);
      return row(entry, result.png(), result.reason());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + file + ": " + e.getMessage(), e);
    }
  }

  private Row row(Row entry, byte[] png, String reason) {
    Integer side = png == null ? null : size;
    return RowFactory.create(
        entry.getAs("file"), entry.getAs("split"), entry.getAs("line"), entry.getAs("raw"), entry.getAs("id"),
        entry.getAs("link"), entry.getAs("path"), side, side, png, reason);
  }
}
