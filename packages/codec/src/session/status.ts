/**
 * One status of the Guacamole protocol: the numeric code guacd sends in `error` and `ack`, its
 * name, and what it means.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusOf } from "@guacstream/codec";
 *
 * assert.equal(statusOf(0x0308).name, "CLIENT_TIMEOUT");
 * ```
 */
export interface GuacamoleStatus {
  /** The numeric code (e.g. 0x0308 = 776). */
  readonly code: number;
  /** The name guacamole-common-js uses (e.g. `"CLIENT_TIMEOUT"`). */
  readonly name: string;
  /** What the status means, in a sentence. */
  readonly description: string;
}

const table = (rows: readonly (readonly [number, string, string])[]): readonly GuacamoleStatus[] =>
  Object.freeze(
    rows.map(([code, name, description]) => Object.freeze({ code, name, description })),
  );

/**
 * Every status code of the Guacamole protocol, in code order.
 *
 * @example Look up a status by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { GUACAMOLE_STATUSES } from "@guacstream/codec";
 *
 * const notFound = GUACAMOLE_STATUSES.find((s) => s.name === "UPSTREAM_NOT_FOUND");
 * assert.equal(notFound?.code, 519);
 * ```
 */
export const GUACAMOLE_STATUSES: readonly GuacamoleStatus[] = table([
  [0x0000, "SUCCESS", "The operation succeeded."],
  [0x0100, "UNSUPPORTED", "The requested operation is unsupported."],
  [0x0200, "SERVER_ERROR", "An internal error occurred; the operation could not complete."],
  [0x0201, "SERVER_BUSY", "The server is busy and cannot take the operation now."],
  [0x0202, "UPSTREAM_TIMEOUT", "The upstream server (the remote desktop) is not responding."],
  [0x0203, "UPSTREAM_ERROR", "The upstream server reported an error."],
  [
    0x0204,
    "RESOURCE_NOT_FOUND",
    "The requested resource (e.g. a connection to join) does not exist.",
  ],
  [0x0205, "RESOURCE_CONFLICT", "The requested resource is already in use or locked."],
  [0x0206, "RESOURCE_CLOSED", "The requested resource is already closed."],
  [0x0207, "UPSTREAM_NOT_FOUND", "The upstream server does not exist or cannot be reached."],
  [0x0208, "UPSTREAM_UNAVAILABLE", "The upstream server refuses service (e.g. it is full)."],
  [
    0x0209,
    "SESSION_CONFLICT",
    "The session conflicts with another (e.g. the same user logged in elsewhere).",
  ],
  [0x020a, "SESSION_TIMEOUT", "The session was idle too long."],
  [0x020b, "SESSION_CLOSED", "The session was forcibly closed."],
  [0x0300, "CLIENT_BAD_REQUEST", "The client's request was malformed or had illegal parameters."],
  [0x0301, "CLIENT_UNAUTHORIZED", "Authentication is needed, or the credentials were refused."],
  [0x0303, "CLIENT_FORBIDDEN", "Access is denied, whatever the credentials."],
  [
    0x0308,
    "CLIENT_TIMEOUT",
    "The client took too long to respond (e.g. it stopped answering sync).",
  ],
  [0x030d, "CLIENT_OVERRUN", "The client sent more data than the protocol allows."],
  [0x030f, "CLIENT_BAD_TYPE", "The client sent data of an unsupported or unexpected type."],
  [
    0x031d,
    "CLIENT_TOO_MANY",
    "The client is using too many resources (e.g. too many connections).",
  ],
]);

const byCode = new Map(GUACAMOLE_STATUSES.map((s) => [s.code, s]));

/**
 * The status for a numeric code; an unknown code gets a generic entry rather than an exception,
 * since a newer guacd may send codes this table does not know.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusOf } from "@guacstream/codec";
 *
 * assert.equal(statusOf(516).name, "RESOURCE_NOT_FOUND");
 * assert.equal(statusOf(0x7777).name, "UNKNOWN");
 * ```
 */
export function statusOf(code: number): GuacamoleStatus {
  return (
    byCode.get(code) ?? {
      code,
      name: "UNKNOWN",
      description: `Status code 0x${code.toString(16).padStart(4, "0")} is not in this library's table.`,
    }
  );
}

/**
 * An `error` instruction from guacd (or a failed `ack`): the numeric status, its name, and
 * guacd's own message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacamoleStatusError } from "@guacstream/codec";
 *
 * const error = GuacamoleStatusError.fromInstruction({ opcode: "error", args: ["Aborted. See logs.", "519"] });
 * assert.equal(error.status, 519);
 * assert.equal(error.statusName, "UPSTREAM_NOT_FOUND");
 * assert.equal(error.code, "UPSTREAM_NOT_FOUND");
 * ```
 */
export class GuacamoleStatusError extends Error {
  /** Always `"GuacamoleStatusError"`. */
  override readonly name = "GuacamoleStatusError";
  /** The status name, as a stable identifier (e.g. `"CLIENT_TIMEOUT"`). */
  readonly code: string;
  /** The numeric status code guacd sent (e.g. 0x0308 = 776). */
  readonly status: number;
  /** The status name (same as `code`). */
  readonly statusName: string;
  /** guacd's message, as sent. */
  readonly guacdMessage: string;

  /** The error for guacd's `error` instruction: its status code and message as sent. */
  constructor(status: number, guacdMessage: string, options?: { cause?: unknown }) {
    const entry = statusOf(status);
    super(
      `guacd reported ${entry.name} (0x${status.toString(16).padStart(4, "0")}): ${guacdMessage} — ${entry.description}`,
      options,
    );
    this.code = entry.name;
    this.status = status;
    this.statusName = entry.name;
    this.guacdMessage = guacdMessage;
  }

  /** From an `error,<message>,<status>` (or `ack,<stream>,<message>,<status>`) instruction. */
  static fromInstruction(instruction: {
    readonly opcode: string;
    readonly args: readonly string[];
  }): GuacamoleStatusError {
    const offset = instruction.opcode === "ack" ? 1 : 0;
    const message = instruction.args[offset] ?? "";
    const status = Number.parseInt(instruction.args[offset + 1] ?? "", 10);
    return new GuacamoleStatusError(Number.isNaN(status) ? 0x0200 : status, message);
  }
}
