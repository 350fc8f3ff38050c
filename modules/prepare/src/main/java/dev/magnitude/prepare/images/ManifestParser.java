package dev.magnitude.prepare.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.prepare.beir.BeirReader;
import dev.magnitude.prepare.io.StrictJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Parses the lines of a captions-jsonl manifest, each line's bytes with its 0-based index, into {@link
 * Entries} rows. Blank lines give nothing; a BOM on line 1 is stripped. A line whose image is identified
 * gives 1 image row and 1 row per caption (caption k: id {@code <image id>#<k>}, k from 0, raw {@code
 * captions[k] <the caption as JSON>}); a line that is not valid UTF-8, not a JSON object, has an invalid
 * {@code id}, no {@code image}, or a {@code captions} that is not an array gives 1 row, the image's.
 */
final class ManifestParser implements FlatMapFunction<Tuple2<byte[], Long>, Row> {
  private static final long serialVersionUID = 1L;
  private final String file;
  private final String split;

  ManifestParser(String file, String split) {
    this.file = file;
    this.split = split;
  }

  @Override
  public Iterator<Row> call(Tuple2<byte[], Long> indexed) {
    long number = indexed._2() + 1;
    String line;
    try {
      line = BeirReader.stripBom(strictUtf8(indexed._1()), number);
    } catch (CharacterCodingException e) {
      String shown = new String(indexed._1(), StandardCharsets.UTF_8);
      return List.of(rejected(shown, number, ImageReasons.INVALID_UTF8)).iterator();
    }
    if (line.isBlank()) {
      return Collections.emptyIterator();
    }
    return parse(line, number).iterator();
  }

  private List<Row> parse(String line, long number) {
    JsonNode node;
    try {
      node = StrictJson.MAPPER.readTree(line);
    } catch (IOException e) {
      return List.of(rejected(line, number, ImageReasons.INVALID_JSON));
    }
    if (node == null || !node.isObject()) {
      return List.of(rejected(line, number, ImageReasons.INVALID_JSON));
    }
    JsonNode captions = node.get("captions");
    if (captions != null && !captions.isNull() && !captions.isArray()) {
      return List.of(rejected(line, number, ImageReasons.CAPTIONS_NOT_A_LIST));
    }
    JsonNode idNode = node.get("id");
    String explicitId = Entries.idOf(idNode);
    if (idNode != null && !idNode.isNull() && explicitId == null) {
      return List.of(rejected(line, number, ImageReasons.MISSING_ID));
    }
    String given = Entries.pathOf(node.get("image"));
    if (given == null) {
      return List.of(rejected(line, number, ImageReasons.MISSING_IMAGE_PATH));
    }
    String path = ImagePaths.inside("", given);
    String id = explicitId != null ? explicitId : path != null ? path : given;
    String link = Long.toString(number);
    List<Row> rows = new ArrayList<>();
    rows.add(Entries.image(file, split, number, line, id, link, path,
        path == null ? ImageReasons.PATH_OUTSIDE_FOLDER : null));
    if (captions != null && captions.isArray()) {
      for (int k = 0; k < captions.size(); k++) {
        JsonNode caption = captions.get(k);
        rows.add(Entries.caption(file, split, number, "captions[" + k + "] " + caption, id + "#" + k, id, link,
            Entries.textOf(caption)));
      }
    }
    return rows;
  }

  /** A line that identifies no image: one image row, not linked to any caption. */
  private Row rejected(String line, long number, String reason) {
    return Entries.image(file, split, number, line, null, Long.toString(number), null, reason);
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
