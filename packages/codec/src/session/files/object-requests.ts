import { type Instruction, instruction } from "../../wire/instruction.ts";
import type { SendInstructions } from "../_send.ts";
import { GUACAMOLE_STATUS } from "../status.ts";
import type { FilesystemBody } from "./filesystem.ts";
import { GuacamoleFilesystemError } from "./filesystem-error.ts";

interface Pending {
  readonly resolve: (body: FilesystemBody) => void;
  readonly reject: (error: Error) => void;
}

/** guacd's status for a stream the client gives up on: the handler frees it and closes the file. */
const STATUS_RESOURCE_CLOSED = GUACAMOLE_STATUS.RESOURCE_CLOSED;

/**
 * The `get` requests on guacd's objects (filesystems) that wait for their `body`: guacd answers
 * in order, with the object index and the requested name, and answers a path it cannot read
 * with silence, so each request has a time limit.
 */
export class ObjectRequests {
  readonly #send: SendInstructions;
  readonly #openBody: (streamIndex: number) => ReadableStream<Uint8Array>;
  readonly #pending = new Map<string, Pending[]>();
  #ended: Error | undefined;

  /** `openBody` starts an inbound stream (and acks `body`, so guacd sends the first blob). */
  constructor(
    send: SendInstructions,
    openBody: (streamIndex: number) => ReadableStream<Uint8Array>,
  ) {
    this.#send = send;
    this.#openBody = openBody;
  }

  /** Sends `get,<object>,<name>` and resolves with guacd's `body`. */
  get(object: number, name: string, timeoutMs: number): Promise<FilesystemBody> {
    if (this.#ended !== undefined) return Promise.reject(this.#sessionEnded(name));
    const key = `${object}\u0000${name}`;
    return new Promise<FilesystemBody>((resolve, reject) => {
      const queue = this.#pending.get(key) ?? [];
      this.#pending.set(key, queue);
      const timer = setTimeout(() => {
        const at = queue.indexOf(entry);
        if (at >= 0) queue.splice(at, 1);
        if (queue.length === 0 && this.#pending.get(key) === queue) this.#pending.delete(key);
        reject(
          new GuacamoleFilesystemError(
            "NOT_FOUND",
            name,
            `Cannot read ${JSON.stringify(name)}: guacd did not answer within ${timeoutMs} ms (it answers a path it cannot read with silence)`,
          ),
        );
      }, timeoutMs);
      const entry: Pending = {
        resolve: (body) => {
          clearTimeout(timer);
          resolve(body);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      queue.push(entry);
      this.#send(instruction("get", object, name)).catch((error: unknown) => {
        entry.reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** Routes a `body` from guacd to its request; a body nobody waits for is refused. */
  handleBody(body: Instruction): void {
    const [object, stream, mimetype, name] = body.args;
    const streamIndex = Number.parseInt(stream ?? "", 10);
    if (!Number.isInteger(streamIndex)) return;
    const key = `${object}\u0000${name}`;
    const queue = this.#pending.get(key);
    const entry = queue?.shift();
    if (queue?.length === 0) this.#pending.delete(key);
    if (entry === undefined) {
      // Late (the request timed out) or unasked: a failure ack makes guacd close it.
      this.#send(instruction("ack", streamIndex, "Not requested", STATUS_RESOURCE_CLOSED)).catch(
        () => {},
      );
      return;
    }
    entry.resolve({ mimetype: mimetype ?? "", readable: this.#openBody(streamIndex) });
  }

  /** The session ended: every request still waiting fails. */
  end(cause: Error | undefined): void {
    this.#ended = cause ?? new Error("the session ended");
    for (const [key, queue] of this.#pending) {
      for (const entry of queue) entry.reject(this.#sessionEnded(key.split("\u0000")[1] ?? ""));
    }
    this.#pending.clear();
  }

  #sessionEnded(name: string): GuacamoleFilesystemError {
    return new GuacamoleFilesystemError(
      "SESSION_ENDED",
      name,
      `Cannot read ${JSON.stringify(name)}: the session ended`,
      undefined,
      { cause: this.#ended },
    );
  }
}
