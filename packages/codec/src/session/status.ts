/**
 * One status of the Guacamole protocol: the numeric code guacd sends in `error` and `ack`, its
 * name, and what it means.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusOf } from "@guacstream/codec/client";
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

/**
 * Every status code of the Guacamole protocol by name, so code can say
 * `GUACAMOLE_STATUS.UPSTREAM_TIMEOUT` where guacd's number is meant.
 *
 * @example Refuse a client the way guacd would
 * ```ts
 * import assert from "node:assert/strict";
 * import { GUACAMOLE_STATUS, statusOf } from "@guacstream/codec/client";
 *
 * const refusal = ["error", "Too many connections.", String(GUACAMOLE_STATUS.CLIENT_TOO_MANY)];
 * assert.equal(refusal[2], "797");
 * assert.equal(statusOf(GUACAMOLE_STATUS.CLIENT_TIMEOUT).name, "CLIENT_TIMEOUT");
 * ```
 */
export const GUACAMOLE_STATUS = {
  SUCCESS: 0x0000,
  UNSUPPORTED: 0x0100,
  SERVER_ERROR: 0x0200,
  SERVER_BUSY: 0x0201,
  UPSTREAM_TIMEOUT: 0x0202,
  UPSTREAM_ERROR: 0x0203,
  RESOURCE_NOT_FOUND: 0x0204,
  RESOURCE_CONFLICT: 0x0205,
  RESOURCE_CLOSED: 0x0206,
  UPSTREAM_NOT_FOUND: 0x0207,
  UPSTREAM_UNAVAILABLE: 0x0208,
  SESSION_CONFLICT: 0x0209,
  SESSION_TIMEOUT: 0x020a,
  SESSION_CLOSED: 0x020b,
  CLIENT_BAD_REQUEST: 0x0300,
  CLIENT_UNAUTHORIZED: 0x0301,
  CLIENT_FORBIDDEN: 0x0303,
  CLIENT_TIMEOUT: 0x0308,
  CLIENT_OVERRUN: 0x030d,
  CLIENT_BAD_TYPE: 0x030f,
  CLIENT_TOO_MANY: 0x031d,
} as const;

/** The name of a status in the protocol's table (`"CLIENT_TIMEOUT"`, …). */
export type GuacamoleStatusName = keyof typeof GUACAMOLE_STATUS;

const DESCRIPTIONS: Readonly<Record<GuacamoleStatusName, string>> = {
  SUCCESS: "The operation succeeded.",
  UNSUPPORTED: "The requested operation is unsupported.",
  SERVER_ERROR: "An internal error occurred; the operation could not complete.",
  SERVER_BUSY: "The server is busy and cannot take the operation now.",
  UPSTREAM_TIMEOUT: "The upstream server (the remote desktop) is not responding.",
  UPSTREAM_ERROR: "The upstream server reported an error.",
  RESOURCE_NOT_FOUND: "The requested resource (e.g. a connection to join) does not exist.",
  RESOURCE_CONFLICT: "The requested resource is already in use or locked.",
  RESOURCE_CLOSED: "The requested resource is already closed.",
  UPSTREAM_NOT_FOUND: "The upstream server does not exist or cannot be reached.",
  UPSTREAM_UNAVAILABLE: "The upstream server refuses service (e.g. it is full).",
  SESSION_CONFLICT: "The session conflicts with another (e.g. the same user logged in elsewhere).",
  SESSION_TIMEOUT: "The session was idle too long.",
  SESSION_CLOSED: "The session was forcibly closed.",
  CLIENT_BAD_REQUEST: "The client's request was malformed or had illegal parameters.",
  CLIENT_UNAUTHORIZED: "Authentication is needed, or the credentials were refused.",
  CLIENT_FORBIDDEN: "Access is denied, whatever the credentials.",
  CLIENT_TIMEOUT: "The client took too long to respond (e.g. it stopped answering sync).",
  CLIENT_OVERRUN: "The client sent more data than the protocol allows.",
  CLIENT_BAD_TYPE: "The client sent data of an unsupported or unexpected type.",
  CLIENT_TOO_MANY: "The client is using too many resources (e.g. too many connections).",
};

/**
 * Every status code of the Guacamole protocol, in code order.
 *
 * @example Look up a status by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { GUACAMOLE_STATUSES } from "@guacstream/codec/client";
 *
 * const notFound = GUACAMOLE_STATUSES.find((s) => s.name === "UPSTREAM_NOT_FOUND");
 * assert.equal(notFound?.code, 519);
 * ```
 */
export const GUACAMOLE_STATUSES: readonly GuacamoleStatus[] = Object.freeze(
  (Object.keys(GUACAMOLE_STATUS) as GuacamoleStatusName[])
    .map((name) =>
      Object.freeze({ code: GUACAMOLE_STATUS[name], name, description: DESCRIPTIONS[name] }),
    )
    .sort((a, b) => a.code - b.code),
);

const byCode = new Map(GUACAMOLE_STATUSES.map((s) => [s.code, s]));

/**
 * The status for a numeric code; an unknown code gets a generic entry rather than an exception,
 * since a newer guacd may send codes this table does not know.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusOf } from "@guacstream/codec/client";
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
 * import { GuacamoleStatusError } from "@guacstream/codec/client";
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
    return new GuacamoleStatusError(
      Number.isNaN(status) ? GUACAMOLE_STATUS.SERVER_ERROR : status,
      message,
    );
  }
}
