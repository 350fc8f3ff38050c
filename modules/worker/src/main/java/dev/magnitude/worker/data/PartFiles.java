package dev.magnitude.worker.data;

import dev.magnitude.worker.RunFailure;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The data files of a prepared table: a folder of {@code part-*.parquet} files on any Hadoop
 * FileSystem. Names starting with {@code _} or {@code .} ({@code _SUCCESS}, {@code .crc} sidecars,
 * temporary files) are not data and are skipped, as Spark does.
 */
public final class PartFiles {
  private PartFiles() {}

  /**
   * Lists the part files of a table folder, sorted by name so every reader sees rows in the same order.
   *
   * @throws RunFailure if the folder does not exist or holds no part file (naming the path)
   */
  public static List<Path> list(String folder, Configuration conf) throws IOException {
    Path path = new Path(folder);
    FileSystem fs = path.getFileSystem(conf);
    FileStatus[] statuses;
    try {
      statuses = fs.listStatus(path);
    } catch (FileNotFoundException e) {
      throw new RunFailure("prepared data missing: " + folder + " does not exist; run the prepare job first");
    }
    List<Path> parts = new ArrayList<>();
    for (FileStatus status : statuses) {
      String name = status.getPath().getName();
      if (status.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
        parts.add(status.getPath());
      }
    }
    if (parts.isEmpty()) {
      throw new RunFailure("prepared data missing: " + folder + " holds no part files");
    }
    parts.sort(Comparator.comparing(Path::getName));
    return parts;
  }

  /** Whether the table folder exists (it may still be empty). */
  public static boolean exists(String folder, Configuration conf) throws IOException {
    Path path = new Path(folder);
    return path.getFileSystem(conf).exists(path);
  }
}
