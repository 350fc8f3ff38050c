package dev.magnitude.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Test helpers: the part files of a written table, their row counts and schemas as Avro. */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** The part-*.parquet files of a table folder, sorted by name. */
  public static List<Path> parts(Path table) {
    try (Stream<Path> files = Files.list(table)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("part-") && p.toString().endsWith(".parquet"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static long rows(Path part) {
    try (ParquetFileReader reader = open(part)) {
      return reader.getRecordCount();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file's Parquet schema converted to Avro (3-level lists read as plain arrays). */
  public static Schema avroSchema(Path part) {
    try (ParquetFileReader reader = open(part)) {
      return new AvroSchemaConverter(conf()).convert(reader.getFooter().getFileMetaData().getSchema());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** data-schemas/&lt;name&gt;.avsc from the core jar. */
  public static Schema avsc(String name) {
    try (InputStream in = ParquetFiles.class.getResourceAsStream("/data-schemas/" + name + ".avsc")) {
      if (in == null) {
        throw new IllegalStateException("/data-schemas/" + name + ".avsc is not on the classpath");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Field names and types, recursively, without record names, namespaces, docs or defaults. */
  public static String shape(Schema s) {
    return switch (s.getType()) {
      case RECORD -> s.getFields().stream()
          .map(f -> f.name() + ":" + shape(f.schema()))
          .collect(Collectors.joining(", ", "record{", "}"));
      case UNION -> s.getTypes().stream().map(ParquetFiles::shape).collect(Collectors.joining(", ", "union[", "]"));
      case ARRAY -> "array<" + shape(s.getElementType()) + ">";
      case MAP -> "map<" + shape(s.getValueType()) + ">";
      default -> s.getType().getName() + (s.getLogicalType() == null ? "" : "(" + s.getLogicalType().getName() + ")");
    };
  }

  private static ParquetFileReader open(Path part) throws IOException {
    return ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part.toUri()), conf()));
  }

  private static Configuration conf() {
    Configuration conf = new Configuration();
    // Spark writes standard 3-level lists (list/element); without this the converter would read the
    // repeated 'list' group as an element record.
    conf.setBoolean(AvroSchemaConverter.ADD_LIST_ELEMENT_RECORDS, false);
    return conf;
  }
}
