package dev.magnitude.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * JSON files that carry a checksum in their own content, for the files Magnitude reads back to decide something
 * (manifest.json, spec.json, normalization.json): a file system without checksums of its own (s3a, a copy that
 * drops Hadoop's hidden {@code .crc} files) then still cannot hand back a damaged file as a good one.
 *
 * <p>The file is one JSON object whose last member is {@code "sha256"}: the SHA-256, as 64 lower-case hex digits,
 * of the object's canonical form without that member. The canonical form is the object's tokens in file order,
 * written compactly by Jackson as UTF-8: no whitespace between tokens, strings re-escaped by Jackson's rules,
 * numbers as their literal text ({@code 1.0E-5} stays {@code 1.0E-5}). So reformatting a file (pretty or compact)
 * keeps it valid, and any change to a key, a value or their order does not. Readers that do not know the member
 * ignore it ({@link Json#MAPPER} ignores unknown properties), so older code reads these files.
 *
 * <p>A file without the member (written before this class existed) is read as it is: its content is not
 * checked. A file with the member whose content does not match it, or with a member that is not 64 hex digits,
 * or with anything after the object, is {@link DamagedFileException}.
 */
public final class ChecksummedJson {
  private ChecksummedJson() {}

  /** The name of the checksum member. */
  public static final String FIELD = "sha256";

  private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

  /** A file whose content does not match its checksum. The message names the file and both digests. */
  public static final class DamagedFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DamagedFileException(String message) {
      super(message);
    }
  }

  /** {@code value} as compact JSON ({@link Json#write}) with its checksum. */
  public static String write(Object value) {
    return seal(Json.write(value));
  }

  /** {@code value} as indented JSON ({@link Json#writePretty}) with its checksum. */
  public static String writePretty(Object value) {
    return seal(Json.writePretty(value));
  }

  /**
   * {@code json}, one JSON object without a {@value #FIELD} member, with that member appended as its last one,
   * in the object's own layout (indented when the text has line breaks, compact otherwise).
   *
   * @throws IllegalArgumentException when {@code json} is not one object or already has the member
   */
  public static String seal(String json) {
    Canonical canonical = canonical(json, "the JSON to seal");
    if (canonical == null) {
      throw new IllegalArgumentException("only a JSON object can carry a checksum member: " + abbreviated(json));
    }
    if (canonical.stored != null) {
      throw new IllegalArgumentException("the JSON already has a " + FIELD + " member");
    }
    String body = json.strip();
    String head = body.substring(0, body.length() - 1).stripTrailing();
    boolean empty = canonical.bytes.length == 2; // "{}"
    boolean indented = json.indexOf('\n') >= 0;
    String member = indented
        ? (empty ? "" : ",") + "\n  \"" + FIELD + "\" : \"" + canonical.digest() + "\"\n}"
        : (empty ? "" : ",") + "\"" + FIELD + "\":\"" + canonical.digest() + "\"}";
    return head + member;
  }

  /**
   * {@code text} if its content matches its checksum, or if it has none (a file of older code).
   *
   * @param source what the text was read from (its path), for the message
   * @throws DamagedFileException when the content does not match, or the text is not JSON at all
   */
  public static String verified(String text, String source) {
    Canonical canonical = canonical(text, source);
    if (canonical == null || canonical.stored == null) {
      return text;
    }
    String actual = canonical.digest();
    if (!actual.equals(canonical.stored)) {
      throw new DamagedFileException(source + " is damaged: its content has SHA-256 " + actual + " but its " + FIELD
          + " member says " + canonical.stored);
    }
    return text;
  }

  /** {@link #verified} text bound to {@code type} by {@link Json#read}. */
  public static <T> T read(String text, Class<T> type, String source) {
    return Json.read(verified(text, source), type);
  }

  /**
   * The canonical bytes of a top-level object without its checksum member, and the member's value (null when
   * absent); null when the text is JSON but not an object.
   */
  private static Canonical canonical(String text, String source) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    String stored = null;
    try (JsonParser in = FACTORY.createParser(text); JsonGenerator gen = FACTORY.createGenerator(out)) {
      JsonToken token = in.nextToken();
      if (token != JsonToken.START_OBJECT) {
        if (token == null) {
          throw new DamagedFileException(source + " is damaged: it is empty");
        }
        return null;
      }
      gen.writeStartObject();
      while ((token = in.nextToken()) != JsonToken.END_OBJECT) {
        String name = in.currentName();
        if (name.equals(FIELD)) {
          if (stored != null || in.nextToken() != JsonToken.VALUE_STRING || !isDigest(in.getText())) {
            throw new DamagedFileException(source + " is damaged: its " + FIELD + " member is not one SHA-256 in hex");
          }
          stored = in.getText();
          continue;
        }
        gen.writeFieldName(name);
        in.nextToken();
        copyValue(in, gen);
      }
      gen.writeEndObject();
      if (in.nextToken() != null) {
        throw new DamagedFileException(source + " is damaged: there is more after its JSON object");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new DamagedFileException(source + " is damaged: it is not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Canonical(out.toByteArray(), stored);
  }

  /** Copies the value at the parser's current token (and everything inside it) to the generator. */
  private static void copyValue(JsonParser in, JsonGenerator gen) throws IOException {
    switch (in.currentToken()) {
      case START_OBJECT -> {
        gen.writeStartObject();
        while (in.nextToken() != JsonToken.END_OBJECT) {
          gen.writeFieldName(in.currentName());
          in.nextToken();
          copyValue(in, gen);
        }
        gen.writeEndObject();
      }
      case START_ARRAY -> {
        gen.writeStartArray();
        while (in.nextToken() != JsonToken.END_ARRAY) {
          copyValue(in, gen);
        }
        gen.writeEndArray();
      }
      case VALUE_STRING -> gen.writeString(in.getText());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> gen.writeNumber(in.getText());
      case VALUE_TRUE -> gen.writeBoolean(true);
      case VALUE_FALSE -> gen.writeBoolean(false);
      case VALUE_NULL -> gen.writeNull();
      default -> throw new IllegalStateException("unexpected JSON token " + in.currentToken());
    }
  }

  private static boolean isDigest(String s) {
    return s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }

  private static String abbreviated(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private record Canonical(byte[] bytes, String stored) {
    String digest() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
