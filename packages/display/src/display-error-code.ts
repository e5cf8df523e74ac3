/** What went wrong, as a stable string a program can branch on. */
export type DisplayErrorCode =
  /** An instruction's argument is not a number where one is needed, or a size is negative. */
  | "BAD_ARGUMENT"
  /** A layer would need more pixels than the display's pixel budget has left. */
  | "PIXEL_BUDGET"
  /** A `blob` or `end` names a stream that is not open. */
  | "UNKNOWN_STREAM"
  /** An image stream grew past `maxStreamBytes`; it is dropped. */
  | "STREAM_TOO_LARGE"
  /** An `img` would open more than `maxOpenStreams` streams at once; it is refused. */
  | "TOO_MANY_STREAMS"
  /** guacd named more than `maxLayers` layers and buffers; the instruction is skipped. */
  | "TOO_MANY_LAYERS"
  /** More encoded image bytes wait to be decoded than `maxDecodeBacklogBytes`; the image is skipped. */
  | "DECODE_BACKLOG"
  /** The image decoder rejected an image (malformed bytes, an unsupported mimetype). */
  | "IMAGE_DECODE_FAILED"
  /** guacd sent more drawing without a `sync` than `maxPendingTasks`; a frame is forced. */
  | "TOO_MANY_TASKS"
  /** An instruction guacamole-common-js itself cannot carry out (`lstroke`); it is skipped. */
  | "UNSUPPORTED"
  /** A visual wait ran out of time. */
  | "TIMEOUT"
  /** A visual wait was aborted through its signal. */
  | "ABORTED"
  /** A region lies outside the display. */
  | "BAD_REGION";
