package dev.magnitude.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.manifest.Manifest;
import dev.magnitude.prepare.io.ShardedTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** Test helpers for end-to-end prepare tests: prepared tables on the local file system. */
public final class PreparedTables {
  private PreparedTables() {}

  public static final FileTime LONG_AGO = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));

  /** A local path of a file: URI. */
  public static Path local(String uri) {
    return Path.of(java.net.URI.create(uri));
  }

  /** Every part file of the table has the shape of data-schemas/&lt;avsc&gt;.avsc; there is at least one. */
  public static void assertShape(String table, String avsc) {
    List<Path> parts = ParquetFiles.parts(local(table));
    assertThat(parts).as(table).isNotEmpty();
    String expected = ParquetFiles.shape(ParquetFiles.avsc(avsc));
    for (Path part : parts) {
      assertThat(ParquetFiles.shape(ParquetFiles.avroSchema(part))).as(part.toString()).isEqualTo(expected);
    }
    assertThat(local(table).resolve(WorkDir.SUCCESS)).exists();
  }

  /** The named columns of a prepared table as "a|b", sorted. */
  public static List<String> rows(SparkSession spark, String table, StructType schema, String... columns) {
    return TestRows.joined(ShardedTable.read(spark, table, schema).selectExpr(columns));
  }

  /**
   * Every file under the prepared dataset with its modification time, the manifest's first set to {@link
   * #LONG_AGO}: a prepare that skips leaves this map as it is.
   */
  public static Map<String, FileTime> backdateAndList(WorkDir work, String dataset) {
    try {
      Files.setLastModifiedTime(local(work.manifest(dataset)), LONG_AGO);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return list(work, dataset);
  }

  /** Every file under the prepared dataset, relative to it, with its modification time. */
  public static Map<String, FileTime> list(WorkDir work, String dataset) {
    Path root = local(work.dataset(dataset));
    Map<String, FileTime> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.getLastModifiedTime(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** Asserts that a prepare skipped: same manifest, no file rewritten, no Spark job in the dataset's group. */
  public static void assertSkips(SparkSession spark, WorkDir work, Manifest expected, java.util.function.Supplier<Manifest> prepare) {
    String dataset = expected.dataset();
    Map<String, FileTime> before = backdateAndList(work, dataset);
    int jobs = spark.sparkContext().statusTracker().getJobIdsForGroup("prepare-" + dataset).length;
    assertThat(prepare.get()).isEqualTo(expected);
    assertThat(list(work, dataset)).isEqualTo(before);
    assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup("prepare-" + dataset)).hasSize(jobs);
  }

  public static Integer[] box(int[] ids) {
    return java.util.Arrays.stream(ids).boxed().toArray(Integer[]::new);
  }
}
