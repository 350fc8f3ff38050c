package dev.magnitude.prepare.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.manifest.TokenizerInfo;
import dev.magnitude.prepare.SharedSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny hand-written WordPiece tokenizer (test resources tokenizers/tiny-wordpiece): [PAD] 0, [UNK] 1,
 * [CLS] 2, [SEP] 3, [MASK] 4, the 5, a 6, cat 7, dog 8, sat 9, on 10, mat 11, is 12, . 13, "," 14, ! 15,
 * ? 16, hello 17, world 18, play 19, ##ing 20, ##ed 21, run 22, ##s 23, un 24, ##happy 25, happy 26,
 * token 27, ##izer 28, ##ize 29, small 30, ... ' 39. Every text is [CLS] ... [SEP].
 */
@ExtendWith(SharedSpark.class)
class HuggingFaceTokenizerTest {
  static final String FIXTURE = "/tokenizers/tiny-wordpiece/tokenizer.json";
  static final byte[] TINY = fixture();

  @TempDir Path tmp;

  @AfterEach
  void freeNativeTokenizers() {
    HuggingFaceTokenizer.evictNative();
  }

  @Test
  void encodesWithTheFilesNormalizerPreTokenizerWordPiecesAndSpecials() {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(16, "none"), TINY);
    // Lower-cased; "." is a word of its own (BertPreTokenizer splits punctuation).
    assertThat(t.encode("The cat sat on the mat.")).containsExactly(2, 5, 7, 9, 10, 5, 11, 13, 3);
    assertThat(t.encode("Hello, WORLD!")).containsExactly(2, 17, 14, 18, 15, 3);
    // Greedy longest-prefix word pieces: play ##ing, dog ##s, un ##happy, token ##izer (not ##ize + r).
    assertThat(t.encode("Playing dogs")).containsExactly(2, 19, 20, 8, 23, 3);
    assertThat(t.encode("unhappy tokenizer")).containsExactly(2, 24, 25, 27, 28, 3);
    assertThat(t.encode("")).containsExactly(2, 3);
  }

  @Test
  void unknownWordsAreUnk() {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(16, "none"), TINY);
    // zebra and ran start with no known piece; playful is play + "##ful", which is not in the vocabulary,
    // so the whole word is [UNK] (WordPiece does not keep the known prefix).
    assertThat(t.encode("The zebra ran playful")).containsExactly(2, 5, 1, 1, 1, 3);
  }

  @Test
  void truncatesToMaxLengthKeepingTheSpecials() {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(5, "none"), TINY);
    // 9 ids without truncation; 5 keep [CLS], the first three words and [SEP].
    assertThat(t.encode("The cat sat on the mat.")).containsExactly(2, 5, 7, 9, 3);
    assertThat(t.encode("Hello")).containsExactly(2, 17, 3);
  }

  @Test
  void padsToExactlyMaxLengthWithThePadId() {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(8, "max-length"), TINY);
    assertThat(t.encode("Hello, WORLD!")).containsExactly(2, 17, 14, 18, 15, 3, 0, 0);
    assertThat(t.encode("The cat sat on the mat.")).containsExactly(2, 5, 7, 9, 10, 5, 11, 3);
    assertThat(t.encode("")).containsExactly(2, 3, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void maxLengthAbove512IsNotCapped() {
    // DJL caps maxLength at its default modelMaxLength 512 unless told otherwise.
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(600, "max-length"), TINY);
    assertThat(t.encode("the cat")).hasSize(600);
    assertThat(t.encode("the ".repeat(700))).hasSize(600).startsWith(2, 5).endsWith(5, 3);
  }

  @Test
  void infoHasVocabularySizeAndPadId() {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(16, "none"), TINY);
    // ids 0..39
    assertThat(t.info())
        .isEqualTo(new TokenizerInfo("huggingface", "huggingface-" + sha16(TINY) + "-len16", 40, 16, 0));
    assertThat(t.artifactName()).isEqualTo("tokenizer.json");
    assertThat(t.artifact()).isEqualTo(TINY);
  }

  @Test
  void padIdComesFromThePaddingSectionThenThePadToken() {
    // A padding section names the pad id (here that of "'", 39), whatever the [PAD] token's id.
    byte[] withPadding = replace(TINY, "\"padding\": null", "\"padding\": {\"strategy\": \"BatchLongest\", "
        + "\"direction\": \"Right\", \"pad_to_multiple_of\": null, \"pad_id\": 39, \"pad_type_id\": 0, \"pad_token\": \"'\"}");
    HuggingFaceTokenizer p = HuggingFaceTokenizer.of(spec(6, "max-length"), withPadding);
    assertThat(p.padId()).isEqualTo(39);
    assertThat(p.encode("hello")).containsExactly(2, 17, 3, 39, 39, 39);

    // No [PAD]; <pad> is id 4 (the fixture's [MASK], renamed).
    byte[] angle = replace(replace(TINY, "\"[PAD]\"", "\"[NOTPAD]\""), "\"[MASK]\"", "\"<pad>\"");
    assertThat(HuggingFaceTokenizer.of(spec(6, "max-length"), angle).padId()).isEqualTo(4);
    assertThat(HuggingFaceTokenizer.of(spec(6, "max-length"), angle).encode("hello")).containsExactly(2, 17, 3, 4, 4, 4);

    // Neither: 0.
    byte[] none = replace(TINY, "\"[PAD]\"", "\"[NOTPAD]\"");
    assertThat(HuggingFaceTokenizer.of(spec(6, "none"), none).padId()).isZero();
  }

  @Test
  void idIsStableAndChangesWithBytesMaxLengthAndPadding() {
    String id = HuggingFaceTokenizer.of(spec(16, "none"), TINY).id();
    assertThat(id).isEqualTo("huggingface-" + sha16(TINY) + "-len16").startsWith(TokenizerInfo.huggingFaceId(TINY));
    assertThat(HuggingFaceTokenizer.of(spec(16, "none"), TINY.clone()).id()).isEqualTo(id);
    assertThat(HuggingFaceTokenizer.of(spec(16, "none"), TINY).info().id()).isEqualTo(id);

    assertThat(HuggingFaceTokenizer.of(spec(17, "none"), TINY).id()).isEqualTo("huggingface-" + sha16(TINY) + "-len17");
    assertThat(HuggingFaceTokenizer.of(spec(16, "max-length"), TINY).id())
        .isEqualTo("huggingface-" + sha16(TINY) + "-len16-padded");
    byte[] reformatted = replace(TINY, "\"version\": \"1.0\",", "\"version\": \"1.0\",  ");
    assertThat(HuggingFaceTokenizer.of(spec(16, "none"), reformatted).id())
        .isNotEqualTo(id)
        .isEqualTo("huggingface-" + sha16(reformatted) + "-len16");
  }

  @Test
  void idOfADatasetWithTheFileIsWhatATrainerGivenTheFileExpects() {
    TokenizerInfo padded = HuggingFaceTokenizer.of(spec(12, "max-length"), TINY).info();
    TokenizerInfo unpadded = HuggingFaceTokenizer.of(spec(12, "none"), TINY).info();
    assertThat(padded.idWith(TINY)).isEqualTo(padded.id());
    assertThat(unpadded.idWith(TINY)).isEqualTo(unpadded.id());
    assertThat(unpadded.idWith(replace(TINY, "\"a\": 6", "\"an\": 6"))).isNotEqualTo(unpadded.id());
  }

  @Test
  void survivesJavaSerializationAndEncodesOnTheCopy() throws IOException, ClassNotFoundException {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.of(spec(8, "max-length"), TINY);
    int[] expected = t.encode("Playing dogs");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    HuggingFaceTokenizer.evictNative(); // the copy must create its own native tokenizer, as on an executor
    HuggingFaceTokenizer copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (HuggingFaceTokenizer) in.readObject();
    }
    assertThat(copy.encode("Playing dogs")).containsExactly(expected).containsExactly(2, 19, 20, 8, 23, 3, 0, 0);
    assertThat(copy.info()).isEqualTo(t.info());
  }

  @Test
  void broadcastToSparkTasksEncodesAsOnTheDriver(SparkSession spark) {
    TextTokenizer t = HuggingFaceTokenizer.of(spec(7, "none"), TINY);
    List<String> texts = List.of("The cat sat on the mat.", "Hello, WORLD!", "Playing dogs", "unhappy tokenizer",
        "The zebra ran playful", "", "a big red dog was fast and it is slow");
    Broadcast<TextTokenizer> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(t);
    List<String> onExecutors = spark.createDataset(texts, Encoders.STRING()).repartition(3).javaRDD()
        .map(text -> text + " -> " + Arrays.toString(shared.value().encode(text)))
        .collect();
    List<String> onDriver = texts.stream().map(text -> text + " -> " + Arrays.toString(t.encode(text))).toList();
    assertThat(onExecutors).containsExactlyInAnyOrderElementsOf(onDriver);
    shared.destroy();
  }

  @Test
  void fitReadsTheFileThroughHadoop() throws IOException {
    Path file = tmp.resolve("tok/tokenizer.json");
    Files.createDirectories(file.getParent());
    Files.write(file, TINY);
    for (String path : List.of(file.toString(), file.toUri().toString())) {
      TextTokenizer t = Tokenizers.fit(new TokenizerSpec("huggingface", path, 1, 1, 0, 16, "none"), null,
          new Configuration());
      assertThat(t).isInstanceOf(HuggingFaceTokenizer.class);
      assertThat(t.encode("Hello, WORLD!")).containsExactly(2, 17, 14, 18, 15, 3);
      assertThat(t.artifact()).isEqualTo(TINY);
    }
  }

  @Test
  void fitFailsWithTheFileAndTheReasonOnOneLine() throws IOException {
    Path missing = tmp.resolve("missing.json");
    assertThatThrownBy(() -> fit(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokenizer.json " + missing + " does not exist; check the tokenizer path");

    assertThatThrownBy(() -> fit(tmp))
        .hasMessage("tokenizer.json " + tmp + " is a folder; give the path of the tokenizer.json file itself");

    Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"model\": {\"vocab\": {\"a\": 0}");
    assertThatThrownBy(() -> fit(broken))
        .hasMessageStartingWith("tokenizer.json " + broken + " is not valid JSON: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

    Path array = Files.writeString(tmp.resolve("array.json"), "[1, 2]");
    assertThatThrownBy(() -> fit(array))
        .hasMessage("tokenizer.json " + array + " is not a tokenizer.json: not a JSON object");

    Path empty = Files.writeString(tmp.resolve("empty.json"), "{\"version\": \"1.0\"}");
    assertThatThrownBy(() -> fit(empty))
        .hasMessage("tokenizer.json " + empty + " is not a tokenizer.json: model.vocab and added_tokens are missing or empty");

    Path bogus = Files.write(tmp.resolve("bogus.json"), replace(TINY, "\"type\": \"WordPiece\",\n    \"unk_token\"",
        "\"type\": \"NoSuchModel\",\n    \"unk_token\""));
    assertThatThrownBy(() -> fit(bogus))
        .hasMessageStartingWith("tokenizer.json " + bogus + " could not be loaded by the tokenizers library: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static TextTokenizer fit(Path path) {
    return Tokenizers.fit(new TokenizerSpec("huggingface", path.toString(), 1, 1, 0, 16, "none"), null,
        new Configuration());
  }

  static TokenizerSpec spec(int maxLength, String padding) {
    return new TokenizerSpec("huggingface", "tokenizer.json", 1, 1, 0, maxLength, padding);
  }

  static byte[] replace(byte[] json, String from, String to) {
    String s = new String(json, StandardCharsets.UTF_8);
    assertThat(s).contains(from);
    return s.replace(from, to).getBytes(StandardCharsets.UTF_8);
  }

  static String sha16(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] fixture() {
    try (InputStream in = HuggingFaceTokenizerTest.class.getResourceAsStream(FIXTURE)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
