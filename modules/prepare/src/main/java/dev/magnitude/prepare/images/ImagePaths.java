package dev.magnitude.prepare.images;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * Image paths inside a dataset folder, checked on the path string alone, before any file is read: nothing is
 * resolved on a file system, so the check is the same on file:, hdfs: and s3a:. The separator is '/'. Symbolic
 * links are resolved when the file is read ({@link dev.magnitude.prepare.io.DatasetFiles}, in {@link
 * ImageFiles}), which quarantines a link out of the folder with the same reason.
 */
final class ImagePaths {
  private ImagePaths() {}

  /**
   * A URI scheme ({@code file:/}, {@code s3a://}) or a drive letter ({@code C:/}, {@code C:\}); a colon not
   * followed by a separator ({@code a:b.png}) is part of a file name.
   */
  private static final Pattern ABSOLUTE = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:[/\\\\].*");

  /**
   * The path relative to the dataset folder with '.' and empty segments removed and '..' resolved, or null
   * when it is absolute or leaves the folder. {@code "a/./b//c.png"} → {@code "a/b/c.png"}; {@code
   * "a/../../x.png"}, {@code "/etc/passwd"} and {@code "file:/x.png"} → null.
   *
   * @param base a folder relative to the dataset folder that {@code path} is relative to ("" for the folder
   *     itself), trusted (it comes from the configuration)
   * @param path the path as the input gives it, not blank
   */
  static String inside(String base, String path) {
    if (path.startsWith("/") || path.startsWith("\\") || ABSOLUTE.matcher(path).matches()) {
      return null;
    }
    Deque<String> segments = new ArrayDeque<>();
    // Only the dataset folder is a boundary, not the base: coco's file_name "../x.png" names images/x.png.
    for (String segment : (base.isEmpty() ? path : base + "/" + path).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (segments.isEmpty()) {
          return null;
        }
        segments.removeLast();
      } else {
        segments.addLast(segment);
      }
    }
    return String.join("/", segments);
  }
}
