package dev.magnitude.prepare.tokenize;

import dev.magnitude.core.config.TokenizerSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;

/** The tokenizer of a {@link TokenizerSpec}, built on the driver. */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * {@code builtin}: counts the vocabulary over {@code trainingTexts} with Spark. {@code huggingface}: reads
   * the tokenizer.json at {@code spec.path()} (a local path or any Hadoop FileSystem URI); the texts are not
   * read.
   *
   * @throws IllegalArgumentException when the tokenizer.json is missing, unreadable or invalid; the one-line
   *     message names the path and what is wrong
   */
  public static TextTokenizer fit(TokenizerSpec spec, Dataset<String> trainingTexts, Configuration hadoop) {
    if (spec.builtin()) {
      return BuiltinTokenizer.fit(spec, trainingTexts);
    }
    String path = spec.path();
    return HuggingFaceTokenizer.of(spec, readTokenizerJson(path, hadoop), "tokenizer.json " + path);
  }

  /**
   * The bytes of a tokenizer.json, exactly as stored.
   *
   * @throws IllegalArgumentException when the file is missing, a folder, or cannot be read
   */
  public static byte[] readTokenizerJson(String path, Configuration hadoop) {
    String what = "tokenizer.json " + path;
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(hadoop);
      if (!fs.getFileStatus(p).isDirectory()) {
        try (InputStream in = fs.open(p)) {
          return in.readAllBytes();
        }
      }
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(what + " does not exist; check the tokenizer path");
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " cannot be read: " + e, e);
    }
    throw new IllegalArgumentException(what + " is a folder; give the path of the tokenizer.json file itself");
  }
}
