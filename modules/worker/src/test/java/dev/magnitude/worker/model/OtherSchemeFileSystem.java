package dev.magnitude.worker.model;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under the scheme {@code otherfs:}, standing for a remote Hadoop FileSystem (HDFS, S3A, ...):
 * a path with that scheme is not a local path, so the encoder must read it through Hadoop. Register with
 * {@code fs.otherfs.impl}.
 */
public final class OtherSchemeFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "otherfs";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }
}
