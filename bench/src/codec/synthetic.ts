/**
 * A deterministic client-side stream: the small instructions a browser sends a broker all the
 * time (`mouse`, `key`, `sync`, `size`), encoded with lengths in code points as guacd expects.
 */

/** mulberry32: a tiny seeded PRNG, so every run and every machine benches the same bytes. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function element(value: string): string {
  // Values here are ASCII, so code points equal UTF-16 units; the check keeps that honest.
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`Cannot encode synthetic value: ${value}`);
  return `${value.length}.${value}`;
}

function encode(opcode: string, args: readonly (string | number)[]): string {
  let out = element(opcode);
  for (const arg of args) out += `,${element(String(arg))}`;
  return `${out};`;
}

const KEYSYMS = [0x61, 0x65, 0x20, 0xff0d, 0xff08, 0xffe1, 0xffe3, 0xff51, 0xff53, 0x41, 0x31];

/** The synthetic stream's bytes and how many instructions it holds. */
export interface SyntheticStream {
  readonly bytes: Uint8Array;
  readonly instructions: number;
}

/**
 * Mouse moves dominate (as they do in a real session), with key presses/releases, `sync` echoes
 * and the odd `size`. Stops at the first instruction boundary at or past `targetBytes`.
 */
export function clientSideStream(targetBytes = 1_500_000, seed = 0x67756163): SyntheticStream {
  const random = prng(seed);
  const parts: string[] = [];
  let length = 0;
  let instructions = 0;
  let x = 512;
  let y = 384;
  let timestamp = 1_700_000_000;
  while (length < targetBytes) {
    const pick = random();
    let text: string;
    if (pick < 0.7) {
      x = Math.max(0, Math.min(1919, x + Math.round((random() - 0.5) * 40)));
      y = Math.max(0, Math.min(1079, y + Math.round((random() - 0.5) * 40)));
      text = encode("mouse", [x, y, random() < 0.1 ? 1 : 0]);
    } else if (pick < 0.85) {
      const keysym = KEYSYMS[Math.floor(random() * KEYSYMS.length)] ?? 0x61;
      text = encode("key", [keysym, random() < 0.5 ? 1 : 0]);
    } else if (pick < 0.98) {
      timestamp += 16 + Math.floor(random() * 30);
      text = encode("sync", [timestamp]);
    } else {
      text = encode("size", [800 + Math.floor(random() * 1120), 600 + Math.floor(random() * 480)]);
    }
    parts.push(text);
    length += text.length;
    instructions++;
  }
  return { bytes: new TextEncoder().encode(parts.join("")), instructions };
}
