import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { corpusPath } from "@guacstream/guacd-sim";

/** Bytes per chunk: what one TCP read of a busy guacd socket hands a broker. */
export const CHUNK_BYTES = 65536;

/** One bench input: its bytes, already cut into the chunks every parser is fed. */
export interface BenchInput {
  /** Path relative to the corpus directory, or `synthetic:<what>`. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** `CHUNK_BYTES` views into `bytes`, made once and shared by every case. */
  readonly chunks: readonly Uint8Array[];
  readonly synthetic: boolean;
}

/**
 * The corpus directory: `$GUACSTREAM_CORPUS`, else `shared/corpus` beside the repository (CI clones
 * the repository elsewhere with `shared/` next to it, so this is found from this file, not the cwd).
 */
export function corpusDir(): string {
  return corpusPath();
}

/** Cuts `bytes` into views of at most `size` bytes; no copies. */
export function chunk(bytes: Uint8Array, size: number = CHUNK_BYTES): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

export function makeInput(
  name: string,
  bytes: Uint8Array,
  synthetic: boolean,
  chunkBytes: number = CHUNK_BYTES,
): BenchInput {
  return { name, bytes, chunks: chunk(bytes, chunkBytes), synthetic };
}

/**
 * The session recordings: every `*.guac` at the top of the corpus and in `native/`. `errors/` and
 * `handshake-args/` are left out: a few hundred bytes each, several cut off mid-instruction on
 * purpose, they measure nothing but call overhead.
 */
export function listCorpusFiles(dir: string = corpusDir()): string[] {
  const files: string[] = [];
  for (const sub of ["", "native"]) {
    const at = join(dir, sub);
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const path = join(at, name);
      if (name.endsWith(".guac") && statSync(path).isFile()) files.push(relative(dir, path));
    }
  }
  if (files.length === 0) {
    throw new Error(`Cannot find the corpus: no *.guac files in ${dir} (set GUACSTREAM_CORPUS)`);
  }
  return files;
}

export function loadCorpusInput(
  name: string,
  dir: string = corpusDir(),
  chunkBytes: number = CHUNK_BYTES,
): BenchInput {
  const buffer = readFileSync(join(dir, name));
  // A plain Uint8Array (not a Buffer) so every parser sees the same type a web stream carries.
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return makeInput(name, bytes, false, chunkBytes);
}
