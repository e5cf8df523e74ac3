import type { InstructionArgs } from "./_args.ts";
import { base64ToBytes } from "./_base64.ts";
import type { DisplayCursor } from "./_display-cursor.ts";
import type { FrameQueue } from "./_frame-queue.ts";
import type { ImageStreams } from "./_image-streams.ts";
import type { LayerTable } from "./_layer-table.ts";
import { DisplayError } from "./display-error.ts";
import type { Matrix } from "./model/_matrix.ts";
import type { LineCap, LineJoin } from "./model/_stroke.ts";
import type { Layer } from "./model/layer.ts";
import { VisibleLayer } from "./model/visible-layer.ts";

const LINE_CAPS: readonly LineCap[] = ["butt", "round", "square"];
const LINE_JOINS: readonly LineJoin[] = ["bevel", "miter", "round"];

/** What the drawing instructions act on: the display's parts. */
export interface DrawingTarget {
  readonly queue: FrameQueue;
  readonly layers: LayerTable;
  readonly streams: ImageStreams;
  readonly cursor: DisplayCursor;
  /** Queues a blocked draw of an encoded image and starts decoding it. */
  drawImage(layer: Layer, x: number, y: number, mimetype: string, bytes: Uint8Array): void;
}

/** A colour channel as CSS reads `rgba()`: clamped to 0–255. */
function channel(a: InstructionArgs, index: number): number {
  return Math.max(0, Math.min(255, a.int(index)));
}

function matrixOf(a: InstructionArgs): Matrix {
  return [a.float(1), a.float(2), a.float(3), a.float(4), a.float(5), a.float(6)];
}

/**
 * Applies one instruction as guacamole-common-js's `Guacamole.Client` handlers do: arguments are
 * read (and refused with `DisplayError` when they are not numbers) as it arrives, the drawing is
 * queued for the frame. Opcodes that are not about the display only note the streams they open.
 */
