package dev.magnitude.worker.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The checkpoints of a run, {@code <run>/checkpoints/step-<n>.ckpt} on any Hadoop FileSystem: all a
 * worker needs to continue after step n exactly as if it had never stopped.
 *
 * <p>A checkpoint holds, in this order: a header (format, version, step); the block's parameters in
 * DJL's parameter format; the Adam state of every trained
 * parameter by name (update count, first and second moments, see {@link ResumableAdam}); the curve
 * points of steps 1..n; an end marker; then (version 3) the CRC32C of every byte before it, as 8 bytes
 * (the checksum's value as a big-endian long). The loss's trainable scalars (learned α, learned logit scale) are
 * parameters of the block ({@code LossScalars}), so they and their Adam state are saved like the encoders'.
 * Version 2 adds the α and logit scale columns to the curve points, version 3 the checksum; versions 1 and 2
 * still load, unchecked (version 1 points have null α and logit scale). The batches need no state (they are a
 * pure function of (seed, step), see {@link BatchSampler}), nor does dropout (reseeded from (seed, step) at
 * every step).
 *
 * <p>Each checkpoint is written under a temporary name starting with {@code _} and renamed into place,
 * so a file with the final name is complete even if the writer is killed; the end marker catches a
 * file system whose rename is not atomic, and the checksum a file changed in place: a file system without
 * checksums of its own (s3a, a copy that drops Hadoop's {@code .crc} side files) hands back what it holds,
 * and {@link #load} checks the whole file against its checksum before it reads anything from it. After a save
 * only the newest {@value #KEEP} are kept, so a checkpoint that cannot be read still leaves the one before it.
 */
public final class Checkpoints {
  /** Checkpoints kept after each save. */
  public static final int KEEP = 2;
  private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.ckpt");
  private static final String MAGIC = "magnitude-checkpoint";
  private static final int VERSION = 3;
  /** The first version whose files end with their CRC32C. */
  private static final int CHECKSUMMED_VERSION = 3;
  /** The oldest version {@link #load} reads. */
  private static final int OLDEST_VERSION = 1;
  private static final String END = "end-of-checkpoint";

  /**
   * What a checkpoint restores besides the parameters (which are loaded into the block).
   *
   * @param step the last step the checkpoint's state has done
   * @param optimizer Adam state by parameter name, arrays attached to the loading manager
   * @param curve the points of steps 1..step
   */
  public record Restored(int step, Map<String, ResumableAdam.State> optimizer, List<CurvePoint> curve) {}

  private final Path folder;
  private final Configuration conf;

  public Checkpoints(String folder, Configuration conf) {
    this.folder = new Path(folder);
    this.conf = conf;
  }

  public String path(int step) {
    return new Path(folder, "step-" + step + ".ckpt").toString();
  }

  /**
   * Saves the state after {@code step} and deletes all but the newest {@value #KEEP} checkpoints.
   *
   * @param optimizer Adam state by parameter name ({@link ResumableAdam#state})
   * @param curve the points of steps 1..step
   * @return the checkpoint's path
   */
  public String save(int step, Block block, Map<String, ResumableAdam.State> optimizer, List<CurvePoint> curve)
      throws IOException {
    FileSystem fs = folder.getFileSystem(conf);
    fs.mkdirs(folder);
    Path target = new Path(path(step));
    Path tmp = new Path(folder, "_tmp-" + UUID.randomUUID() + "-step-" + step + ".ckpt");
    try {
      CRC32C crc = new CRC32C();
      try (DataOutputStream file = new DataOutputStream(new BufferedOutputStream(fs.create(tmp, true)));
          DataOutputStream out = new DataOutputStream(new CheckedOutputStream(file, crc))) {
        write(out, step, block, optimizer, curve);
        out.flush();
        file.writeLong(crc.getValue());
      }
      fs.delete(target, false);
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } finally {
      fs.delete(tmp, false);
    }
    List<Integer> steps = steps();
    for (int old : steps.subList(Math.min(KEEP, steps.size()), steps.size())) {
      fs.delete(new Path(path(old)), false);
    }
    return target.toString();
  }

  private static void write(
      DataOutputStream out, int step, Block block, Map<String, ResumableAdam.State> optimizer, List<CurvePoint> curve)
      throws IOException {
    out.writeUTF(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(step);
    block.saveParameters(out);
    out.writeInt(optimizer.size());
    for (Map.Entry<String, ResumableAdam.State> e : optimizer.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().updates());
      writeArray(out, e.getValue().mean());
      writeArray(out, e.getValue().variance());
    }
    out.writeInt(curve.size());
    for (CurvePoint p : curve) {
      out.writeInt(p.step());
      out.writeDouble(p.loss());
      out.writeDouble(p.lr());
      out.writeDouble(p.gradNorm());
      out.writeDouble(p.queryNormMean());
      out.writeDouble(p.queryNormStd());
      out.writeDouble(p.docNormMean());
      out.writeDouble(p.docNormStd());
      out.writeDouble(p.pairsPerSecond());
      writeNullable(out, p.alphaQuery());
      writeNullable(out, p.alphaDocument());
      writeNullable(out, p.logitScale());
    }
    out.writeUTF(END);
  }

  private static void writeNullable(DataOutputStream out, Double value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeDouble(value);
    }
  }

  private static Double readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readDouble() : null;
  }

  private static void writeArray(DataOutputStream out, NDArray array) throws IOException {
    byte[] bytes = array.encode();
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /** Steps with a checkpoint under its final name, newest first. */
  public List<Integer> steps() throws IOException {
    FileSystem fs = folder.getFileSystem(conf);
    FileStatus[] files;
    try {
      files = fs.listStatus(folder);
    } catch (FileNotFoundException e) {
      return List.of();
    }
    List<Integer> steps = new ArrayList<>();
    for (FileStatus f : files) {
      Matcher m = NAME.matcher(f.getPath().getName());
      if (m.matches()) {
        steps.add(Integer.parseInt(m.group(1)));
      }
    }
    steps.sort(Comparator.reverseOrder());
    return steps;
  }

  /** The highest step with a checkpoint, if any. */
  public OptionalInt latest() throws IOException {
    List<Integer> steps = steps();
    return steps.isEmpty() ? OptionalInt.empty() : OptionalInt.of(steps.get(0));
  }

  /**
   * Loads the checkpoint of {@code step}: its parameters into an initialized block of the same
   * structure (the parameter arrays are replaced, attached to {@code manager}; call
   * {@code TextEncoder.prepareParameters()} afterwards to train on), the rest into the result.
   *
   * @throws IOException if the file cannot be read, is not a complete checkpoint of {@code step}, does not
   *     match its checksum (version 3; the block is then untouched), or does not fit the block; the block may
   *     then hold some of its parameters
   */
  public Restored load(Block block, NDManager manager, int step) throws IOException {
    Path source = new Path(path(step));
    FileSystem fs = source.getFileSystem(conf);
    int version = requireIntact(fs, source);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(source)))) {
      in.readUTF();
      in.readInt();
      int saved = in.readInt();
      if (saved != step) {
        throw new IOException(source + " holds step " + saved + ", not " + step);
      }
      block.loadParameters(manager, in);
      int states = in.readInt();
      Map<String, ResumableAdam.State> optimizer = new LinkedHashMap<>();
      for (int i = 0; i < states; i++) {
        String name = in.readUTF();
        int updates = in.readInt();
        NDArray mean = readArray(in, manager);
        NDArray variance = readArray(in, manager);
        optimizer.put(name, new ResumableAdam.State(updates, mean, variance));
      }
      int points = in.readInt();
      List<CurvePoint> curve = new ArrayList<>(points);
      for (int i = 0; i < points; i++) {
        CurvePoint p = new CurvePoint(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
            in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), null, null, null);
        if (version >= 2) {
          p = new CurvePoint(p.step(), p.loss(), p.lr(), p.gradNorm(), p.queryNormMean(), p.queryNormStd(),
              p.docNormMean(), p.docNormStd(), p.pairsPerSecond(), readNullable(in), readNullable(in), readNullable(in));
        }
        curve.add(p);
      }
      if (!END.equals(in.readUTF())) {
        throw new IOException(source + " has no end marker");
      }
      return new Restored(step, optimizer, curve);
    } catch (MalformedModelException e) {
      throw new IOException("checkpoint " + source + " does not fit the encoder: " + e.getMessage(), e);
    } catch (java.io.EOFException | java.io.UTFDataFormatException e) {
      throw new IOException("checkpoint " + source + " is truncated or damaged: " + e, e);
    }
  }

  /**
   * The file's format version, after checking (version 3 on) that its CRC32C matches: read in one pass that
   * holds nothing of the file, so a damaged length field cannot make the load allocate what it claims.
   */
  private static int requireIntact(FileSystem fs, Path source) throws IOException {
    long length = fs.getFileStatus(source).getLen();
    CRC32C crc = new CRC32C();
    try (DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(fs.open(source)), crc))) {
      String magic = in.readUTF();
      int version = in.readInt();
      if (!MAGIC.equals(magic) || version < OLDEST_VERSION || version > VERSION) {
        throw new IOException(
            source + " is not a version " + OLDEST_VERSION + " to " + VERSION + " checkpoint (" + magic + " " + version
                + ")");
      }
      if (version < CHECKSUMMED_VERSION) {
        return version;
      }
      long header = 2 + MAGIC.length() + 4;
      if (length < header + Long.BYTES) {
        throw new IOException("checkpoint " + source + " is truncated: " + length + " bytes");
      }
      skipFully(in, length - header - Long.BYTES);
      long computed = crc.getValue();
      long stored = in.readLong();
      if (stored != computed) {
        throw new IOException(String.format(
            "checkpoint %s is damaged: its content has CRC32C %08x but the file says %08x", source, computed, stored));
      }
      return version;
    } catch (java.io.EOFException | java.io.UTFDataFormatException e) {
      throw new IOException("checkpoint " + source + " is truncated or damaged: " + e, e);
    }
  }

  private static void skipFully(InputStream in, long bytes) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = bytes;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new java.io.EOFException(left + " bytes short");
      }
      left -= n;
    }
  }

  private static NDArray readArray(DataInputStream in, NDManager manager) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("negative array length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return NDArray.decode(manager, bytes);
  }
}
