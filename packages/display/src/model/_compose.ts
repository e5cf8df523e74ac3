import type { RgbaImage } from "../image/rgba-image.ts";
import { compositePixel } from "./_composite.ts";
import { invert, isIntegerTranslation, type Matrix, multiply } from "./_matrix.ts";
import type { PixelRect } from "./_path.ts";
import type { VisibleLayer } from "./visible-layer.ts";

/** A box that clips what is drawn inside it: layer-local bounds and screen → local transform. */
interface ClipBox {
  readonly inverse: Matrix;
  readonly width: number;
  readonly height: number;
}

/** The screen region being composed and the pixels it goes to. */
interface Output {
  readonly rect: PixelRect;
  readonly data: Uint8ClampedArray;
}

/**
 * Flattens a tree of visible layers into straight-alpha RGBA for the screen region `rect`, as a
 * browser composes guacamole-common-js's layer elements: each layer's box clips its canvas and its
 * children; children stack by `z`, then by the order they were attached (those with `z` below -1
 * go under their parent's canvas, which the browser stacks at -1); opacity applies to a layer and
 * its children as a group; `distort` transforms about the box's centre.
 */
export function composeLayers(root: VisibleLayer, rect: PixelRect): RgbaImage {
  const data = new Uint8ClampedArray(rect.width * rect.height * 4);
  drawTree({ rect, data }, root, [1, 0, 0, 1, 0, 0], [], 1);
  return { width: rect.width, height: rect.height, data };
}

/** The transform from a layer's box to its parent's: translate, then distort about the centre. */
function placement(layer: VisibleLayer): Matrix {
  const ox = layer.width / 2;
  const oy = layer.height / 2;
  const m = layer.distortion;
  if (m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1 && m[4] === 0 && m[5] === 0) {
    return [1, 0, 0, 1, layer.x, layer.y];
  }
  let t: Matrix = [1, 0, 0, 1, ox + layer.x, oy + layer.y];
  t = multiply(t, m);
  return multiply(t, [1, 0, 0, 1, -ox, -oy]);
}

function drawTree(
  out: Output,
  layer: VisibleLayer,
  parentToScreen: Matrix,
  clips: readonly ClipBox[],
  alpha: number,
): void {
  if (layer.width <= 0 || layer.height <= 0 || layer.alpha === 0) return;
  const toScreen = multiply(parentToScreen, placement(layer));
  const inverse = invert(toScreen);
  if (inverse === undefined) return;
  const boxes = [...clips, { inverse, width: layer.width, height: layer.height }];
  const children = layer.children.sort((a, b) => a.z - b.z); // stable: document order within a z
  const below = children.filter((c) => c.z < -1);
  const above = children.filter((c) => c.z >= -1);
  const opacity = layer.alpha / 255;
  if (opacity < 1 && children.length > 0) {
    // Group opacity: compose the layer and its children, then blend the group once.
    const group: Output = { rect: out.rect, data: new Uint8ClampedArray(out.data.length) };
    for (const child of below) drawTree(group, child, toScreen, boxes, 1);
    drawCanvas(group, layer, toScreen, boxes, 1);
    for (const child of above) drawTree(group, child, toScreen, boxes, 1);
    blendImage(out, group.data, alpha * opacity);
    return;
  }
  const combined = alpha * opacity;
  for (const child of below) drawTree(out, child, toScreen, boxes, combined);
  drawCanvas(out, layer, toScreen, boxes, combined);
  for (const child of above) drawTree(out, child, toScreen, boxes, combined);
}

function drawCanvas(
  out: Output,
  layer: VisibleLayer,
  toScreen: Matrix,
  boxes: readonly ClipBox[],
  alpha: number,
): void {
  const src = layer.surface.pixels;
  if (src === undefined) return;
  const stride = layer.surface.width;
  const { rect, data } = out;
  if (isIntegerTranslation(toScreen) && boxes.every((b) => isIntegerTranslation(b.inverse))) {
    // Every box is an axis-aligned rectangle on screen: intersect them.
    let x0 = rect.x;
    let y0 = rect.y;
    let x1 = rect.x + rect.width;
    let y1 = rect.y + rect.height;
    for (const box of boxes) {
      const left = -box.inverse[4];
      const top = -box.inverse[5];
      x0 = Math.max(x0, left);
      y0 = Math.max(y0, top);
      x1 = Math.min(x1, left + box.width);
      y1 = Math.min(y1, top + box.height);
    }
    const ox = toScreen[4];
    const oy = toScreen[5];
    for (let y = y0; y < y1; y++) {
      let s = ((y - oy) * stride + (x0 - ox)) * 4;
      let d = ((y - rect.y) * rect.width + (x0 - rect.x)) * 4;
      for (let x = x0; x < x1; x++, s += 4, d += 4) {
        const a = src[s + 3] as number;
        if (a === 0) continue;
        if (a === 255 && alpha === 1) {
          data[d] = src[s] as number;
          data[d + 1] = src[s + 1] as number;
          data[d + 2] = src[s + 2] as number;
          data[d + 3] = 255;
        } else {
          compositePixel(
            0,
            data,
            d,
            src[s] as number,
            src[s + 1] as number,
            src[s + 2] as number,
            a * alpha,
            1,
          );
        }
      }
    }
    return;
  }
  const own = boxes[boxes.length - 1] as ClipBox;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside = true;
      for (const box of boxes) {
        const u = box.inverse[0] * px + box.inverse[2] * py + box.inverse[4];
        const v = box.inverse[1] * px + box.inverse[3] * py + box.inverse[5];
        if (u < 0 || v < 0 || u >= box.width || v >= box.height) {
          inside = false;
          break;
        }
      }
      if (!inside) continue;
      const u = Math.floor(own.inverse[0] * px + own.inverse[2] * py + own.inverse[4]);
      const v = Math.floor(own.inverse[1] * px + own.inverse[3] * py + own.inverse[5]);
      const s = (v * stride + u) * 4;
      const a = src[s + 3] as number;
      if (a === 0) continue;
      const d = ((y - rect.y) * rect.width + (x - rect.x)) * 4;
      compositePixel(
        0,
        data,
        d,
        src[s] as number,
        src[s + 1] as number,
        src[s + 2] as number,
        a * alpha,
        1,
      );
    }
  }
}

function blendImage(out: Output, src: Uint8ClampedArray, alpha: number): void {
  const data = out.data;
  for (let i = 0; i < src.length; i += 4) {
    const a = src[i + 3] as number;
    if (a === 0) continue;
    compositePixel(
      0,
      data,
      i,
      src[i] as number,
      src[i + 1] as number,
      src[i + 2] as number,
      a * alpha,
      1,
    );
  }
}

/** Draws `image` source-over onto `target` with its top left at (x, y) (the cursor). */
export function drawOver(target: RgbaImage, image: RgbaImage, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(target.width, x + image.width);
  const y1 = Math.min(target.height, y + image.height);
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const s = ((yy - y) * image.width + (xx - x)) * 4;
      const a = image.data[s + 3] as number;
      if (a === 0) continue;
      const d = (yy * target.width + xx) * 4;
      compositePixel(
        0,
        target.data,
        d,
        image.data[s] as number,
        image.data[s + 1] as number,
        image.data[s + 2] as number,
        a,
        1,
      );
    }
  }
}