export function applyDrawing(
  display: DrawingTarget,
  opcode: string,
  a: InstructionArgs,
  raw: readonly string[],
): void {
  const q = display.queue;
  const layers = display.layers;
  switch (opcode) {
    case "sync": {
      const frames = Number.parseInt(raw[1] ?? "", 10);
      q.endFrame(a.int(0), Number.isSafeInteger(frames) ? frames : 0);
      return;
    }
    case "size": {
      const layer = layers.get(a.int(0));
      const width = a.size(1);
      const height = a.size(2);
      q.schedule(() => layer.resize(width, height));
      return;
    }
    case "rect": {
      const layer = layers.get(a.int(0));
      const [x, y, w, h] = [a.int(1), a.int(2), a.int(3), a.int(4)];
      q.schedule(() => layer.rect(x, y, w, h));
      return;
    }
    case "cfill": {
      const mask = a.int(0);
      const layer = layers.get(a.int(1));
      const [r, g, b, alpha] = [channel(a, 2), channel(a, 3), channel(a, 4), channel(a, 5)];
      q.schedule(() => {
        layer.setChannelMask(mask);
        layer.fillColor(r, g, b, alpha);
      });
      return;
    }
    case "cstroke": {
      const mask = a.int(0);
      const layer = layers.get(a.int(1));
      const cap = LINE_CAPS[a.int(2)] ?? "butt";
      const join = LINE_JOINS[a.int(3)] ?? "miter";
      const thickness = a.int(4);
      const [r, g, b, alpha] = [channel(a, 5), channel(a, 6), channel(a, 7), channel(a, 8)];
      q.schedule(() => {
        layer.setChannelMask(mask);
        layer.strokeColor(cap, join, thickness, r, g, b, alpha);
      });
      return;
    }
    case "lfill": {
      const mask = a.int(0);
      const layer = layers.get(a.int(1));
      const src = layers.get(a.int(2));
      q.schedule(() => {
        layer.setChannelMask(mask);
        layer.fillLayer(src);
      });
      return;
    }
    case "lstroke": {
      // guacamole-common-js 1.6 passes the wrong arguments here and its frame fails: skip it.
      throw new DisplayError(
        "UNSUPPORTED",
        "Cannot apply lstroke: guacamole-common-js does not draw it",
        { opcode },
      );
    }
    case "copy": {
      const src = layers.get(a.int(0));
      const [sx, sy, w, h] = [a.int(1), a.int(2), a.size(3), a.size(4)];
      const mask = a.int(5);
      const dst = layers.get(a.int(6));
      const [x, y] = [a.int(7), a.int(8)];
      q.schedule(() => {
        dst.setChannelMask(mask);
        dst.copy(src, sx, sy, w, h, x, y);
      });
      return;
    }
    case "transfer": {
      const src = layers.get(a.int(0));
      const [sx, sy, w, h] = [a.int(1), a.int(2), a.size(3), a.size(4)];
      const fn = a.int(5);
      const dst = layers.get(a.int(6));
      const [x, y] = [a.int(7), a.int(8)];
      if (fn < 0 || fn > 15) {
        throw new DisplayError(
          "BAD_ARGUMENT",
          `Cannot apply transfer: there is no function ${fn}`,
          { opcode },
        );
      }
      if (fn !== 0x5) q.schedule(() => dst.transfer(src, sx, sy, w, h, x, y, fn));
      return;
    }
    case "start":
    case "line": {
      const layer = layers.get(a.int(0));
      const [x, y] = [a.int(1), a.int(2)];
      q.schedule(opcode === "start" ? () => layer.moveTo(x, y) : () => layer.lineTo(x, y));
      return;
    }
    case "arc": {
      const layer = layers.get(a.int(0));
      const [x, y, radius] = [a.int(1), a.int(2), a.int(3)];
      const [start, end] = [a.float(4), a.float(5)];
      const negative = a.int(6) !== 0;
      if (radius < 0)
        throw new DisplayError("BAD_ARGUMENT", "Cannot apply arc: the radius is negative", {
          opcode,
        });
      q.schedule(() => layer.arc(x, y, radius, start, end, negative));
      return;
    }
    case "curve": {
      const layer = layers.get(a.int(0));
      const p = [a.int(1), a.int(2), a.int(3), a.int(4), a.int(5), a.int(6)] as const;
      q.schedule(() => layer.curveTo(...p));
      return;
    }
    case "close":
    case "clip":
    case "push":
    case "pop":
    case "reset":
    case "identity": {
      const layer = layers.get(a.int(0));
      const method = opcode === "identity" ? "setTransform" : opcode;
      q.schedule(() => layer[method]());
      return;
    }
    case "transform": {
      const layer = layers.get(a.int(0));
      const matrix = matrixOf(a);
      q.schedule(() => layer.transform(matrix));
      return;
    }
    case "set": {
      const layer = layers.get(a.int(0));
      if (a.text(1) === "miter-limit") {
        const limit = a.float(2);
        q.schedule(() => layer.setMiterLimit(limit));
      }
      return;
    }
    case "move": {
      const index = a.int(0);
      const parentIndex = a.int(1);
      const [x, y, z] = [a.int(2), a.int(3), a.int(4)];
      if (index <= 0 || parentIndex < 0) return;
      const layer = layers.visible(index);
      const parent = layers.visible(parentIndex);
      if (layer === undefined || parent === undefined) return;
      q.schedule(() => {
        if (!layer.move(parent, x, y, z)) {
          throw new DisplayError(
            "BAD_ARGUMENT",
            `Cannot move layer ${index} into ${parentIndex}: it would contain itself`,
            { opcode },
          );
        }
      });
      return;
    }
    case "shade": {
      const index = a.int(0);
      const alpha = a.int(1);
      const layer = index >= 0 ? layers.visible(index) : undefined;
      if (layer !== undefined) q.schedule(() => layer.shade(alpha));
      return;
    }
    case "distort": {
      const index = a.int(0);
      const matrix = matrixOf(a);
      const layer = index >= 0 ? layers.visible(index) : undefined;
      if (layer !== undefined) q.schedule(() => layer.distort(matrix));
      return;
    }
    case "dispose": {
      const index = a.int(0);
      if (index === 0) return;
      const layer = layers.peek(index) ?? (index > 0 ? layers.get(index) : undefined);
      layers.delete(index);
      if (layer === undefined) return;
      q.schedule(() => {
        if (layer instanceof VisibleLayer) layer.dispose();
        layer.release();
      });
      return;
    }
    case "cursor": {
      const [hotspotX, hotspotY] = [a.int(0), a.int(1)];
      const src = layers.get(a.int(2));
      const [sx, sy, w, h] = [a.int(3), a.int(4), a.size(5), a.size(6)];
      q.schedule(() => display.cursor.set(hotspotX, hotspotY, src, sx, sy, w, h));
      return;
    }
    case "mouse":
      // Not a task: guacamole-common-js moves the pointer as the instruction arrives.
      display.cursor.x = a.int(0);
      display.cursor.y = a.int(1);
      return;
    case "img": {
      const index = a.int(0);
      const mask = a.int(1);
      const layer = layers.get(a.int(2));
      const mimetype = a.text(3);
      const [x, y] = [a.int(4), a.int(5)];
      q.schedule(() => layer.setChannelMask(mask));
      display.streams.open(index, {
        mimetype,
        draw: (bytes) => display.drawImage(layer, x, y, mimetype, bytes),
      });
      return;
    }
    case "blob": {
      const index = a.int(0);
      display.streams.append(index, base64ToBytes(a.text(1)));
      return;
    }
    case "end": {
      const ended = display.streams.end(a.int(0));
      ended?.image.draw(ended.bytes);
      return;
    }
    case "png":
    case "jpeg": {
      const mask = a.int(0);
      const layer = layers.get(a.int(1));
      const [x, y] = [a.int(2), a.int(3)];
      q.schedule(() => layer.setChannelMask(mask));
      display.drawImage(layer, x, y, `image/${opcode}`, base64ToBytes(a.text(4)));
      return;
    }
    default:
      display.streams.noteForeign(opcode, raw);
  }
}
