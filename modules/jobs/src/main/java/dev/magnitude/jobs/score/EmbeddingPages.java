package dev.magnitude.jobs.score;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Reads the documents of an embeddings table straight from its Parquet pages, for the scorer: one task per
 * row group, the vectors' float values copied out of each page in bulk, no per-value decoding.
 *
 * <p><b>Why.</b> Spark's vectorized reader decodes {@code array<float>} value by value through the list's
 * repetition and definition levels and allocates per batch; in the scoring benchmark that was a fifth of the
 * tasks' CPU time, second only to the matrix products. The trainer writes embeddings in a layout that needs
 * none of it: required id and vector, every list the same length, plain-encoded values without a dictionary,
 * uncompressed (see the trainer's {@code AtomicParquetFile.embeddings}). Here the levels are only checked,
 * run by run (RLE / bit-packing hybrid, bit width 1), and the values are one bulk copy per row.
 *
 * <p><b>Which files.</b> {@link #plan} takes a table only when every one of its files has a required
 * {@code id} (binary) and a {@code vector} list of required floats (the repeated leaf with maximum repetition
 * and definition levels 1), and in every row group neither column has a dictionary page or an encoding other
 * than plain values and RLE levels; any other table (nullable elements as Spark writes them, dictionaries,
 * older Snappy files are fine: pages are decompressed by Parquet's reader) is scored through Spark's reader,
 * with the same results. A row whose vector has another length than the queries' is the same error as there.
 */
final class EmbeddingPages {
  static final String ID = "id";
  static final String VECTOR = "vector";
  private static final Set<Encoding> LEVEL_AND_VALUE_ENCODINGS = EnumSet.of(Encoding.PLAIN, Encoding.RLE);
  /** BIT_PACKED is listed by some writers for the levels of a column that has none (maximum level 0). */
  private static final Set<Encoding> ID_ENCODINGS = EnumSet.of(Encoding.PLAIN, Encoding.RLE, Encoding.BIT_PACKED);

  private EmbeddingPages() {}

  /** One row group of one file: where it starts in the file, and its size in bytes. */
  record Split(String file, int rowGroup, long rows, long offset, long bytes) implements Serializable {}

  /**
   * The splits packed, in order, into tasks of at most {@code maxBytes} each, every split counted with {@code
   * openCost} more (as Spark packs files into partitions): a task scores its row groups with one top k per
   * query, so fewer, larger tasks rescore fewer pairs than one task per small row group.
   */
  static List<List<Split>> pack(List<Split> splits, long maxBytes, long openCost) {
    List<List<Split>> tasks = new ArrayList<>();
    List<Split> task = new ArrayList<>();
    long bytes = 0;
    for (Split split : splits) {
      if (!task.isEmpty() && bytes + split.bytes() > maxBytes) {
        tasks.add(task);
        task = new ArrayList<>();
        bytes = 0;
      }
      task.add(split);
      bytes += split.bytes() + openCost;
    }
    if (!task.isEmpty()) {
      tasks.add(task);
    }
    return tasks;
  }

  /** Takes each document: its id and {@code dim} floats of {@code vector} from {@code from}. */
  interface Sink {
    void document(String id, float[] vector, int from);
  }

  /**
   * The row groups of every data file at {@code path} (a Parquet file, or a folder of them; names starting
   * with '_' or '.' are skipped, as Spark skips them), in file-name order; null when a file is not in the
   * layout this reader takes, or the folder has sub-folders.
   */
  static List<Split> plan(String path, Configuration conf) throws IOException {
    Path root = new Path(path);
    FileSystem fs = root.getFileSystem(conf);
    FileStatus status = fs.getFileStatus(root);
    List<FileStatus> files = new ArrayList<>();
    if (status.isDirectory()) {
      for (FileStatus child : fs.listStatus(root)) {
        String name = child.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".")) {
          continue;
        }
        if (child.isDirectory()) {
          return null;
        }
        files.add(child);
      }
      files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    } else {
      files.add(status);
    }
    List<Split> splits = new ArrayList<>();
    for (FileStatus file : files) {
      {
        @SuppressWarnings("deprecation") // the footer alone: opening a reader costs several times more per file
        org.apache.parquet.hadoop.metadata.ParquetMetadata footer = ParquetFileReader.readFooter(conf, file,
            org.apache.parquet.format.converter.ParquetMetadataConverter.NO_FILTER);
        MessageType schema = footer.getFileMetaData().getSchema();
        ColumnDescriptor id = idColumn(schema);
        ColumnDescriptor vector = vectorColumn(schema);
        if (id == null || vector == null) {
          return null;
        }
        List<BlockMetaData> groups = footer.getBlocks();
        for (int g = 0; g < groups.size(); g++) {
          BlockMetaData group = groups.get(g);
          for (ColumnChunkMetaData chunk : group.getColumns()) {
            String[] columnPath = chunk.getPath().toArray();
            boolean isId = Arrays.equals(columnPath, id.getPath());
            if (!isId && !Arrays.equals(columnPath, vector.getPath())) {
              continue;
            }
            if (chunk.hasDictionaryPage()
                || !(isId ? ID_ENCODINGS : LEVEL_AND_VALUE_ENCODINGS).containsAll(chunk.getEncodings())) {
              return null;
            }
          }
          if (group.getRowCount() > 0) {
            splits.add(new Split(file.getPath().toString(), g, group.getRowCount(), group.getStartingPos(),
                group.getCompressedSize()));
          }
        }
      }
    }
    return splits;
  }

  /** Hosts a task is best run on: at most this many, those holding most of its bytes first. */
  static final int MAX_HOSTS = 3;

  /**
   * The tasks as an RDD of one partition each, every partition preferring the hosts that hold most of its row
   * groups' bytes (the file system's block locations; "localhost" for local files), as Spark's own file scan
   * prefers them.
   */
  static JavaRDD<List<Split>> tasks(JavaSparkContext jsc, List<List<Split>> tasks, Configuration conf)
      throws IOException {
    List<scala.Tuple2<List<Split>, scala.collection.immutable.Seq<String>>> located = new ArrayList<>();
    for (List<Split> task : tasks) {
      located.add(new scala.Tuple2<>(task, CollectionConverters.asScala(hosts(task, conf)).toList()));
    }
    scala.reflect.ClassTag<List<Split>> tag = scala.reflect.ClassTag$.MODULE$.apply(List.class);
    return JavaRDD.fromRDD(jsc.sc().makeRDD(CollectionConverters.asScala(located).toList(), tag), tag);
  }

  /** The hosts holding most of the task's bytes, most first (at most {@link #MAX_HOSTS}). */
  static List<String> hosts(List<Split> task, Configuration conf) throws IOException {
    java.util.Map<String, Long> bytes = new java.util.HashMap<>();
    for (Split split : task) {
      Path path = new Path(split.file());
      FileSystem fs = path.getFileSystem(conf);
      long end = split.offset() + split.bytes();
      for (BlockLocation block : fs.getFileBlockLocations(fs.getFileStatus(path), split.offset(), split.bytes())) {
        long overlap = Math.min(end, block.getOffset() + block.getLength()) - Math.max(split.offset(), block.getOffset());
        for (String host : block.getHosts()) {
          bytes.merge(host, Math.max(0, overlap), Long::sum);
        }
      }
    }
    List<String> hosts = new ArrayList<>(bytes.keySet());
    hosts.sort((a, b) -> bytes.get(a).equals(bytes.get(b)) ? a.compareTo(b) : Long.compare(bytes.get(b), bytes.get(a)));
    return hosts.subList(0, Math.min(MAX_HOSTS, hosts.size()));
  }

  /** The required binary column {@code id}, or null. */
  private static ColumnDescriptor idColumn(MessageType schema) {
    if (!schema.containsField(ID)) {
      return null;
    }
    Type field = schema.getType(ID);
    if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)
        || field.asPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.BINARY) {
      return null;
    }
    ColumnDescriptor column = schema.getColumnDescription(new String[] {ID});
    return column.getMaxDefinitionLevel() == 0 ? column : null;
  }

  /** The one leaf under {@code vector}: required floats in a required list (levels at most 1), or null. */
  private static ColumnDescriptor vectorColumn(MessageType schema) {
    if (!schema.containsField(VECTOR)) {
      return null;
    }
    ColumnDescriptor found = null;
    for (ColumnDescriptor column : schema.getColumns()) {
      if (column.getPath().length > 1 && column.getPath()[0].equals(VECTOR)) {
        if (found != null) {
          return null;
        }
        found = column;
      }
    }
    boolean usable = found != null
        && found.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.FLOAT
        && found.getMaxRepetitionLevel() == 1 && found.getMaxDefinitionLevel() == 1;
    return usable ? found : null;
  }

  /**
   * Hands every document of the split to {@code sink}, in row order.
   *
   * @param dim the queries' dimension: every vector must have it
   * @param maxAllocation the largest buffer Parquet's reader allocates for the row group
   * @param buffers where the row group's buffers come from; they are given back to it when the split is read
   *     (nothing of them is referenced then: ids are strings, values copied out), so that a task reading several
   *     row groups allocates their buffers once
   * @throws IllegalArgumentException when a vector's length is not {@code dim} (the message names the document)
   */
  static void read(Split split, Configuration conf, int dim, int maxAllocation, Buffers buffers, Sink sink)
      throws IOException {
    try {
      readGroup(split, conf, dim, maxAllocation, buffers, sink);
    } finally {
      buffers.recycle();
    }
  }

  /**
   * Heap buffers for Parquet's reader, reused from one row group to the next: a row group of 128 MB read into
   * fresh buffers is 128 MB of garbage per row group, a young collection every few row groups that stops the
   * scoring tasks. Not thread-safe: one per task.
   */
  static final class Buffers implements org.apache.parquet.bytes.ByteBufferAllocator {
    private final java.util.Map<Integer, java.util.ArrayDeque<ByteBuffer>> free = new java.util.HashMap<>();
    private final List<ByteBuffer> lent = new ArrayList<>();

    @Override
    public ByteBuffer allocate(int size) {
      java.util.ArrayDeque<ByteBuffer> same = free.get(size);
      // a reused buffer as a fresh one: position 0, limit its capacity, big-endian
      ByteBuffer buffer = same == null || same.isEmpty() ? ByteBuffer.allocate(size)
          : same.pop().clear().order(ByteOrder.BIG_ENDIAN);
      lent.add(buffer);
      return buffer;
    }

    /** Parquet's reader does not give row group buffers back; {@link #recycle} takes them all. */
    @Override
    public void release(ByteBuffer buffer) {}

    @Override
    public boolean isDirect() {
      return false;
    }

    /** Every buffer lent since the last call is free again. */
    void recycle() {
      for (ByteBuffer buffer : lent) {
        free.computeIfAbsent(buffer.capacity(), c -> new java.util.ArrayDeque<>()).push(buffer);
      }
      lent.clear();
    }

    /** Buffers held, lent or free. */
    int held() {
      return lent.size() + free.values().stream().mapToInt(java.util.ArrayDeque::size).sum();
    }
  }

  private static void readGroup(Split split, Configuration conf, int dim, int maxAllocation, Buffers buffers, Sink sink)
      throws IOException {
    Path path = new Path(split.file());
    org.apache.parquet.ParquetReadOptions options = HadoopReadOptions.builder(conf, path)
        .withMaxAllocationInBytes(maxAllocation).withAllocator(buffers).build();
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf), options)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      ColumnDescriptor id = idColumn(schema);
      ColumnDescriptor vector = vectorColumn(schema);
      if (id == null || vector == null) {
        throw new IllegalStateException(split.file() + " changed after the scoring was planned: its schema is now " + schema);
      }
      reader.setRequestedSchema(new MessageType(schema.getName(), schema.getType(ID), schema.getType(VECTOR)));
      PageReadStore group = reader.readRowGroup(split.rowGroup());
      if (group.getRowCount() != split.rows()) {
        throw new IllegalStateException(split.file() + " changed after the scoring was planned: row group "
            + split.rowGroup() + " has " + group.getRowCount() + " rows, planned " + split.rows());
      }
      Ids ids = new Ids(group.getPageReader(id), split.file());
      Vectors vectors = new Vectors(group.getPageReader(vector), split.file());
      float[] values = new float[dim];
      for (long r = 0; r < split.rows(); r++) {
        String docId = ids.next();
        int length = vectors.next(values);
        if (length != dim) {
          throw new IllegalArgumentException("query and document dimensions differ: " + dim + " vs " + length
              + "; were they embedded by the same run? (document " + docId + ")");
        }
        sink.document(docId, values, 0);
      }
    }
  }

  private static IllegalStateException corrupt(String file, String what) {
    return new IllegalStateException("cannot read the embeddings in " + file + ": " + what);
  }

  /** A page's bytes as a little-endian buffer from 0 to its size. */
  private static ByteBuffer bytes(org.apache.parquet.bytes.BytesInput input) throws IOException {
    return input.toByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The plain-encoded ids, page after page. */
  private static final class Ids {
    private final PageReader pages;
    private final String file;
    private ByteBuffer page;
    private int left;

    Ids(PageReader pages, String file) {
      this.pages = pages;
      this.file = file;
    }

    String next() throws IOException {
      while (left == 0) {
        DataPage next = pages.readPage();
        if (next == null) {
          throw corrupt(file, "fewer ids than rows");
        }
        Encoding encoding = next instanceof DataPageV1 v1 ? v1.getValueEncoding() : ((DataPageV2) next).getDataEncoding();
        if (encoding != Encoding.PLAIN) {
          throw corrupt(file, "an id page is " + encoding + ", not PLAIN");
        }
        page = bytes(next instanceof DataPageV1 v1 ? v1.getBytes() : ((DataPageV2) next).getData());
        left = next.getValueCount();
      }
      int length = page.getInt();
      if (length < 0 || length > page.remaining()) {
        throw corrupt(file, "an id runs past its page");
      }
      String id;
      if (page.hasArray()) {
        id = new String(page.array(), page.arrayOffset() + page.position(), length, StandardCharsets.UTF_8);
        page.position(page.position() + length);
      } else {
        byte[] b = new byte[length];
        page.get(b);
        id = new String(b, StandardCharsets.UTF_8);
      }
      left--;
      return id;
    }
  }

  /**
   * The vector column, page after page: per page the positions where a row starts (repetition level 0), whether
   * every entry holds a value (definition level 1; an entry without one is an empty list), and the values.
   */
  private static final class Vectors {
    private final PageReader pages;
    private final String file;
    /** Entries of the current page (levels), the next one, and where the rows start among them. */
    private int entries;
    private int entry;
    private int[] starts = new int[0];
    private int startCount;
    private int nextStart;
    /** Per entry whether it holds a value, only for a page with empty lists (else null: all do). */
    private boolean[] defined;
    private FloatBuffer values;
    private int value;

    Vectors(PageReader pages, String file) {
      this.pages = pages;
      this.file = file;
    }

    /** Copies the next row's values into {@code out} (as many as fit) and returns the row's length. */
    int next(float[] out) throws IOException {
      if (entry == entries) {
        load();
      }
      if (nextStart >= startCount || starts[nextStart] != entry) {
        throw corrupt(file, "a vector does not start where its row does");
      }
      nextStart++;
      int length = 0;
      while (true) {
        // the row's entries on this page: up to the next row's start, or the page's end
        int end = nextStart < startCount ? starts[nextStart] : entries;
        length += take(out, length, end);
        if (end < entries || !morePages()) {
          return length;
        }
        // the row may go on on the next page (a writer may cut pages inside a row)
        load();
        if (startCount > 0 && starts[0] == 0) {
          return length;
        }
      }
    }

    /** Whether another page follows, read ahead only when the current one is used up. */
    private DataPage ahead;

    private boolean morePages() {
      if (ahead == null) {
        ahead = pages.readPage();
      }
      return ahead != null;
    }

    /** Copies the values of entries [entry, end) into out from {@code at} (as many as fit); returns their count. */
    private int take(float[] out, int at, int end) {
      int count;
      if (defined == null) {
        count = end - entry;
      } else {
        count = 0;
        for (int e = entry; e < end; e++) {
          count += defined[e] ? 1 : 0;
        }
      }
      int copy = Math.max(0, Math.min(count, out.length - at));
      values.get(value, out, at, copy);
      value += count;
      entry = end;
      return count;
    }

    private void load() throws IOException {
      DataPage page = ahead != null ? ahead : pages.readPage();
      ahead = null;
      if (page == null) {
        throw corrupt(file, "fewer vectors than rows");
      }
      int n = page.getValueCount();
      ByteBuffer rep;
      ByteBuffer def;
      ByteBuffer data;
      if (page instanceof DataPageV1 v1) {
        if (v1.getRlEncoding() != Encoding.RLE || v1.getDlEncoding() != Encoding.RLE
            || v1.getValueEncoding() != Encoding.PLAIN) {
          throw corrupt(file, "a vector page is " + v1.getRlEncoding() + "/" + v1.getDlEncoding() + "/"
              + v1.getValueEncoding() + ", not RLE levels and PLAIN values");
        }
        ByteBuffer all = bytes(v1.getBytes());
        int repLength = all.getInt(0);
        rep = section(all, 4, repLength);
        int defLength = all.getInt(4 + repLength);
        def = section(all, 8 + repLength, defLength);
        data = section(all, 8 + repLength + defLength, all.limit() - 8 - repLength - defLength);
      } else {
        DataPageV2 v2 = (DataPageV2) page;
        if (v2.getDataEncoding() != Encoding.PLAIN || v2.isCompressed()) {
          throw corrupt(file, "a vector page is " + v2.getDataEncoding() + (v2.isCompressed() ? ", compressed" : "")
              + ", not PLAIN");
        }
        rep = bytes(v2.getRepetitionLevels());
        def = bytes(v2.getDefinitionLevels());
        data = bytes(v2.getData());
      }
      if (starts.length < n) {
        starts = new int[Math.max(n, 2 * starts.length)];
      }
      startCount = zeros(rep, n, starts, file, "repetition");
      defined = ones(def, n, file);
      int valueCount = n;
      if (defined != null) {
        valueCount = 0;
        for (int e = 0; e < n; e++) {
          valueCount += defined[e] ? 1 : 0;
        }
      }
      if (data.remaining() < 4L * valueCount) {
        throw corrupt(file, "a page holds fewer values than its levels say");
      }
      values = data.asFloatBuffer();
      value = 0;
      entries = n;
      entry = 0;
      nextStart = 0;
    }

    private ByteBuffer section(ByteBuffer all, int from, int length) {
      if (length < 0 || from < 0 || from + (long) length > all.limit()) {
        throw corrupt(file, "a page's levels run past its end");
      }
      return all.duplicate().position(from).limit(from + length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  /**
   * The positions of the zeros among the first n levels of bit width 1 in {@code in} (Parquet's RLE /
   * bit-packing hybrid), into {@code out}; returns their count.
   */
  static int zeros(ByteBuffer in, int n, int[] out, String file, String levels) {
    int count = 0;
    int i = 0;
    while (i < n) {
      int header = varint(in, file);
      if ((header & 1) == 0) {
        int run = Math.min(header >>> 1, n - i);
        int level = in.get() & 0xff;
        if (level == 0) {
          for (int j = 0; j < run; j++) {
            out[count++] = i + j;
          }
        } else if (level != 1) {
          throw corrupt(file, "a " + levels + " level of " + level + " where at most 1 can be");
        }
        i += run;
      } else {
        int bytes = header >>> 1;
        for (int b = 0; b < bytes && i < n; b++) {
          int bits = ~in.get() & 0xff;
          // the zero bits of this byte, lowest first, each a level of entry i + bit
          while (bits != 0) {
            int bit = Integer.numberOfTrailingZeros(bits);
            if (i + bit < n) {
              out[count++] = i + bit;
            }
            bits &= bits - 1;
          }
          i += 8;
        }
      }
      if (i < n && !in.hasRemaining()) {
        throw corrupt(file, "a page's levels end early");
      }
    }
    return count;
  }

  /**
   * Null when the first n levels of bit width 1 in {@code in} are all 1 (the common case: every entry holds a
   * value), else each entry's level as a flag.
   */
  static boolean[] ones(ByteBuffer in, int n, String file) {
    ByteBuffer again = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    boolean all = true;
    int i = 0;
    while (i < n && all) {
      int header = varint(in, file);
      if ((header & 1) == 0) {
        int run = Math.min(header >>> 1, n - i);
        int level = in.get() & 0xff;
        if (level > 1) {
          throw corrupt(file, "a definition level of " + level + " where at most 1 can be");
        }
        all = level == 1 || run == 0;
        i += run;
      } else {
        int bytes = header >>> 1;
        for (int b = 0; b < bytes && i < n && all; b++) {
          int mask = n - i >= 8 ? 0xff : (1 << (n - i)) - 1;
          all = (in.get() & mask) == mask;
          i += 8;
        }
      }
      if (i < n && all && !in.hasRemaining()) {
        throw corrupt(file, "a page's levels end early");
      }
    }
    if (all) {
      return null;
    }
    boolean[] flags = new boolean[n];
    int[] zeros = new int[n];
    int count = zeros(again, n, zeros, file, "definition");
    Arrays.fill(flags, true);
    for (int z = 0; z < count; z++) {
      flags[zeros[z]] = false;
    }
    return flags;
  }

  private static int varint(ByteBuffer in, String file) {
    int value = 0;
    for (int shift = 0; shift < 32; shift += 7) {
      if (!in.hasRemaining()) {
        throw corrupt(file, "a page's levels end early");
      }
      int b = in.get() & 0xff;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw corrupt(file, "a run header is too long");
  }
}
