package dev.magnitude.prepare.io;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files of one dataset folder, for a reader that joins the folder with a path from the data (an image path)
 * or from the configuration (corpus.jsonl): a path is read only when its real path, every symbolic link
 * resolved, is a regular file inside the real path of the folder. So a link inside the folder that leads out of
 * it (to a PNG elsewhere, to /etc/hostname, to /dev/zero) is {@link Kind#OUTSIDE}, and a FIFO, a device or a
 * folder where a file is expected is {@link Kind#NOT_REGULAR}, found before it is opened (a FIFO would block
 * the read for ever). Reads are bounded ({@link #readAtMost}) whatever size the file system reports.
 *
 * <p>How links are resolved:
 *
 * <ul>
 *   <li>the local file system (scheme {@code file}): {@link java.nio.file.Path#toRealPath}, which
 *       resolves the links of every component, the folder's own included; the file is then opened without
 *       following a link in its last component, so swapping the file for a link after the check does not lead
 *       the read out of the folder (a concurrent writer of the folder's sub-folders still could: the check holds
 *       for data that does not change while it is prepared);
 *   <li>another Hadoop file system that has links ({@link FileSystem#supportsSymlinks()}: HDFS): the path is
 *       walked component by component with {@link FileSystem#getFileLinkStatus}, each link replaced by its
 *       target (at most {@value #MAX_LINKS}), so a link anywhere in the path counts, the folder's own included;
 *       that is one status call per component. HDFS creates links only where they are enabled (they are not by
 *       default) and has no FIFOs or devices: a path is a file or a folder;
 *   <li>a file system without links (S3A, ABFS; {@link FileSystem#resolvePath} still resolves viewfs mount
 *       points): one {@code resolvePath} and one status call per file. On S3A an object is a file and a prefix a
 *       folder.
 * </ul>
 *
 * <p>"Inside" compares the real paths by segment (a folder {@code /data/a} does not hold {@code /data/ab}) and,
 * off the local file system, also their scheme and authority.
 *
 * <p>It holds the file system and the folder's real path, nothing else, and is not serializable: make one per
 * Spark task.
 */
public final class DatasetFiles {
  /** Links followed before a path counts as {@link Kind#MISSING} (a loop, or a chain that long). */
  static final int MAX_LINKS = 32;

  /** What a path of the dataset is. */
  public enum Kind {
    /** A regular file inside the folder: it may be read. */
    FILE,
    /** Nothing there, a link to nothing, or links that do not end (a loop). */
    MISSING,
    /** Its real path is outside the folder, or on another file system. */
    OUTSIDE,
    /** A folder, a FIFO, a device or a socket inside the folder. */
    NOT_REGULAR
  }

  /**
   * A path of the dataset and what it is.
   *
   * @param realPath the real path (a local path or a qualified Hadoop URI); null for {@link Kind#MISSING}
   */
  public record Resolved(Kind kind, String realPath) {}

  private final FileSystem fs;
  private final String folder;
  /** The folder's real path: local, or null on another file system. */
  private final java.nio.file.Path localRoot;
  /** The folder's resolved, qualified path on another file system; null when local. */
  private final Path hadoopRoot;

  private DatasetFiles(FileSystem fs, String folder, java.nio.file.Path localRoot, Path hadoopRoot) {
    this.fs = fs;
    this.folder = folder;
    this.localRoot = localRoot;
    this.hadoopRoot = hadoopRoot;
  }

  /**
   * The files of {@code folder} on {@code fs}.
   *
   * @throws FileNotFoundException when the folder does not exist
   */
  public static DatasetFiles of(FileSystem fs, String folder) throws IOException {
    Path path = fs.makeQualified(new Path(folder));
    if (isLocal(fs)) {
      try {
        return new DatasetFiles(fs, folder, java.nio.file.Path.of(path.toUri()).toRealPath(), null);
      } catch (NoSuchFileException e) {
        throw new FileNotFoundException("dataset folder " + folder + " does not exist");
      }
    }
    Walked root = walk(fs, fs.makeQualified(new Path("/")), path.toUri().getPath());
    if (root == null) {
      throw new FileNotFoundException("dataset folder " + folder + " does not exist");
    }
    return new DatasetFiles(fs, folder, null, root.path());
  }

  /** The folder as configured. */
  public String folder() {
    return folder;
  }

  /**
   * What {@code relative} (a path below the folder, '/' separated, already free of {@code ..} past the folder)
   * is.
   */
  public Resolved resolve(String relative) throws IOException {
    return localRoot != null ? resolveLocal(relative) : resolveHadoop(relative);
  }

  private Resolved resolveLocal(String relative) throws IOException {
    java.nio.file.Path real;
    try {
      real = localRoot.resolve(relative).toRealPath();
    } catch (NoSuchFileException e) {
      return new Resolved(Kind.MISSING, null);
    } catch (java.nio.file.FileSystemException e) {
      // a link loop (ELOOP), or a component that is a file: nothing readable there
      return new Resolved(Kind.MISSING, null);
    }
    if (!real.startsWith(localRoot)) {
      return new Resolved(Kind.OUTSIDE, real.toString());
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      return new Resolved(Kind.NOT_REGULAR, real.toString());
    }
    return new Resolved(Kind.FILE, real.toString());
  }

  private Resolved resolveHadoop(String relative) throws IOException {
    Walked walked;
    try {
      walked = walk(fs, hadoopRoot, relative);
    } catch (IllegalArgumentException e) {
      // a link to another file system ("Wrong FS")
      return new Resolved(Kind.OUTSIDE, e.getMessage());
    }
    if (walked == null) {
      return new Resolved(Kind.MISSING, null);
    }
    if (!inside(walked.path())) {
      return new Resolved(Kind.OUTSIDE, walked.path().toString());
    }
    return new Resolved(walked.status().isFile() ? Kind.FILE : Kind.NOT_REGULAR, walked.path().toString());
  }

  /** A real path and its status. */
  private record Walked(Path path, FileStatus status) {}

  /**
   * The real path of {@code relative} below {@code start} (itself real), or null when there is nothing. On a
   * file system with links, component by component with {@link FileSystem#getFileLinkStatus}: a link is
   * replaced by its target and the walk starts again from the root of the file system; else {@link
   * FileSystem#resolvePath} (one call: S3A pays a request per call).
   */
  private static Walked walk(FileSystem fs, Path start, String relative) throws IOException {
    if (!fs.supportsSymlinks()) {
      try {
        Path real = fs.makeQualified(fs.resolvePath(relative.isEmpty() ? start : new Path(start, relative)));
        return new Walked(real, fs.getFileStatus(real));
      } catch (FileNotFoundException e) {
        return null;
      }
    }
    Deque<String> left = segments(relative);
    Path current = start;
    int links = 0;
    while (!left.isEmpty()) {
      String segment = left.removeFirst();
      if (segment.equals("..")) {
        current = current.getParent() == null ? current : current.getParent();
        continue;
      }
      Path next = new Path(current, segment);
      FileStatus status;
      try {
        status = fs.getFileLinkStatus(next);
      } catch (FileNotFoundException e) {
        return null;
      }
      if (!status.isSymlink()) {
        current = next;
        continue;
      }
      if (++links > MAX_LINKS) {
        return null;
      }
      Path target = status.getSymlink();
      Path absolute = fs.makeQualified(target.isAbsolute() ? target : new Path(current, target.toString()));
      Deque<String> restart = segments(absolute.toUri().getPath());
      restart.addAll(left);
      left = restart;
      current = fs.makeQualified(new Path("/"));
    }
    try {
      return new Walked(fs.makeQualified(current), fs.getFileStatus(current));
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  private static Deque<String> segments(String path) {
    Deque<String> out = new ArrayDeque<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        out.addLast(segment);
      }
    }
    return out;
  }

  private boolean inside(Path real) {
    java.net.URI root = hadoopRoot.toUri();
    java.net.URI uri = real.toUri();
    if (!java.util.Objects.equals(root.getScheme(), uri.getScheme())
        || !java.util.Objects.equals(root.getAuthority(), uri.getAuthority())) {
      return false;
    }
    String base = root.getPath().endsWith("/") ? root.getPath() : root.getPath() + "/";
    return uri.getPath().startsWith(base);
  }

  /**
   * The first {@code limit + 1} bytes of a {@link Kind#FILE} at most, whatever length the file system reports
   * (a file reported as 0 bytes, as /proc files are, is read as far as the limit): more than {@code limit}
   * bytes returned means the file is larger than the limit.
   */
  public byte[] readAtMost(Resolved file, long limit) throws IOException {
    if (file.kind() != Kind.FILE) {
      throw new IllegalArgumentException("not a readable file of " + folder + ": " + file);
    }
    try (InputStream in = localRoot != null
        ? Files.newInputStream(java.nio.file.Path.of(file.realPath()), LinkOption.NOFOLLOW_LINKS)
        : fs.open(new Path(file.realPath()))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[64 * 1024];
      long left = limit + 1;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
      return out.toByteArray();
    }
  }

  /**
   * Fails, naming the first file and what to do, unless every one of {@code files} (relative to {@code folder})
   * is a {@link Kind#FILE}: one that is missing, leads out of the folder or is not a regular file is an {@link
   * IllegalArgumentException}.
   *
   * @param splits the splits prepared, for the message
   * @param layout what the folder holds, for the message, e.g. "a BEIR folder holds corpus.jsonl, ..."
   */
  public static void requireFiles(FileSystem fs, String folder, List<String> files, List<String> splits, String layout)
      throws IOException {
    DatasetFiles dataset;
    try {
      dataset = of(fs, folder);
    } catch (FileNotFoundException e) {
      dataset = null; // every file is missing: the first one is named below
    }
    for (String file : files) {
      String path = new Path(folder + "/" + file).toString();
      Resolved resolved = dataset == null ? new Resolved(Kind.MISSING, null) : dataset.resolve(file);
      switch (resolved.kind()) {
        case MISSING -> throw new IllegalArgumentException(
            file + " not found at " + path + "; " + layout + " for each split prepared (" + String.join(", ", splits)
                + "): add the file or drop the split from the dataset's splits");
        case OUTSIDE -> throw new IllegalArgumentException(
            file + " at " + path + " leads out of the dataset folder (to " + resolved.realPath() + "); a dataset's"
                + " files are read only inside its folder: copy the file in, or make path the folder that holds it");
        case NOT_REGULAR -> throw new IllegalArgumentException(
            file + " at " + path + " is not a regular file (a folder, FIFO or device); " + layout);
        case FILE -> { }
        default -> throw new IllegalStateException(resolved.kind().toString());
      }
    }
  }

  private static boolean isLocal(FileSystem fs) {
    return "file".equals(fs.getUri().getScheme());
  }
}
