import { GUACAMOLE_STATUS } from "@guacstream/codec/client";

// guacamole-client's own mapping (GuacamoleStatus: status → WebSocket code), so a page that works
// behind guacamole-client sees the same close codes behind this broker.
const WEBSOCKET_CODES: ReadonlyMap<number, number> = new Map([
  [GUACAMOLE_STATUS.SUCCESS, 1000],
  [GUACAMOLE_STATUS.UNSUPPORTED, 1011],
  [GUACAMOLE_STATUS.SERVER_ERROR, 1011],
  [GUACAMOLE_STATUS.SERVER_BUSY, 1008],
  [GUACAMOLE_STATUS.UPSTREAM_TIMEOUT, 1011],
  [GUACAMOLE_STATUS.UPSTREAM_ERROR, 1011],
  [GUACAMOLE_STATUS.RESOURCE_NOT_FOUND, 1002],
  [GUACAMOLE_STATUS.RESOURCE_CONFLICT, 1008],
  [GUACAMOLE_STATUS.RESOURCE_CLOSED, 1002],
  [GUACAMOLE_STATUS.UPSTREAM_NOT_FOUND, 1011],
  [GUACAMOLE_STATUS.UPSTREAM_UNAVAILABLE, 1011],
  [GUACAMOLE_STATUS.SESSION_CONFLICT, 1008],
  [GUACAMOLE_STATUS.SESSION_TIMEOUT, 1002],
  [GUACAMOLE_STATUS.SESSION_CLOSED, 1002],
  [GUACAMOLE_STATUS.CLIENT_BAD_REQUEST, 1002],
  [GUACAMOLE_STATUS.CLIENT_UNAUTHORIZED, 1008],
  [GUACAMOLE_STATUS.CLIENT_FORBIDDEN, 1008],
  [GUACAMOLE_STATUS.CLIENT_TIMEOUT, 1002],
  [GUACAMOLE_STATUS.CLIENT_OVERRUN, 1009],
  [GUACAMOLE_STATUS.CLIENT_BAD_TYPE, 1003],
  [GUACAMOLE_STATUS.CLIENT_TOO_MANY, 1008],
]);

/**
 * The WebSocket close code for a Guacamole status, as guacamole-client's tunnel endpoint sends it
 * (1000 for success, 1008 for refusals, 1002 for bad requests and timeouts, 1009 for overruns,
 * 1011 for server and upstream failures). An unknown status gets 1011.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeCodeFor } from "@guacstream/tunnel";
 *
 * assert.equal(closeCodeFor(0), 1000);
 * assert.equal(closeCodeFor(0x0207), 1011); // upstream not found
 * assert.equal(closeCodeFor(0x0301), 1008); // unauthorized
 * assert.equal(closeCodeFor(0x0308), 1002); // client timeout
 * ```
 */
export function closeCodeFor(status: number): number {
  return WEBSOCKET_CODES.get(status) ?? 1011;
}
