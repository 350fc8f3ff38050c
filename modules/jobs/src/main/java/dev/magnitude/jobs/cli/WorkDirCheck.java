package dev.magnitude.jobs.cli;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.jobs.support.JobError;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/**
 * The work directory's folders, checked before any work starts so that a wrong or read-only one is one line
 * ({@link JobError}) instead of a failure deep inside a job:
 *
 * <ul>
 *   <li>the work directory exists and is a folder ("does not exist", "is a file, not a folder");
 *   <li>for a command that writes ({@code prepare}, {@code train}, {@code aggregate}, {@code sweep}; not {@code
 *       status}), the work directory and those of its folders that the command writes into and that already
 *       exist ({@code prepared/}, {@code raw/}, {@code runs/}, {@code results/}, {@code results/<sweep id>/})
 *       are folders that this process can write to.
 * </ul>
 *
 * <p>Writing is checked by doing it: a probe file {@code .magnitude-write-check-<uuid>} is created and deleted
 * in each folder. So the answer is the file system's own (HDFS permissions and ACLs, a read-only mount, an
 * immutable folder, an s3a bucket policy) and holds for root too, whom mode bits do not stop. A probe left by
 * a process killed between the two calls is a hidden file that readers of the work directory ignore.
 */
final class WorkDirCheck {
  private WorkDirCheck() {}

  private static final String KEY = "magnitude.work-dir";

  /**
   * Checks the work directory for {@code command} and returns its layout under the qualified URI.
   *
   * @param root the configured work directory (a Hadoop URI or a local path)
   * @throws JobError naming the first folder that fails and what to do
   */
  static WorkDir require(String root, String sweepId, String command, Configuration conf) {
    Path path = new Path(root);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status;
      try {
        status = fs.getFileStatus(path);
      } catch (FileNotFoundException e) {
        throw new JobError("work directory " + root + " does not exist (" + KEY + "); create it or pass --work-dir");
      }
      if (!status.isDirectory()) {
        throw new JobError("work directory " + root + " is a file, not a folder (" + KEY + "); pass a folder with"
            + " --work-dir");
      }
      WorkDir work = new WorkDir(fs.makeQualified(path).toString());
      for (String folder : written(work, sweepId, command)) {
        requireWritable(fs, new Path(folder));
      }
      return work;
    } catch (IOException e) {
      throw new JobError("cannot check work directory " + root + " (" + KEY + "): " + e.getMessage(), e);
    }
  }

  /** The work directory, then the folders under it that {@code command} writes into. */
  private static List<String> written(WorkDir work, String sweepId, String command) {
    List<String> folders = new ArrayList<>();
    if (command.equals("status")) {
      return folders;
    }
    folders.add(work.root());
    boolean sweep = command.equals("sweep");
    if (sweep || command.equals("prepare")) {
      folders.add(work.prepared());
      folders.add(work.root() + "/raw");
    }
    if (sweep || command.equals("train")) {
      folders.add(work.runs());
    }
    if (sweep || command.equals("aggregate")) {
      folders.add(work.root() + "/results");
      folders.add(work.results(sweepId));
    }
    return folders;
  }

  /** Nothing when {@code folder} does not exist (the job creates it in a parent that was checked before it). */
  private static void requireWritable(FileSystem fs, Path folder) throws IOException {
    FileStatus status;
    try {
      status = fs.getFileStatus(folder);
    } catch (FileNotFoundException e) {
      return;
    }
    if (!status.isDirectory()) {
      throw new JobError(folder + " is a file, not a folder; Magnitude writes into a folder of that name: move"
          + " the file away or pass another --work-dir");
    }
    Path probe = new Path(folder, ".magnitude-write-check-" + UUID.randomUUID());
    try {
      try (OutputStream out = fs.create(probe, false)) {
        out.write('x');
      }
      fs.delete(probe, false);
    } catch (IOException e) {
      throw new JobError("cannot write to " + folder + ": " + reason(e) + " (" + KEY + "); make it writable or pass"
          + " another --work-dir", e);
    }
  }

  /** "permission denied", "read-only file system", or the file system's own message. */
  private static String reason(IOException e) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    if (e instanceof AccessControlException || e instanceof AccessDeniedException
        || lower.contains("permission denied") || lower.contains("operation not permitted")) {
      return "permission denied";
    }
    if (lower.contains("read-only file system")) {
      return "read-only file system";
    }
    return message;
  }
}
