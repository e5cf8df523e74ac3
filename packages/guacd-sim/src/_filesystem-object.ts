import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { fromBase64, toBase64 } from "./_bytes.ts";
import type { InputStreams } from "./_input-streams.ts";
import { encodeInstruction, type WireInstruction } from "./_wire.ts";
import { type SimulatedFilesystem, STREAM_INDEX_MIMETYPE } from "./filesystem.ts";

/** guacd reads SFTP files, and fills directory-listing blobs, 4096 bytes at a time. */
const READ_BYTES = 4096;
const SUCCESS = "0";
const SERVER_ERROR = String(GUACAMOLE_STATUS.SERVER_ERROR);
const RESOURCE_NOT_FOUND = String(GUACAMOLE_STATUS.RESOURCE_NOT_FOUND);
const CLIENT_FORBIDDEN = String(GUACAMOLE_STATUS.CLIENT_FORBIDDEN);
/** guacd serves at most 64 streams per user; the simulator keeps 62 (argv) and 63 (clipboard). */
const FIRST_STREAM = 1;
const LAST_STREAM = 61;

interface Upload {
  readonly path: string;
  readonly parts: Uint8Array[];
  size: number;
  failed: boolean;
}

/**
 * One `filesystem` object as guacd's SFTP support serves it to one user: `get` of a directory is
 * a `body` with a JSON listing, of a file a `body` with its bytes, each blob sent only after the
 * client's ack; `get` of a path that does not exist gets silence; `put` is acked open (or
 * refused with the status SFTP gives), then each blob and the `end` are acked. A refused `put`
 * stays open as guacd's does: its blobs are acked "SFTP: Write failed" and its end (the client's,
 * or the next stream opened on its index) "SFTP: Close failed", both 512.
 */
export class FilesystemObject {
  readonly #fs: SimulatedFilesystem;
  readonly #index: string;
  readonly #send: (bytes: Uint8Array) => void;
  readonly #downloads = new Map<string, Uint8Array>();
  readonly #streams: InputStreams;

  /** `streams` is the user's input stream table, shared with the session's other streams. */
  constructor(
    fs: SimulatedFilesystem,
    index: number,
    send: (bytes: Uint8Array) => void,
    streams: InputStreams,
  ) {
    this.#fs = fs;
    this.#index = String(index);
    this.#send = send;
    this.#streams = streams;
  }

  /** Tells the client about the object, as guacd does right after the user joins. */
  announce(): void {
    this.#send(encodeInstruction("filesystem", this.#index, this.#fs.name));
  }

  /** Acts on an instruction if it is about this object or its streams. */
  handle(instruction: WireInstruction): boolean {
    const [a0 = "", a1 = "", a2 = "", a3 = ""] = instruction.args;
    switch (instruction.opcode) {
      case "get":
        if (a0 !== this.#index) return false;
        this.#get(a1);
        return true;
      case "put":
        if (a0 !== this.#index) return false;
        this.#put(a1, a3);
        return true;
      case "ack":
        if (!this.#downloads.has(a0)) return false;
        this.#continueDownload(a0, a2);
        return true;
      default:
        return false;
    }
  }

  #get(path: string): void {
    const listing = this.#fs.list(path);
    const file = listing === undefined ? this.#fs.read(path) : undefined;
    if (listing === undefined && file === undefined) return; // guacd: silence
    const stream = this.#freeStream();
    if (stream === undefined) return;
    const mimetype = listing === undefined ? "application/octet-stream" : STREAM_INDEX_MIMETYPE;
    const bytes = listing === undefined ? file! : new TextEncoder().encode(JSON.stringify(listing));
    this.#downloads.set(stream, bytes);
    this.#send(encodeInstruction("body", this.#index, stream, mimetype, path));
  }

  #continueDownload(stream: string, status: string): void {
    const rest = this.#downloads.get(stream)!;
    if (status !== SUCCESS) {
      this.#downloads.delete(stream); // the client gave up: guacd frees the stream
      return;
    }
    if (rest.length === 0) {
      this.#downloads.delete(stream);
      this.#send(encodeInstruction("end", stream));
      return;
    }
    this.#downloads.set(stream, rest.subarray(READ_BYTES));
    this.#send(encodeInstruction("blob", stream, toBase64(rest.subarray(0, READ_BYTES))));
  }

  /**
   * Opens `path` for writing on input stream `stream` (guacd's SFTP put handler; the `file`
   * instruction's handler does the same in the upload directory).
   */
  openUpload(stream: string, path: string): void {
    this.#put(stream, path);
  }

  #put(stream: string, path: string): void {
    const allowed = this.#fs.canWrite(path);
    if (allowed !== "ok") {
      const status = allowed === "forbidden" ? CLIENT_FORBIDDEN : RESOURCE_NOT_FOUND;
      const opened = this.#streams.open(stream, {
        blob: () =>
          this.#send(encodeInstruction("ack", stream, "SFTP: Write failed", SERVER_ERROR)),
        end: () => this.#send(encodeInstruction("ack", stream, "SFTP: Close failed", SERVER_ERROR)),
      });
      if (opened) this.#send(encodeInstruction("ack", stream, "SFTP: Open failed", status));
      return;
    }
    const upload: Upload = { path, parts: [], size: 0, failed: false };
    const opened = this.#streams.open(stream, {
      blob: (base64) => this.#write(stream, upload, base64),
      end: () => this.#finish(stream, upload),
    });
    if (opened) this.#send(encodeInstruction("ack", stream, "SFTP: File opened", SUCCESS));
  }

  #write(stream: string, upload: Upload, base64: string): void {
    const bytes = fromBase64(base64);
    upload.size += bytes.length;
    const discard = upload.path === "/dev/null";
    if (upload.failed || (!discard && !this.#fs.hasRoom(upload.size))) {
      upload.failed = true;
      upload.parts.length = 0;
      this.#send(encodeInstruction("ack", stream, "SFTP: Write failed", SERVER_ERROR));
      return;
    }
    if (!discard) upload.parts.push(bytes);
    this.#send(encodeInstruction("ack", stream, "SFTP: OK", SUCCESS));
  }

  #finish(stream: string, upload: Upload): void {
    if (!upload.failed) {
      const data = new Uint8Array(upload.path === "/dev/null" ? 0 : upload.size);
      let at = 0;
      for (const part of upload.parts) {
        data.set(part, at);
        at += part.length;
      }
      if (this.#fs.write(upload.path, data) !== "ok") upload.failed = true;
    }
    const [message, status] = upload.failed
      ? ["SFTP: Close failed", SERVER_ERROR]
      : ["SFTP: OK", SUCCESS];
    this.#send(encodeInstruction("ack", stream, message, status));
  }

  /**
   * The highest free index: recordings replay guacd's image streams on the low ones (guacd gives
   * out the lowest free index), and a body must never share an index with them.
   */
  #freeStream(): string | undefined {
    for (let index = LAST_STREAM; index >= FIRST_STREAM; index--) {
      if (!this.#downloads.has(String(index))) return String(index);
    }
    return undefined;
  }
}
