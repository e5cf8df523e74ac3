/** Width and height from an image's header, read before decoding to check the pixel budget. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** The frame size from a JPEG's first SOF marker, or undefined if there is none. */
export function jpegSize(bytes: Uint8Array): ImageSize | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // standalone marker
      continue;
    }
    if (at + 3 >= bytes.length) return undefined;
    const length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
    const isFrame =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 8 >= bytes.length) return undefined;
      return {
        height: ((bytes[at + 5] as number) << 8) | (bytes[at + 6] as number),
        width: ((bytes[at + 7] as number) << 8) | (bytes[at + 8] as number),
      };
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(
    bytes[at] as number,
    bytes[at + 1] as number,
    bytes[at + 2] as number,
    bytes[at + 3] as number,
  );
}

function le(bytes: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = count - 1; i >= 0; i--) v = v * 256 + (bytes[at + i] as number);
  return v;
}

/** The canvas size from a WebP's first chunk (VP8, VP8L or VP8X), or undefined if unreadable. */
export function webpSize(bytes: Uint8Array): ImageSize | undefined {
  if (bytes.length < 30 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WEBP") {
    return undefined;
  }
  const kind = fourcc(bytes, 12);
  if (kind === "VP8 ") {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
    return { width: le(bytes, 26, 2) & 0x3fff, height: le(bytes, 28, 2) & 0x3fff };
  }
  if (kind === "VP8L") {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = le(bytes, 21, 4);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (kind === "VP8X") {
    return { width: le(bytes, 24, 3) + 1, height: le(bytes, 27, 3) + 1 };
  }
  return undefined;
}
