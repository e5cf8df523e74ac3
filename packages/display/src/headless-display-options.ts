import type { DisplayError } from "./display-error.ts";
import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
import type { PixelRect } from "./model/_path.ts";

/** What the display reads: an instruction as the codec decodes it. */
export interface DisplayInstruction {
  /** What the instruction does (`"rect"`, `"img"`, `"sync"`, …). */
  readonly opcode: string;
  /** Its arguments, as guacd wrote them. */
  readonly args: readonly string[];
  /**
   * A `blob`'s payload already decoded from base64, as the codec's `BlobBytesDecoder` hands it
   * over; `args` then holds only the stream index.
   */
  readonly bytes?: Uint8Array;
}

/** A frame: what guacamole-common-js shows after a `sync` once its images are drawn. */
export interface DisplayFrame {
  /** 1 for the first frame, then counting up. */
  readonly index: number;
  /** The `sync`'s timestamp (guacd's milliseconds), `undefined` for a frame forced by `maxPendingTasks`. */
  readonly timestamp: number | undefined;
  /** The `sync`'s count of frames guacd combined into this one (0 when it sent none). */
  readonly logicalFrames: number;
  /** The display's width then. */
  readonly width: number;
  /** The display's height then. */
  readonly height: number;
}

/** Where the pointer is drawn and what it looks like. */
export interface CursorState {
  /** Pointer position (from guacd's `mouse`, or {@link HeadlessDisplay.moveCursor}). */
  readonly x: number;
  /** Pointer position, vertical. */
  readonly y: number;
  /** The hotspot inside the cursor image: the pixel drawn at the pointer position. */
  readonly hotspotX: number;
  /** The hotspot, vertical. */
  readonly hotspotY: number;
  /** The cursor image (`cursor`), or `undefined` before guacd sent one. */
  readonly image: RgbaImage | undefined;
}

/** Options of {@link HeadlessDisplay}. */
export interface HeadlessDisplayOptions {
  /**
   * Decodes `img` streams; `null` for none (images are then skipped with `IMAGE_DECODE_FAILED`
   * and {@link HeadlessDisplay.mimetypes} is empty).
   * @default {createImageDecoder()} (PNG, JPEG, WebP)
   */
  decoder?: ImageDecoder | null;
  /** The most pixels all layers and buffers may hold together. @default {DEFAULT_PIXEL_BUDGET} */
  pixelBudget?: number;
  /** The most bytes one image stream may carry before it is dropped. @default {33554432} */
  maxStreamBytes?: number;
  /** The most layers and buffers at once (guacd uses a few dozen). @default {4096} */
  maxLayers?: number;
  /** The most image streams open at once. @default {64} */
  maxOpenStreams?: number;
  /** The most drawing operations kept without a `sync` before a frame is forced. @default {100000} */
  maxPendingTasks?: number;
  /** The most images decoded at the same time. @default {4} */
  maxConcurrentDecodes?: number;
  /**
   * The most encoded image bytes waiting for their turn to decode; past it an image is skipped
   * with `DECODE_BACKLOG`. `DisplayStream` waits instead, long before this.
   * @default {67108864}
   */
  maxDecodeBacklogBytes?: number;
  /** Called for every instruction skipped and image dropped; never thrown. */
  onError?: (error: DisplayError) => void;
  /** Called after each frame is shown. */
  onFrame?: (frame: DisplayFrame) => void;
}

/** Screenshot options. */
export interface ScreenshotOptions {
  /** The region, within the display. @default the whole display */
  rect?: PixelRect;
  /** Draw the cursor in. @default {false} */
  cursor?: boolean;
}
