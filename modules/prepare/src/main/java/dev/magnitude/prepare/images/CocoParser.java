package dev.magnitude.prepare.images;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.magnitude.prepare.io.SerializableHadoopConf;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Parses one COCO captions JSON file inside a Spark task with Jackson's streaming parser: only the entry
 * being read is a tree, so a file of any size takes constant memory, and rows leave the task as they are
 * parsed. {@code images} and {@code annotations} entries become {@link Entries} rows (line = 1-based index in
 * the array; raw = {@code images[i] <entry as compact JSON>} with i the 0-based JSON index, as jq counts);
 * other top-level fields are skipped. A file Jackson cannot parse (or whose top level is not an object, or
 * whose images/annotations is not an array) gives one {@link Entries#ERROR} row with the parser's message.
 * Compressed files (.gz, .bz2, ...) are decompressed by their extension.
 */
final class CocoParser implements FlatMapFunction<CocoParser.CocoFile, Row> {
  private static final long serialVersionUID = 1L;
  /** No strict duplicate detection: it would fail the whole file for one entry's repeated key. */
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  /**
   * One split's annotation file and the folder its file_names are relative to, both relative to the dataset
   * folder.
   */
  record CocoFile(String split, String file, String imagesFolder) implements Serializable {}

  private final String folder;
  private final Broadcast<SerializableHadoopConf> conf;

  CocoParser(String folder, Broadcast<SerializableHadoopConf> conf) {
    this.folder = folder;
    this.conf = conf;
  }

  @Override
  public Iterator<Row> call(CocoFile coco) throws IOException {
    Configuration hadoop = conf.value().get();
    Path path = new Path(folder + "/" + coco.file());
    InputStream in = path.getFileSystem(hadoop).open(path);
    CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(path);
    if (codec != null) {
      in = codec.createInputStream(in);
    }
    JsonParser parser = MAPPER.getFactory().createParser(in);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) context -> close(parser));
    }
    return new EntryIterator(coco, parser);
  }

  private static void close(JsonParser parser) {
    try {
      parser.close();
    } catch (IOException e) {
      // Nothing was written; a failed close of a read stream loses nothing.
    }
  }

  /** Walks the top-level object, yielding one row per array entry. */
  private static final class EntryIterator implements Iterator<Row> {
    private final CocoFile coco;
    private final JsonParser parser;
    private boolean started;
    private boolean done;
    /** "images" or "annotations" while inside that array, else null. */
    private String array;
    private long index;
    private Row next;

    EntryIterator(CocoFile coco, JsonParser parser) {
      this.coco = coco;
      this.parser = parser;
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = advance();
        if (next == null) {
          done = true;
          close(parser);
        }
      }
      return next != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row row = next;
      next = null;
      return row;
    }

    private Row advance() {
      try {
        if (!started) {
          started = true;
          if (parser.nextToken() != JsonToken.START_OBJECT) {
            return fail("the top level is not a JSON object");
          }
        }
        while (true) {
          if (array != null) {
            if (parser.nextToken() == JsonToken.END_ARRAY) {
              array = null;
              continue;
            }
            index++;
            return entry(MAPPER.readTree(parser));
          }
          JsonToken token = parser.nextToken();
          if (token == JsonToken.END_OBJECT) {
            return parser.nextToken() == null ? null : fail("content after the top-level object");
          }
          // Inside the top-level object every token here is a field name.
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          if (name.equals("images") || name.equals("annotations")) {
            if (value != JsonToken.START_ARRAY) {
              return fail("\"" + name + "\" is not an array");
            }
            array = name;
            index = 0;
          } else {
            parser.skipChildren();
          }
        }
      } catch (JsonProcessingException e) {
        return fail(e.getOriginalMessage() + (e.getLocation() == null ? "" : " at " + e.getLocation().offsetDescription()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + coco.file() + ": " + e.getMessage(), e);
      }
    }

    private Row fail(String message) {
      done = true;
      return Entries.error(coco.file(), coco.split(), message);
    }

    private Row entry(JsonNode node) {
      String raw = array + "[" + (index - 1) + "] " + node;
      String file = coco.file();
      String split = coco.split();
      if (array.equals("images")) {
        String id = Entries.idOf(node.get("id"));
        if (id == null) {
          return Entries.image(file, split, index, raw, null, null, null, ImageReasons.MISSING_ID);
        }
        String given = Entries.pathOf(node.get("file_name"));
        if (given == null) {
          return Entries.image(file, split, index, raw, id, id, null, ImageReasons.MISSING_IMAGE_PATH);
        }
        String path = ImagePaths.inside(coco.imagesFolder(), given);
        return Entries.image(file, split, index, raw, id, id, path,
            path == null ? ImageReasons.PATH_OUTSIDE_FOLDER : null);
      }
      String id = Entries.idOf(node.get("id"));
      String imageId = Entries.idOf(node.get("image_id"));
      if (imageId == null) {
        return Entries.rejectedCaption(file, split, index, raw, id, ImageReasons.MISSING_ID);
      }
      return Entries.caption(file, split, index, raw, id, imageId, imageId, Entries.textOf(node.get("caption")));
    }
  }
}
