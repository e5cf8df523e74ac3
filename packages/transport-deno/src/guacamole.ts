import type { GuacdConnection } from "@guacstream/codec/transport";
import {
  type ConnectedGuacamoleClient as CodecConnectedGuacamoleClient,
  type ConnectGuacamoleWithOptions,
  connectGuacamoleWith,
} from "@guacstream/codec/transport";
import { connect } from "./connect.ts";
import type { ConnectOptions, DenoTlsOptions } from "./options.ts";

/**
 * Everything {@linkcode connectGuacamole} needs: where to connect ({@linkcode ConnectOptions}),
 * what to ask guacd for (the codec's `HandshakeOptions`) and how the client behaves (the codec's
 * `GuacamoleClientOptions`), in one object.
 *
 * `timeout` bounds the connect (lookup, TCP, TLS) and `handshakeTimeout` the handshake after it;
 * `signal` aborts either.
 */
export interface ConnectGuacamoleOptions
  extends ConnectOptions,
    ConnectGuacamoleWithOptions<DenoTlsOptions> {}

/**
 * A codec `GuacamoleClient` whose handshake is done, over a socket it owns: `close()` also
 * closes the socket, and so does the session ending (unless `detach()` handed the socket over).
 */
export interface ConnectedGuacamoleClient extends CodecConnectedGuacamoleClient<GuacdConnection> {}

/**
 * Connects to guacd and performs the Guacamole handshake: the one call for a session. Resolves with
 * the client once guacd has sent `ready`. It is the codec's `connectGuacamoleWith` bound to this
 * transport's {@linkcode connect}; the session logic lives there, the Deno socket here.
 *
 * Rejects with the transport's `GuacdConnectionError` when the socket cannot be opened, and with
 * the codec's `GuacamoleStatusError` (guacd sent `error`) or `GuacamoleClientError` (timeout,
 * abort, unknown parameter, connection closed) when the handshake fails; the socket is closed
 * before it rejects.
 *
 * @example A session with a tiny scripted guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectGuacamole } from "./guacamole.ts";
 *
 * // Answers select with args, connect with ready, then sends a frame and disconnects.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const guacd = (async () => {
 *   const conn = await listener.accept();
 *   const writer = conn.writable.getWriter();
 *   const send = (text: string) => writer.write(new TextEncoder().encode(text));
 *   for await (const text of conn.readable.pipeThrough(new TextDecoderStream())) {
 *     if (text.includes("6.select,")) await send("4.args,13.VERSION_1_5_0,8.hostname;");
 *     if (text.includes("7.connect,")) {
 *       await send("5.ready,5.$demo;4.sync,2.10;10.disconnect;");
 *       await writer.close();
 *       break;
 *     }
 *   }
 * })();
 * try {
 *   const port = listener.addr.port;
 *   const client = await connectGuacamole({ port, protocol: "vnc", parameters: { hostname: "pc" } });
 *   assert.equal(client.id, "$demo");
 *   const opcodes: string[] = [];
 *   for await (const { opcode } of client.instructions) opcodes.push(opcode);
 *   assert.deepEqual(opcodes, ["sync", "disconnect"]);
 *   await client.close();
 *   assert.equal(await client.connection.closed, undefined);
 *   await guacd;
 * } finally {
 *   listener.close();
 * }
 * ```
 */
export function connectGuacamole(
  options: ConnectGuacamoleOptions,
): Promise<ConnectedGuacamoleClient> {
  return connectGuacamoleWith(connect, options);
}
