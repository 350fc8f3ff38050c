package dev.magnitude.jobs.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small helpers over a Hadoop FileSystem, for the files the drivers write themselves (specs, failure
 * records, summaries). Writes go to a temporary name and are renamed into place, so a reader never
 * sees half a file.
 */
public final class Fs {
  private final Configuration conf;

  public Fs(Configuration conf) {
    this.conf = conf;
  }

  public Configuration conf() {
    return conf;
  }

  public FileSystem fileSystem(String path) {
    try {
      return new Path(path).getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the file system of " + path, e);
    }
  }

  /** The fully qualified form of a path, e.g. {@code work} → {@code file:/home/me/work}. */
  public String qualify(String path) {
    Path p = new Path(path);
    return fileSystem(path).makeQualified(p).toString();
  }

  public boolean exists(String path) {
    try {
      return fileSystem(path).exists(new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path, e);
    }
  }

  public boolean isDirectory(String path) {
    try {
      return fileSystem(path).getFileStatus(new Path(path)).isDirectory();
    } catch (java.io.FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path, e);
    }
  }

  public String read(String path) {
    try (InputStream in = fileSystem(path).open(new Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  /** Writes the text to {@code path.tmp} and renames it to {@code path}, replacing an older file. */
  public void write(String path, String text) {
    Path target = new Path(path);
    Path tmp = new Path(path + ".tmp");
    FileSystem fs = fileSystem(path);
    try {
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename " + tmp + " → " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  public void delete(String path) {
    try {
      fileSystem(path).delete(new Path(path), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  public void mkdirs(String path) {
    try {
      fileSystem(path).mkdirs(new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + path, e);
    }
  }

  /** Replaces {@code target} (if any) by {@code source}, a finished folder. */
  public void replace(String source, String target) {
    FileSystem fs = fileSystem(target);
    try {
      fs.delete(new Path(target), true);
      fs.mkdirs(new Path(target).getParent());
      if (!fs.rename(new Path(source), new Path(target))) {
        throw new IOException("rename " + source + " → " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + source + " to " + target, e);
    }
  }
}
