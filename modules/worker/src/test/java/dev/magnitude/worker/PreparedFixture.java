package dev.magnitude.worker;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.data.DataSchemas;
import dev.magnitude.worker.data.Qrel;
import dev.magnitude.worker.data.SentencePair;
import dev.magnitude.worker.data.TokenizedText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Writes prepared tables the way the prepare job's Spark writer does: folders of {@code part-*.parquet}
 * files plus {@code _SUCCESS}, every column optional, lists in the 3-level
 * {@code repeated group list { optional int32 element }} form.
 */
public final class PreparedFixture {
  private PreparedFixture() {}

  public static Configuration conf() {
    Configuration conf = new Configuration();
    conf.set("fs.defaultFS", "file:///");
    return conf;
  }

  /** Writes queries or documents ({@code table}) into part files of at most {@code rowsPerPart} rows. */
  public static void writeTexts(String folder, String table, List<TokenizedText> rows, int rowsPerPart)
      throws IOException {
    writeTexts(folder, table, rows, rowsPerPart, Set.of());
  }

  /** As above; rows whose id is in {@code nullTokenIds} get a null token_ids list, as Spark may write. */
  public static void writeTexts(
      String folder, String table, List<TokenizedText> rows, int rowsPerPart, Set<String> nullTokenIds)
      throws IOException {
    Schema schema = DataSchemas.load(table);
    List<GenericRecord> records = new ArrayList<>();
    for (TokenizedText text : rows) {
      GenericRecord record = new GenericData.Record(schema);
      record.put(Tables.ID, text.id());
      record.put(Tables.TEXT, "text of " + text.id());
      record.put(Tables.TOKEN_IDS, nullTokenIds.contains(text.id()) ? null : boxed(text.tokenIds()));
      records.add(record);
    }
    writeParts(folder, schema, records, rowsPerPart);
  }

  public static void writeQrels(String folder, List<Qrel> rows, int rowsPerPart) throws IOException {
    Schema schema = DataSchemas.load(Tables.QRELS);
    List<GenericRecord> records = new ArrayList<>();
    for (Qrel qrel : rows) {
      GenericRecord record = new GenericData.Record(schema);
      record.put(Tables.QUERY_ID, qrel.queryId());
      record.put(Tables.DOC_ID, qrel.docId());
      record.put(Tables.RELEVANCE, qrel.relevance());
      records.add(record);
    }
    writeParts(folder, schema, records, rowsPerPart);
  }

  /** Writes an STS pairs table (the texts are placeholders; the trainer reads ids, token ids and scores). */
  public static void writePairs(String folder, List<SentencePair> rows, int rowsPerPart) throws IOException {
    Schema schema = DataSchemas.load(Tables.PAIRS);
    List<GenericRecord> records = new ArrayList<>();
    for (SentencePair pair : rows) {
      GenericRecord record = new GenericData.Record(schema);
      record.put(Tables.ID, pair.id());
      record.put("text_a", "first sentence of " + pair.id());
      record.put(Tables.TOKEN_IDS_A, boxed(pair.tokensA()));
      record.put("text_b", "second sentence of " + pair.id());
      record.put(Tables.TOKEN_IDS_B, boxed(pair.tokensB()));
      record.put(Tables.SCORE, pair.score());
      records.add(record);
    }
    writeParts(folder, schema, records, rowsPerPart);
  }

