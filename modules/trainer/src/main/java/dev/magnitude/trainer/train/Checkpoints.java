package dev.magnitude.trainer.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The parameter checkpoints of a run: {@code <run>/checkpoints/step-<n>.params} in DJL's block
 * parameter format, on any Hadoop FileSystem. Each is written under a temporary name starting with
 * {@code _} and renamed into place, so a file with the final name is always complete.
 *
 * <p>Only parameters are stored (including BatchNorm running statistics), not the optimizer's moments.
 */
public final class Checkpoints {
  private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.params");

  private final Path folder;
  private final Configuration conf;

  public Checkpoints(String folder, Configuration conf) {
    this.folder = new Path(folder);
    this.conf = conf;
  }

  public String path(int step) {
    return new Path(folder, "step-" + step + ".params").toString();
  }

  /** Saves the block's parameters as the checkpoint of {@code step}; returns its path. */
  public String save(Block block, int step) throws IOException {
    FileSystem fs = folder.getFileSystem(conf);
    fs.mkdirs(folder);
    Path target = new Path(path(step));
    Path tmp = new Path(folder, "_tmp-" + UUID.randomUUID() + "-step-" + step + ".params");
    try {
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fs.create(tmp, true)))) {
        block.saveParameters(out);
      }
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } finally {
      fs.delete(tmp, false);
    }
    return target.toString();
  }

  /** The highest step with a complete checkpoint, if any. */
  public OptionalInt latest() throws IOException {
    FileSystem fs = folder.getFileSystem(conf);
    FileStatus[] files;
    try {
      files = fs.listStatus(folder);
    } catch (FileNotFoundException e) {
      return OptionalInt.empty();
    }
    int best = -1;
    for (FileStatus f : files) {
      Matcher m = NAME.matcher(f.getPath().getName());
      if (m.matches()) {
        best = Math.max(best, Integer.parseInt(m.group(1)));
      }
    }
    return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
  }

  /**
   * Loads the checkpoint of {@code step} into an initialized block of the same structure. The
   * parameter arrays are replaced (attached to {@code manager}); call
   * {@code TextEncoder.prepareParameters()} afterwards to train on.
   */
  public void load(Block block, NDManager manager, int step) throws IOException {
    Path source = new Path(path(step));
    FileSystem fs = source.getFileSystem(conf);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(source)))) {
      block.loadParameters(manager, in);
    } catch (MalformedModelException e) {
      throw new IOException("checkpoint " + source + " does not fit the encoder: " + e.getMessage(), e);
    }
  }
}
