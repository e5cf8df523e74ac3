/**
 * Compiles a WASM file shipped inside a dependency. Server runtimes (Node, Deno, Bun) read it from
 * disk with `node:fs/promises`, which all three provide, because Node's `fetch` cannot read
 * `file:` URLs; browsers return undefined and let the library fetch it beside its own script.
 */
export async function compileShippedWasm(
  specifier: string,
): Promise<WebAssembly.Module | undefined> {
  const runtime = globalThis as { process?: { versions?: { node?: unknown } }; Deno?: unknown };
  if (typeof runtime.process?.versions?.node !== "string" && runtime.Deno === undefined) {
    return undefined;
  }
  // Called as a method: Bun's resolve needs its import.meta as `this`.
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  if (typeof meta.resolve !== "function") return undefined;
  // A specifier in a variable keeps bundlers for the browser from following it.
  const fsName = "node:fs/promises";
  const fs = (await import(/* @vite-ignore */ fsName)) as {
    readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  };
  return WebAssembly.compile(await fs.readFile(new URL(meta.resolve(specifier))));
}
