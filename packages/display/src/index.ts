/**
 * A headless Guacamole display: applies guacd's drawing instructions to in-memory RGBA surfaces,
 * as guacamole-common-js's `Guacamole.Display` does on a canvas, in Node, Deno, Bun and browsers.
 *
 * @module
 */

export { DisplayError } from "./display-error.ts";
export type { DisplayErrorCode } from "./display-error-code.ts";
export { DisplayStream } from "./display-stream.ts";
export type { DisplayStreamFrame, DisplayStreamOptions } from "./display-stream-options.ts";
export { HeadlessDisplay } from "./headless-display.ts";
export type {
  CursorState,
  DisplayFrame,
  DisplayInstruction,
  HeadlessDisplayOptions,
  ScreenshotOptions,
} from "./headless-display-options.ts";
export type { ImageDecoderOptions } from "./image/image-decoder.ts";
export { createImageDecoder } from "./image/image-decoder.ts";
export type { ImageErrorCode } from "./image/image-error.ts";
export { ImageError } from "./image/image-error.ts";
export { DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from "./image/pixel-budget.ts";
export type { PngDecodeOptions } from "./image/png-decoder.ts";
export { decodePng } from "./image/png-decoder.ts";
export { encodePng } from "./image/png-encoder.ts";
export type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
export type { WasmDecodeOptions } from "./image/wasm-decoders.ts";
export { decodeJpeg, decodeWebp } from "./image/wasm-decoders.ts";
export type { CompositeOperation } from "./model/_composite.ts";
export { CHANNEL_MASK_OPERATIONS } from "./model/_composite.ts";
export type { Matrix } from "./model/_matrix.ts";
export type { PixelRect } from "./model/_path.ts";
export type { LineCap, LineJoin } from "./model/_stroke.ts";
export { Layer, MAX_CANVAS_DIMENSION } from "./model/layer.ts";
export { DEFAULT_PIXEL_BUDGET, PixelBudget } from "./model/pixel-budget.ts";
export { Surface } from "./model/surface.ts";
export { applyTransfer, transferChannel } from "./model/transfer.ts";
export { VisibleLayer } from "./model/visible-layer.ts";
export type { ContactSheetOptions } from "./recording/contact-sheet.ts";
export { contactSheet } from "./recording/contact-sheet.ts";
export type { RecordingSpan } from "./recording/recording-span.ts";
export { recordingSpan } from "./recording/recording-span.ts";
export type {
  RecordingFrame,
  RecordingSource,
  RenderRecordingOptions,
} from "./recording/render-recording.ts";
export { renderRecording } from "./recording/render-recording.ts";
export { screenshotPng } from "./screenshot-png.ts";
export { VisualWaitError } from "./waits/visual-wait-error.ts";
export type {
  VisualWaitOptions,
  WaitForChangeOptions,
  WaitForMatchOptions,
  WaitForOptions,
  WaitForStillOptions,
} from "./waits/wait-options.ts";
export { waitFor, waitForChange, waitForMatch, waitForStill } from "./waits/waits.ts";
