/**
 * A headless Guacamole display: applies guacd's drawing instructions to in-memory RGBA surfaces,
 * as guacamole-common-js's `Guacamole.Display` does on a canvas, in Node, Deno, Bun and browsers.
 *
 * @module
 */

export type { DisplayErrorCode } from "./display-error.ts";
export { DisplayError } from "./display-error.ts";
export type { DisplayStreamFrame, DisplayStreamOptions } from "./display-stream.ts";
export { DisplayStream } from "./display-stream.ts";
export type {
  CursorState,
  DisplayFrame,
  DisplayInstruction,
  HeadlessDisplayOptions,
  ScreenshotOptions,
} from "./headless-display.ts";
export { HeadlessDisplay } from "./headless-display.ts";
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
export type { PixelSource } from "./model/blit.ts";
export { drawPixels } from "./model/blit.ts";
export { composeLayers } from "./model/compose.ts";
export type { CompositeOperation } from "./model/composite.ts";
export { CHANNEL_MASK_OPERATIONS, compositePixel } from "./model/composite.ts";
export { Layer, MAX_CANVAS_DIMENSION } from "./model/layer.ts";
export type { Matrix } from "./model/matrix.ts";
export { IDENTITY } from "./model/matrix.ts";
export type { PixelRect, Subpath } from "./model/path.ts";
export { DEFAULT_PIXEL_BUDGET, PixelBudget } from "./model/pixel-budget.ts";
export type { CoverageMask } from "./model/rasterize.ts";
export { rasterizePolygons } from "./model/rasterize.ts";
export type { LineCap, LineJoin, StrokeStyle } from "./model/stroke.ts";
export { strokePolygons } from "./model/stroke.ts";
export { CANVAS_SIZE_STEP, Surface } from "./model/surface.ts";
export type { TransferFunction } from "./model/transfer.ts";
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
export type { VisualWaitOptions, WaitCheck } from "./waits/visual-wait.ts";
export { changedShare, rmsDistance } from "./waits/visual-wait.ts";
export { VisualWaitError } from "./waits/visual-wait-error.ts";
export type {
  WaitForChangeOptions,
  WaitForMatchOptions,
  WaitForOptions,
  WaitForStillOptions,
} from "./waits/waits.ts";
export { waitFor, waitForChange, waitForMatch, waitForStill } from "./waits/waits.ts";
