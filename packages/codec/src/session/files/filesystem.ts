import { GuacamoleClientError } from "../../wire/errors.ts";
import { GuacamoleStatusError } from "../status.ts";
import type { ByteSource } from "./blob-source.ts";
import { GuacamoleFilesystemError } from "./filesystem-error.ts";
import { type FilesystemEntry, parseStreamIndex, STREAM_INDEX_MIMETYPE } from "./stream-index.ts";

/** Options of {@link GuacamoleFilesystem}'s reads. */
export interface FilesystemReadOptions {
  /**
   * Milliseconds to wait for guacd's answer. guacd answers a path it cannot read with silence,
   * so this is how long a missing file takes to fail (`NOT_FOUND`).
   * @default {10000}
   */
  timeout?: number;
}

/** Options of {@link GuacamoleFilesystem.upload}. */
export interface FilesystemUploadOptions {
  /** The mimetype guacd is told. @default {"application/octet-stream"} */
  mimetype?: string;
}

/** What guacd sent for a `get`: a `body` stream with its mimetype. */
export interface FilesystemBody {
  /** `application/octet-stream` for a file, the stream-index mimetype for a directory. */
  readonly mimetype: string;
  /** The data, acknowledged blob by blob as it is read. */
  readonly readable: ReadableStream<Uint8Array>;
}

/** What a filesystem needs from its session: `get` and `put` on guacd's object. */
export interface FilesystemSession {
  /** Sends `get,<object>,<path>` and resolves with guacd's `body` (`NOT_FOUND` after `timeoutMs`). */
  get(object: number, path: string, timeoutMs: number): Promise<FilesystemBody>;
  /**
   * Sends `put,<object>,<stream>,<mimetype>,<path>` and the source, waiting for guacd's ack of
   * each part; rejects with `GuacamoleClientError` (`STREAM_FAILED`) when guacd refuses.
   */
  put(object: number, path: string, mimetype: string, source: ByteSource): Promise<void>;
}

/** Upper bound on a directory listing held in memory (guacd lists without limit). */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * A filesystem guacd exposes with its `filesystem` instruction (SFTP over SSH or VNC with
 * `enable-sftp`, an RDP drive with `enable-drive`): list directories, download and upload files,
 * paced by guacd's acks. Get it from `GuacamoleClient.filesystem()` or `onFilesystem`.
 *
 * @example List, upload and download (over a stand-in for guacd's SFTP object)
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   GuacamoleFilesystem,
 *   STREAM_INDEX_MIMETYPE,
 *   type FilesystemSession,
 * } from "@guacstream/codec/client";
 *
 * // In a session, `await client.filesystem()` gives one; here a map of files stands in for guacd.
 * const files = new Map<string, string>();
 * const session: FilesystemSession = {
 *   async get(_object, path) {
 *     if (path !== "/tmp") return { mimetype: "application/octet-stream", readable: new Blob([files.get(path) ?? ""]).stream() };
 *     const index = Object.fromEntries([...files.keys()].map((p) => [p, "application/octet-stream"]));
 *     return { mimetype: STREAM_INDEX_MIMETYPE, readable: new Blob([JSON.stringify(index)]).stream() };
 *   },
 *   async put(_object, path, _mimetype, source) {
 *     files.set(path, new TextDecoder().decode(source as Uint8Array));
 *   },
 * };
 * const fs = new GuacamoleFilesystem(0, "/", session);
 * await fs.upload("/tmp/hello.txt", new TextEncoder().encode("hello"));
 * assert.deepEqual((await fs.list("/tmp")).map((e) => e.name), ["hello.txt"]);
 * assert.equal(await new Response(fs.download("/tmp/hello.txt")).text(), "hello");
 * ```
 */
export class GuacamoleFilesystem {
  /** guacd's object index for it. */
  readonly index: number;
  /** Its name, as guacd gives it (the SFTP root or the drive's name). */
  readonly name: string;
  readonly #session: FilesystemSession;

  /** The object `index` guacd named `name`, reached through `session`. */
  constructor(index: number, name: string, session: FilesystemSession) {
    this.index = index;
    this.name = name;
    this.#session = session;
  }

  /**
   * Lists a directory: its entries' paths, names and whether each is a directory. Rejects with
   * `GuacamoleFilesystemError`: `NOT_FOUND`, `NOT_A_DIRECTORY`, `INVALID_INDEX`, `SESSION_ENDED`.
   */
  async list(path = "/", options: FilesystemReadOptions = {}): Promise<FilesystemEntry[]> {
    const body = await this.#session.get(this.index, path, options.timeout ?? 10_000);
    if (body.mimetype !== STREAM_INDEX_MIMETYPE) {
      await body.readable.cancel();
      throw new GuacamoleFilesystemError(
        "NOT_A_DIRECTORY",
        path,
        `Cannot list ${JSON.stringify(path)}: it is a file (${body.mimetype})`,
      );
    }
    const decoder = new TextDecoder();
    const reader = body.readable.getReader();
    let json = "";
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      json += decoder.decode(next.value, { stream: true });
      if (json.length > MAX_LISTING_BYTES) {
        await reader.cancel();
        throw new GuacamoleFilesystemError(
          "INVALID_INDEX",
          path,
          `Cannot list ${JSON.stringify(path)}: the listing is over ${MAX_LISTING_BYTES} bytes`,
        );
      }
    }
    return parseStreamIndex(json + decoder.decode(), path);
  }

  /**
   * A file's content as a stream, read as guacd sends it (each blob acknowledged once the
   * reader has room, so a slow reader slows guacd, not memory). The stream errors with
   * `GuacamoleFilesystemError` (`NOT_FOUND`, `IS_A_DIRECTORY`, `SESSION_ENDED`).
   */
  download(path: string, options: FilesystemReadOptions = {}): ReadableStream<Uint8Array> {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const open = async (): Promise<ReadableStreamDefaultReader<Uint8Array>> => {
      const body = await this.#session.get(this.index, path, options.timeout ?? 10_000);
      if (body.mimetype === STREAM_INDEX_MIMETYPE) {
        await body.readable.cancel();
        throw new GuacamoleFilesystemError(
          "IS_A_DIRECTORY",
          path,
          `Cannot download ${JSON.stringify(path)}: it is a directory`,
        );
      }
      return body.readable.getReader();
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          reader ??= await open();
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel: async (reason) => {
          await reader?.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * Writes a file (`put`), creating or replacing it, from bytes, a stream or an async iterable;
   * at most a few blobs (48 KiB) are ahead of guacd's acks, whatever the size. Resolves once guacd has closed
   * the file. Rejects with `GuacamoleFilesystemError` (`REFUSED` with guacd's `status`, or
   * `SESSION_ENDED`); an error of the source is passed through.
   */
  async upload(
    path: string,
    source: ByteSource,
    options: FilesystemUploadOptions = {},
  ): Promise<void> {
    const mimetype = options.mimetype ?? "application/octet-stream";
    try {
      await this.#session.put(this.index, path, mimetype, source);
    } catch (error) {
      if (!(error instanceof GuacamoleClientError) || error.code !== "STREAM_FAILED") throw error;
      const status = error.cause instanceof GuacamoleStatusError ? error.cause : undefined;
      throw new GuacamoleFilesystemError(
        status === undefined ? "SESSION_ENDED" : "REFUSED",
        path,
        status === undefined
          ? `Cannot upload ${JSON.stringify(path)}: the session ended`
          : `Cannot upload ${JSON.stringify(path)}: guacd refused it with ${status.statusName} (${status.guacdMessage})`,
        status?.status,
        { cause: error.cause ?? error },
      );
    }
  }
}
