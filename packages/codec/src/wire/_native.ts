/**
 * Native helpers a runtime may offer beside the web platform, found by feature detection: Node
 * (20.16+), Deno 2 and Bun answer `process.getBuiltinModule("node:buffer")` with a module whose
 * `isAscii` checks bytes with SIMD, several times faster than a word-at-a-time loop in JS. In a
 * browser, or a runtime without it, every helper here is `undefined` and callers use their own
 * JS code: the codec never needs these, it is only faster with them.
 */

/** The part of Node's `node:buffer` module used here. */
interface BufferModule {
  isAscii?: (input: ArrayBufferView) => boolean;
}

interface ProcessWithBuiltins {
  getBuiltinModule?: (id: string) => unknown;
}

function bufferModule(): BufferModule | undefined {
  try {
    const process = (globalThis as { process?: ProcessWithBuiltins }).process;
    const module = process?.getBuiltinModule?.("node:buffer");
    return typeof module === "object" && module !== null ? (module as BufferModule) : undefined;
  } catch {
    return undefined; // a sandbox that forbids it: the JS path serves
  }
}

function nativeIsAscii(): ((bytes: Uint8Array) => boolean) | undefined {
  const isAscii = bufferModule()?.isAscii;
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
    return right ? (bytes) => isAscii(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether all bytes are below 0x80, natively; `undefined` where the runtime has no native check.
 * Worth its call (and a `subarray` for a range) from a few hundred bytes up.
 */
export const NATIVE_IS_ASCII: ((bytes: Uint8Array) => boolean) | undefined =
  /* @__PURE__ */ nativeIsAscii();