  /** Writes an image-text images table: id and PNG bytes (file, width, height as the prepare job writes them). */
  public static void writeImages(String folder, List<String> ids, List<byte[]> pngs, int size, int rowsPerPart)
      throws IOException {
    Schema schema = DataSchemas.load(Tables.IMAGES);
    List<GenericRecord> records = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      GenericRecord record = new GenericData.Record(schema);
      record.put(Tables.ID, ids.get(i));
      record.put("file", ids.get(i) + ".png");
      record.put("width", size);
      record.put("height", size);
      record.put(Tables.PNG, java.nio.ByteBuffer.wrap(pngs.get(i)));
      records.add(record);
    }
    writeParts(folder, schema, records, rowsPerPart);
  }

  /** Writes an image-text captions table: rows of (caption id, image id, token ids). */
  public static void writeCaptions(String folder, List<String[]> idAndImage, List<int[]> tokens, int rowsPerPart)
      throws IOException {
    Schema schema = DataSchemas.load(Tables.CAPTIONS);
    List<GenericRecord> records = new ArrayList<>();
    for (int i = 0; i < idAndImage.size(); i++) {
      GenericRecord record = new GenericData.Record(schema);
      record.put(Tables.ID, idAndImage.get(i)[0]);
      record.put(Tables.IMAGE_ID, idAndImage.get(i)[1]);
      record.put(Tables.TEXT, "caption " + idAndImage.get(i)[0]);
      record.put(Tables.TOKEN_IDS, boxed(tokens.get(i)));
      records.add(record);
    }
    writeParts(folder, schema, records, rowsPerPart);
  }

  /** A written synthetic dataset. */
  public record Dataset(
      String name,
      int vocabularySize,
      List<TokenizedText> documents,
      List<TokenizedText> trainQueries,
      List<TokenizedText> testQueries,
      List<Qrel> trainQrels,
      List<Qrel> testQrels) {}

  /**
   * A small learnable dataset: each query shares most tokens with its relevant document; document
   * {@code d0} is relevant to every fourth training query (a popular document, so batches hold
   * duplicates); {@code d1} has an empty token list and {@code d2} a null one; some judgements have
   * relevance 0.
   */
  public static Dataset synthetic(
      String work, String name, int vocabularySize, int documents, int trainQueries, int testQueries, long seed)
      throws IOException {
    return synthetic(work, name, vocabularySize, documents, trainQueries, testQueries, seed, 7);
  }

  /** As above, with documents in parts of {@code rowsPerPart} rows (queries and qrels in larger ones). */
  public static Dataset synthetic(
      String work, String name, int vocabularySize, int documents, int trainQueries, int testQueries, long seed,
      int rowsPerPart) throws IOException {
    Random random = new Random(seed);
    List<TokenizedText> docs = new ArrayList<>();
    for (int i = 0; i < documents; i++) {
      int[] tokens = i == 1 || i == 2 ? new int[0] : randomTokens(random, 3 + random.nextInt(10), vocabularySize);
      docs.add(new TokenizedText("d" + i, tokens));
    }
    List<TokenizedText> train = new ArrayList<>();
    List<TokenizedText> test = new ArrayList<>();
    List<Qrel> trainQrels = new ArrayList<>();
    List<Qrel> testQrels = new ArrayList<>();
    for (int i = 0; i < trainQueries + testQueries; i++) {
      boolean isTrain = i < trainQueries;
      String id = (isTrain ? "tq" : "sq") + i;
      int target = isTrain && i % 4 == 0 ? 0 : 3 + random.nextInt(documents - 3);
      int[] docTokens = docs.get(target).tokenIds();
      int[] tokens = Arrays.copyOf(docTokens, Math.max(1, docTokens.length - 1));
      tokens[tokens.length - 1] = 4 + random.nextInt(vocabularySize - 4);
      (isTrain ? train : test).add(new TokenizedText(id, tokens));
      List<Qrel> qrels = isTrain ? trainQrels : testQrels;
      qrels.add(new Qrel(id, "d" + target, 1 + random.nextInt(2)));
      if (random.nextInt(3) == 0) {
        qrels.add(new Qrel(id, "d" + (3 + random.nextInt(documents - 3)), 0));
      }
    }
    WorkDir dir = new WorkDir(work);
    writeTexts(dir.documents(name), Tables.DOCUMENTS, docs, rowsPerPart, Set.of("d2"));
    writeTexts(dir.table(name, "train", Tables.QUERIES), Tables.QUERIES, train, rowsPerPart + 3);
    writeTexts(dir.table(name, "test", Tables.QUERIES), Tables.QUERIES, test, rowsPerPart + 3);
    writeQrels(dir.table(name, "train", Tables.QRELS), trainQrels, 2 * rowsPerPart + 2);
    writeQrels(dir.table(name, "test", Tables.QRELS), testQrels, 2 * rowsPerPart + 2);
    return new Dataset(name, vocabularySize, docs, train, test, trainQrels, testQrels);
  }

  /** Ids of the documents relevant (relevance ≥ 1) in the given judgements. */
  public static Set<String> relevantDocs(List<Qrel> qrels) {
    Set<String> ids = new LinkedHashSet<>();
    qrels.stream().filter(Qrel::relevant).forEach(q -> ids.add(q.docId()));
    return ids;
  }

  private static List<Integer> boxed(int[] tokens) {
    List<Integer> list = new ArrayList<>(tokens.length);
    for (int t : tokens) {
      list.add(t);
    }
    return list;
  }

  private static int[] randomTokens(Random random, int length, int vocabularySize) {
    int[] tokens = new int[length];
    for (int i = 0; i < length; i++) {
      tokens[i] = 4 + random.nextInt(vocabularySize - 4);
    }
    return tokens;
  }

  private static void writeParts(String folder, Schema schema, List<GenericRecord> records, int rowsPerPart)
      throws IOException {
    Configuration conf = conf();
    // Spark's list layout; parquet-avro's default is the old 2-level one.
    conf.setBoolean("parquet.avro.write-old-list-structure", false);
    Path dir = new Path(folder);
    FileSystem fs = dir.getFileSystem(conf);
    fs.mkdirs(dir);
    int part = 0;
    for (int start = 0; start < Math.max(1, records.size()); start += rowsPerPart, part++) {
      Path file = new Path(dir, String.format("part-%05d-fixture.snappy.parquet", part));
      try (ParquetWriter<GenericRecord> writer =
          AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(file, conf))
              .withSchema(schema)
              .withConf(conf)
              .build()) {
        for (GenericRecord r : records.subList(start, Math.min(records.size(), start + rowsPerPart))) {
          writer.write(r);
        }
      }
    }
    fs.create(new Path(dir, "_SUCCESS"), true).close();
  }
}
