/** The mimetype guacd gives a directory, and the JSON listing it streams for one. */
export const STREAM_INDEX_MIMETYPE = "application/vnd.glyptodon.guacamole.stream-index+json";

/** Options of {@linkcode SimulatedFilesystem}. */
export interface SimulatedFilesystemOptions {
  /** The name guacd gives the object (SFTP: the root path). @default "/" */
  readonly name?: string;
  /** Files by absolute path (their directories exist implicitly); strings are stored as UTF-8. */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  /** Empty directories to create. @default ["/tmp"] */
  readonly directories?: readonly string[];
  /** Path prefixes where writes are refused as SFTP refuses them (permission denied). @default [] */
  readonly readOnly?: readonly string[];
  /**
   * Bytes all files may hold together; past it a write fails as a full disk does (guacd acks the
   * blob with SERVER_ERROR). Writes to `/dev/null` are counted, never kept.
   * @default 67108864
   */
  readonly maxBytes?: number;
}

/**
 * Whether a write was taken, or why not: SFTP's permission denied, a missing directory, a full
 * disk.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimulatedFilesystem, type WriteResult } from "@guacstream/guacd-sim";
 * const result: WriteResult = new SimulatedFilesystem().write("/nowhere/x", new Uint8Array(1));
 * assert.equal(result, "not-found");
 * ```
 */
export type WriteResult = "ok" | "forbidden" | "not-found" | "full";

/**
 * The files behind a simulated `filesystem` object: an in-memory tree shared by the sessions of
 * one simulator, so a test can upload in one session and find the file in another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimulatedFilesystem } from "@guacstream/guacd-sim";
 * const fs = new SimulatedFilesystem({ files: { "/home/a.txt": "a" } });
 * assert.deepEqual(Object.keys(fs.list("/home") ?? {}), ["/home/a.txt"]);
 * assert.equal(fs.write("/tmp/b.txt", new Uint8Array(2)), "ok");
 * assert.equal(fs.read("/tmp/b.txt")?.length, 2);
 * ```
 */
export class SimulatedFilesystem {
  /** The name sent in `filesystem`. */
  readonly name: string;
  readonly #files = new Map<string, Uint8Array>();
  readonly #directories = new Set<string>(["/"]);
  readonly #readOnly: readonly string[];
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: SimulatedFilesystemOptions = {}) {
    this.name = options.name ?? "/";
    this.#readOnly = options.readOnly ?? [];
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    for (const dir of options.directories ?? ["/tmp"]) this.#addDirectory(normalize(dir));
    for (const [path, data] of Object.entries(options.files ?? {})) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      const at = normalize(path);
      this.#addDirectory(parentOf(at));
      this.#files.set(at, bytes);
      this.#bytes += bytes.length;
    }
  }

  /** Paths of every file, sorted. */
  get paths(): readonly string[] {
    return [...this.#files.keys()].sort();
  }

  /** A file's bytes; `undefined` for a directory or nothing. */
  read(path: string): Uint8Array | undefined {
    return this.#files.get(normalize(path));
  }

  /** Whether `path` is a directory. */
  isDirectory(path: string): boolean {
    return this.#directories.has(normalize(path));
  }

  /** A directory's entries (paths to mimetypes, as guacd lists them); `undefined` if none. */
  list(path: string): Record<string, string> | undefined {
    const dir = normalize(path);
    if (!this.#directories.has(dir)) return undefined;
    const entries: Record<string, string> = {};
    for (const sub of this.#directories) {
      if (sub !== "/" && parentOf(sub) === dir) entries[sub] = STREAM_INDEX_MIMETYPE;
    }
    for (const file of this.#files.keys()) {
      if (parentOf(file) === dir) entries[file] = "application/octet-stream";
    }
    return entries;
  }

  /** Whether a file may be created at `path` (its directory exists and is writable). */
  canWrite(path: string): WriteResult {
    const at = normalize(path);
    if (this.#readOnly.some((prefix) => at === prefix || at.startsWith(`${prefix}/`))) {
      return "forbidden";
    }
    if (at === "/dev/null") return "ok";
    if (!this.#directories.has(parentOf(at)) || this.#directories.has(at)) return "not-found";
    return "ok";
  }

  /** Creates or replaces a file (`/dev/null` takes anything and keeps nothing). */
  write(path: string, data: Uint8Array): WriteResult {
    const at = normalize(path);
    const allowed = this.canWrite(at);
    if (allowed !== "ok" || at === "/dev/null") return allowed;
    const before = this.#files.get(at)?.length ?? 0;
    if (this.#bytes - before + data.length > this.#maxBytes) return "full";
    this.#bytes += data.length - before;
    this.#files.set(at, data);
    return "ok";
  }

  /** Whether `more` bytes would still fit (a write in progress checks each blob). */
  hasRoom(more: number): boolean {
    return this.#bytes + more <= this.#maxBytes;
  }

  #addDirectory(dir: string): void {
    for (let at = dir; !this.#directories.has(at); at = parentOf(at)) this.#directories.add(at);
  }
}

/** `/a//b/./c/` → `/a/b/c`; `..` goes up, never above `/`. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
}
