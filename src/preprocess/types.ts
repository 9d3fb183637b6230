/** How a frame becomes a model input. Written into the model card by training; read by the daemon. */
export interface PreprocessSpec {
  width: number;
  height: number;
  /** 1 = grayscale (sharp .grayscale()), 3 = RGB (alpha removed). */
  channels: 1 | 3;
  /** Optional region of interest in source pixels, applied after EXIF orientation, before resize. */
  roi?: { left: number; top: number; width: number; height: number } | null;
  /**
   * 'area': libjpeg-turbo (JPEG) / sharp (other formats) decode, then an exact area resize in
   * src/preprocess/area.ts; any other value: the sharp resize kernel of older models. Training
   * prepares its data through the same function either way, so pixels match exactly.
   */
  kernel: 'area' | 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
  /** x_float = (x_u8 / 255 - mean) / std, per channel (length 1 or channels). */
  mean: number[];
  std: number[];
}

/** Model input: planar (NCHW, N=1) float32 plus the 8-bit pixels it came from (HWC interleaved). */
export interface Tensor {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface Preprocessed {
  tensor: Tensor;
  /** The resized 8-bit pixels, interleaved HWC; kept for heatmap overlays of rejected frames. */
  pixels: Uint8Array;
  /** Source image size after EXIF orientation, before ROI and resize (0 when no ROI asked for it). */
  sourceWidth: number;
  sourceHeight: number;
}

export interface PreprocessOptions {
  /** Decode JPEG on the calling thread (model workers) rather than on libuv's pool. */
  sync?: boolean;
}
