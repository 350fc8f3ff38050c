package dev.magnitude.worker.model.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One safetensors file, read through any Hadoop file system: 8 bytes little-endian header length N, N bytes
 * of JSON header ({@code name → {dtype, shape, data_offsets [begin, end)}}, offsets relative to the data
 * section, plus an optional {@code __metadata__}), then the raw little-endian data.
 *
 * <p>{@link #open} reads the header only and checks it against the file: N within the file, every entry's
 * offsets within the data section, and (for the dtypes whose element size is known) its byte size equal to
 * the product of its shape times the element size. Each error is one line naming the file and the tensor.
 * {@link #read} reads one tensor's bytes (a positioned read) and widens F32, F16 and BF16 to float32 exactly;
 * any other dtype is an error naming the tensor, its dtype and the allowed ones.
 *
 * <p>Must be closed (holds the open stream). Not thread-safe.
 */
public final class SafeTensorsFile implements AutoCloseable {
  /** Element sizes of the safetensors dtypes, in bytes. */
  static final Map<String, Integer> ELEMENT_BYTES = Map.ofEntries(
      Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
      Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
      Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1), Map.entry("BOOL", 1),
      Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));
  /** The dtypes {@link #read} converts. */
  public static final String READABLE = "F32, F16, BF16";
  /** A header larger than this is not a safetensors header (the format's own limit is 100 MB). */
  static final long MAX_HEADER_BYTES = 100L << 20;

  /**
   * One tensor of the header.
   *
   * @param begin offset of its first byte in the data section
   * @param end offset after its last byte
   */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    public String shapeText() {
      return Arrays.toString(shape);
    }
  }

  private final String source;
  private final FSDataInputStream in;
  private final long dataStart;
  private final Map<String, Entry> entries;

  private SafeTensorsFile(String source, FSDataInputStream in, long dataStart, Map<String, Entry> entries) {
    this.source = source;
    this.in = in;
    this.dataStart = dataStart;
    this.entries = entries;
  }

  /**
   * Opens {@code path} and reads its header.
   *
   * @throws IOException if the file cannot be read, or is not a valid safetensors file (the message names the
   *     file, and the tensor when one entry is wrong)
   */
  public static SafeTensorsFile open(FileSystem fs, Path path) throws IOException {
    String source = path.toString();
    long length = fs.getFileStatus(path).getLen();
    FSDataInputStream in = fs.open(path);
    try {
      if (length < 8) {
        throw new IOException(source + ": " + length + " bytes, too short for a safetensors file (8-byte header length)");
      }
      byte[] prefix = new byte[8];
      in.readFully(0, prefix);
      long headerLength = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLength <= 0 || headerLength > length - 8 || headerLength > MAX_HEADER_BYTES) {
        throw new IOException(source + ": header length " + headerLength + " overruns the file of " + length
            + " bytes (allowed: 1 to " + Math.min(length - 8, MAX_HEADER_BYTES) + ")");
      }
      byte[] header = new byte[(int) headerLength];
      in.readFully(8, header);
      long dataLength = length - 8 - headerLength;
      return new SafeTensorsFile(source, in, 8 + headerLength, parseHeader(source, header, dataLength));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  private static Map<String, Entry> parseHeader(String source, byte[] header, long dataLength) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(new String(header, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new IOException(source + ": the header is not JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new IOException(source + ": the header is not a JSON object");
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!field.getKey().equals("__metadata__")) {
        Entry entry = entry(source, field.getKey(), field.getValue(), dataLength);
        entries.put(entry.name(), entry);
      }
    }
    return Collections.unmodifiableMap(entries);
  }

  private static Entry entry(String source, String name, JsonNode node, long dataLength) throws IOException {
    JsonNode dtype = node.path("dtype");
    JsonNode shape = node.path("shape");
    JsonNode offsets = node.path("data_offsets");
    if (!dtype.isTextual() || !shape.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new IOException(source + ": tensor " + name + " needs dtype, shape and data_offsets [begin, end] in the "
          + "header, found " + node);
    }
    long[] dims = new long[shape.size()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong(-1);
      if (!shape.get(i).canConvertToLong() || dims[i] < 0) {
        throw new IOException(source + ": tensor " + name + " has shape " + shape + ": dimensions must be >= 0");
      }
      count = Math.multiplyExact(count, dims[i]);
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataLength) {
      throw new IOException(source + ": tensor " + name + " has data_offsets " + offsets + " that overrun the data "
          + "section of " + dataLength + " bytes");
    }
    Integer size = ELEMENT_BYTES.get(dtype.asText());
    if (size != null && end - begin != count * size) {
      throw new IOException(source + ": tensor " + name + " of dtype " + dtype.asText() + " and shape " + shape
          + " needs " + count * size + " bytes, its data_offsets " + offsets + " hold " + (end - begin));
    }
    return new Entry(name, dtype.asText(), dims, begin, end);
  }

  /** The file, as given to {@link #open}. */
  public String source() {
    return source;
  }

  /** Every tensor of the header, in header order. */
  public Map<String, Entry> entries() {
    return entries;
  }

  /**
   * Reads one tensor as float32.
   *
   * @param stored its name in this file
   * @param name the name of the result (e.g. without a {@code bert.} prefix)
   * @throws IllegalArgumentException if the file has no such tensor, or its dtype is not one of {@value #READABLE}
   */
  public NamedTensor read(String stored, String name) throws IOException {
    Entry entry = entries.get(stored);
    if (entry == null) {
      throw new IllegalArgumentException(source + " has no tensor " + stored);
    }
    requireReadable(entry);
    byte[] bytes = new byte[Math.toIntExact(entry.end() - entry.begin())];
    in.readFully(dataStart + entry.begin(), bytes);
    return new NamedTensor(name, entry.shape(), HalfFloats.toFloats(entry.dtype(), bytes));
  }

  /** Refuses a dtype {@link #read} cannot convert, naming the tensor. */
  public void requireReadable(Entry entry) {
    if (!HalfFloats.converts(entry.dtype())) {
      throw new IllegalArgumentException(source + ": tensor " + entry.name() + " has dtype " + entry.dtype()
          + "; allowed: " + READABLE);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
