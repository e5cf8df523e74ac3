// guacamole-client's own mapping (GuacamoleStatus: status → WebSocket code), so a page that works
// behind guacamole-client sees the same close codes behind this broker.
const WEBSOCKET_CODES: ReadonlyMap<number, number> = new Map([
  [0x0000, 1000], // SUCCESS
  [0x0100, 1011], // UNSUPPORTED
  [0x0200, 1011], // SERVER_ERROR
  [0x0201, 1008], // SERVER_BUSY
  [0x0202, 1011], // UPSTREAM_TIMEOUT
  [0x0203, 1011], // UPSTREAM_ERROR
  [0x0204, 1002], // RESOURCE_NOT_FOUND
  [0x0205, 1008], // RESOURCE_CONFLICT
  [0x0206, 1002], // RESOURCE_CLOSED
  [0x0207, 1011], // UPSTREAM_NOT_FOUND
  [0x0208, 1011], // UPSTREAM_UNAVAILABLE
  [0x0209, 1008], // SESSION_CONFLICT
  [0x020a, 1002], // SESSION_TIMEOUT
  [0x020b, 1002], // SESSION_CLOSED
  [0x0300, 1002], // CLIENT_BAD_REQUEST
  [0x0301, 1008], // CLIENT_UNAUTHORIZED
  [0x0303, 1008], // CLIENT_FORBIDDEN
  [0x0308, 1002], // CLIENT_TIMEOUT
  [0x030d, 1009], // CLIENT_OVERRUN
  [0x030f, 1003], // CLIENT_BAD_TYPE
  [0x031d, 1008], // CLIENT_TOO_MANY
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
