/**
 * A 3×5 pixel font for the characters of a time label ("12.5s"): enough to mark each thumbnail
 * of a contact sheet without a text renderer. Each glyph is five rows of three bits, top first.
 */
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  "0": [0b111, 0b101, 0b101, 0b101, 0b111],
  "1": [0b010, 0b110, 0b010, 0b010, 0b111],
  "2": [0b111, 0b001, 0b111, 0b100, 0b111],
  "3": [0b111, 0b001, 0b111, 0b001, 0b111],
  "4": [0b101, 0b101, 0b111, 0b001, 0b001],
  "5": [0b111, 0b100, 0b111, 0b001, 0b111],
  "6": [0b111, 0b100, 0b111, 0b101, 0b111],
  "7": [0b111, 0b001, 0b010, 0b010, 0b010],
  "8": [0b111, 0b101, 0b111, 0b101, 0b111],
  "9": [0b111, 0b101, 0b111, 0b001, 0b111],
  ".": [0b000, 0b000, 0b000, 0b000, 0b010],
  s: [0b000, 0b011, 0b110, 0b011, 0b110],
};

/** Width in pixels of `text` drawn at `scale` (one blank column between glyphs). */
export function labelWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

/**
 * Draws `text` into RGBA `data` (row length `stride` pixels) at (x, y), `scale` pixels per font
 * pixel, in `rgba`; unknown characters are left blank. Clipped to `width`×`height`.
 */
export function drawLabel(
  data: Uint8ClampedArray,
  stride: number,
  height: number,
  text: string,
  x: number,
  y: number,
  scale: number,
  rgba: readonly [number, number, number, number],
): void {
  for (let c = 0; c < text.length; c++) {
    const glyph = GLYPHS[text[c] as string];
    if (glyph === undefined) continue;
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 3; col++) {
        if ((((glyph[row] as number) >> (2 - col)) & 1) === 0) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (c * 4 + col) * scale + dx;
            const py = y + row * scale + dy;
            if (px < 0 || py < 0 || px >= stride || py >= height) continue;
            data.set(rgba, (py * stride + px) * 4);
          }
        }
      }
    }
  }
}
