package dev.magnitude.core.config;

import java.util.Objects;

/**
 * How the image-caption formats read their files ({@code magnitude.prepare.images}, or a dataset's own
 * {@code images}). Images are decoded (PNG, JPEG, GIF, BMP), scaled so that the shorter side is {@code
 * size}, centre-cropped to {@code size}×{@code size}, converted to RGB and stored as PNG bytes.
 *
 * @param size side of the stored square images, in pixels
 * @param cocoAnnotations format {@code coco}: the captions JSON of a split, relative to the dataset folder,
 *     with {@code {split}} replaced by the split name
 * @param cocoImages format {@code coco}: the folder of a split's image files ({@code file_name} is relative
 *     to it), relative to the dataset folder, {@code {split}} replaced
 * @param manifest format {@code captions-jsonl}: the manifest of a split, relative to the dataset folder;
 *     each line {@code {"image": "<path relative to the dataset folder>", "captions": ["...", ...]}}
 */
public record ImageSpec(int size, String cocoAnnotations, String cocoImages, String manifest) {
  public ImageSpec {
    if (size < 8 || size > 1024) {
      throw new IllegalArgumentException("images size = " + size + ": must be in [8, 1024]");
    }
    Objects.requireNonNull(cocoAnnotations, "images coco-annotations");
    Objects.requireNonNull(cocoImages, "images coco-images");
    Objects.requireNonNull(manifest, "images manifest");
    if (!manifest.contains(StsSpec.SPLIT) || !cocoAnnotations.contains(StsSpec.SPLIT)) {
      throw new IllegalArgumentException(
          "images manifest and coco-annotations must contain " + StsSpec.SPLIT + " (one file per split)");
    }
  }

  public String cocoAnnotations(String split) {
    return cocoAnnotations.replace(StsSpec.SPLIT, split);
  }

  public String cocoImages(String split) {
    return cocoImages.replace(StsSpec.SPLIT, split);
  }

  public String manifest(String split) {
    return manifest.replace(StsSpec.SPLIT, split);
  }
}
