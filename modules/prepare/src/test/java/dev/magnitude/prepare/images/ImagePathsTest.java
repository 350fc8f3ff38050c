package dev.magnitude.prepare.images;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImagePathsTest {
  @Test
  void normalizesPathsThatStayInTheFolder() {
    assertThat(ImagePaths.inside("", "a/./b//c.png")).isEqualTo("a/b/c.png");
    assertThat(ImagePaths.inside("", "a/../x.png")).isEqualTo("x.png");
    assertThat(ImagePaths.inside("", "a:b.png")).isEqualTo("a:b.png");
    // Only the dataset folder is a boundary: coco's file_name may leave its images folder.
    assertThat(ImagePaths.inside("images/train", "../x.png")).isEqualTo("images/x.png");
    assertThat(ImagePaths.inside("images/train", "sub/x.png")).isEqualTo("images/train/sub/x.png");
  }

  @Test
  void rejectsAbsolutePathsAndPathsThatLeaveTheFolder() {
    assertThat(ImagePaths.inside("", "../x.png")).isNull();
    assertThat(ImagePaths.inside("", "/etc/passwd")).isNull();
    assertThat(ImagePaths.inside("", "a/../../x.png")).isNull();
    assertThat(ImagePaths.inside("", "./..")).isNull();
    assertThat(ImagePaths.inside("", "file:/etc/passwd")).isNull();
    assertThat(ImagePaths.inside("", "s3a://bucket/x.png")).isNull();
    assertThat(ImagePaths.inside("", "C:\\x.png")).isNull();
    assertThat(ImagePaths.inside("", "\\\\server\\share\\x.png")).isNull();
    assertThat(ImagePaths.inside("images/train", "../../../x.png")).isNull();
    assertThat(ImagePaths.inside("images/train", "/etc/passwd")).isNull();
  }
}
