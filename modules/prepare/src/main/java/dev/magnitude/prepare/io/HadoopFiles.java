package dev.magnitude.prepare.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small driver-side file operations on Hadoop FileSystem URIs (file:, hdfs:, s3a:), with errors that name
 * the path, for the files the drivers write themselves (manifests, specs, failure records, summaries).
 * I/O failures surface as {@link UncheckedIOException}.
 */
public final class HadoopFiles {
  private final Configuration conf;

  public HadoopFiles(Configuration conf) {
    this.conf = conf;
  }

  public Configuration conf() {
    return conf;
  }

  /** The fully qualified form of a path, e.g. {@code work} → {@code file:/home/me/work}. */
  public String qualify(String uri) {
    try {
      Path p = new Path(uri);
      return p.getFileSystem(conf).makeQualified(p).toString();
    } catch (IOException e) {
      throw failure("open the file system of", uri, e);
    }
  }

  public boolean isDirectory(String uri) {
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (IOException e) {
      throw failure("check", uri, e);
    }
  }

  public void mkdirs(String uri) {
    try {
      Path p = new Path(uri);
      p.getFileSystem(conf).mkdirs(p);
    } catch (IOException e) {
      throw failure("create", uri, e);
    }
  }

  public boolean exists(String uri) {
    try {
      Path p = new Path(uri);
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw failure("check", uri, e);
    }
  }

  /** The status of an existing file. */
  public FileStatus status(String uri) {
    try {
      Path p = new Path(uri);
      return p.getFileSystem(conf).getFileStatus(p);
    } catch (IOException e) {
      throw failure("stat", uri, e);
    }
  }

  /** Creates (or overwrites) a file, creating parent folders. */
  public OutputStream create(String uri) {
    try {
      Path p = new Path(uri);
      return p.getFileSystem(conf).create(p, true);
    } catch (IOException e) {
      throw failure("create", uri, e);
    }
  }

  public void writeString(String uri, String content) {
    writeBytes(uri, content.getBytes(StandardCharsets.UTF_8));
  }

  public void writeBytes(String uri, byte[] content) {
    try (OutputStream out = create(uri)) {
      out.write(content);
    } catch (IOException e) {
      throw failure("write", uri, e);
    }
  }

  /**
   * Writes the text to {@code uri + ".tmp"}, then renames it over {@code uri}: a reader sees the old file
   * or the new one, never half a file.
   */
  public void writeAtomically(String uri, String content) {
    String tmp = uri + ".tmp";
    writeString(tmp, content);
    delete(uri);
    rename(tmp, uri);
  }

  public String readString(String uri) {
    return new String(readBytes(uri), StandardCharsets.UTF_8);
  }

  /** Opens a file for reading (the caller closes it). */
  public InputStream open(String uri) throws IOException {
    Path p = new Path(uri);
    return p.getFileSystem(conf).open(p);
  }

  public byte[] readBytes(String uri) {
    try {
      Path p = new Path(uri);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw failure("read", uri, e);
    }
  }

  /** Deletes a file or folder recursively; nothing when it does not exist. */
  public void delete(String uri) {
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      if (fs.exists(p) && !fs.delete(p, true)) {
        throw new IOException("delete returned false");
      }
    } catch (IOException e) {
      throw failure("delete", uri, e);
    }
  }

  /** Renames {@code from} to {@code to}, which must not exist (its parent must). */
  public void rename(String from, String to) {
    try {
      Path src = new Path(from);
      if (!src.getFileSystem(conf).rename(src, new Path(to))) {
        throw new IOException("rename returned false (does the target exist, or its parent not?)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** Replaces the folder {@code target} (if any) by {@code source}, a finished folder. */
  public void replace(String source, String target) {
    delete(target);
    mkdirs(new Path(target).getParent().toString());
    rename(source, target);
  }

  /** Files and folders matching a glob, e.g. {@code <work>/prepared/.name.tmp-*}; empty when none. */
  public List<String> glob(String pattern) {
    try {
      Path p = new Path(pattern);
      FileStatus[] found = p.getFileSystem(conf).globStatus(p);
      List<String> out = new ArrayList<>();
      if (found != null) {
        for (FileStatus s : found) {
          out.add(s.getPath().toString());
        }
      }
      return out;
    } catch (IOException e) {
      throw failure("list", pattern, e);
    }
  }

  private static UncheckedIOException failure(String action, String uri, IOException e) {
    return new UncheckedIOException("cannot " + action + " " + uri + ": " + e.getMessage(), e);
  }
}
