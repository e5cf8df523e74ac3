/**
 * Native helpers a runtime may offer beside the web platform, found by feature detection: Node
 * (20.16+), Deno 2 and Bun answer `process.getBuiltinModule("buffer")` with a module whose
 * `isAscii` checks bytes with SIMD, several times faster than a word-at-a-time loop in JS. In a
 * browser, or a runtime without it, every helper here is `undefined` and callers use their own
 * JS code: the codec never needs these, it is only faster with them.
 */

/** The part of Node's `node:buffer` module used here. */
interface BufferModule {
  isAscii?: (input: ArrayBufferView) => boolean;
  Buffer?: {
    from(
      buffer: ArrayBufferLike,
      byteOffset: number,
      length: number,
    ): {
      toString(encoding: "latin1"): string;
    };
  };
}

interface ProcessWithBuiltins {
  getBuiltinModule?: (id: string) => unknown;
}

function bufferModule(): BufferModule | undefined {
  try {
    const process = (globalThis as { process?: ProcessWithBuiltins }).process;
    // "buffer", not "node:buffer": every runtime takes both, and a browser bundle must carry no
    // "node:" specifier (the smoke test checks), even one only called where it exists.
    const module = process?.getBuiltinModule?.("buffer");
    return typeof module === "object" && module !== null ? (module as BufferModule) : undefined;
  } catch {
    return undefined; // a sandbox that forbids it: the JS path serves
  }
}

function nativeIsAscii(
  module: BufferModule | undefined,
): ((bytes: Uint8Array) => boolean) | undefined {
  const isAscii = module?.isAscii;
  if (typeof isAscii !== "function") return undefined;
  // Trust it only after it answers a few known inputs right (a shim could get it wrong).
  try {
    const probe = new Uint8Array([0x41, 0x80, 0x42, 0x7f, 0xff]);
    const right =
      isAscii(probe.subarray(0, 1)) &&
      !isAscii(probe.subarray(0, 2)) &&
      isAscii(probe.subarray(2, 4)) &&
      !isAscii(probe.subarray(3, 5)) &&
      isAscii(probe.subarray(0, 0));
    return right ? isAscii : undefined;
  } catch {
    return undefined;
  }
}

function nativeLatin1(
  module: BufferModule | undefined,
): ((bytes: Uint8Array) => string) | undefined {
  const Buffer = module?.Buffer;
  if (typeof Buffer?.from !== "function") return undefined;
  const latin1 = (bytes: Uint8Array): string =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  try {
    return latin1(new Uint8Array([0x41, 0x3b, 0x7f, 0xe9]).subarray(1, 3)) === ";\u007f"
      ? latin1
      : undefined;
  } catch {
    return undefined;
  }
}

/** The native helpers this runtime has; a field is `undefined` where it has none. */
export interface Natives {
  /**
   * Whether all bytes are below 0x80. Worth its call (and a `subarray` for a range) from a few
   * hundred bytes up.
   */
  isAscii: ((bytes: Uint8Array) => boolean) | undefined;
  /**
   * Bytes as Latin-1 text (one character per byte), without the UTF-8 validation `TextDecoder`
   * does: for bytes already known to be ASCII, the same string for less work.
   */
  latin1: ((bytes: Uint8Array) => string) | undefined;
}

/**
 * The helpers found at load. Read at each use, not captured, so that the tests can take them
 * away and run the JS paths a browser runs.
 */
export const NATIVES: Natives = /* @__PURE__ */ (() => {
  const module = bufferModule();
  return { isAscii: nativeIsAscii(module), latin1: nativeLatin1(module) };
})();
