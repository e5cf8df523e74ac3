import { GuacamoleClient } from "../session/client.ts";
import type { GuacamoleClientOptions } from "../session/client-options.ts";
import type { GuacdDuplex } from "../session/guacd-duplex.ts";
import type { HandshakeOptions } from "../session/handshake.ts";
import type { GuacdConnectOptions } from "./connect-attempt.ts";

/**
 * What a transport's `connect` resolves with, as far as a session cares: a byte duplex that can
 * be closed (closing it twice is harmless).
 *
 * @example An in-memory loop is enough
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ClosableGuacdDuplex } from "@guacstream/codec/transport";
 *
 * const loop = new TransformStream<Uint8Array, Uint8Array>();
 * const duplex: ClosableGuacdDuplex = { ...loop, close: () => loop.writable.close() };
 * await duplex.close();
 * assert.equal((await loop.readable.getReader().read()).done, true);
 * ```
 */
export interface ClosableGuacdDuplex extends GuacdDuplex {
  /** Closes both directions. */
  close(): Promise<void>;
}

/**
 * Everything {@linkcode connectGuacamoleWith} needs: where to connect (the transport's options,
 * {@linkcode GuacdConnectOptions}), what to ask guacd for (`HandshakeOptions`) and how the client
 * behaves (`GuacamoleClientOptions`), in one object.
 *
 * `timeout` bounds the connect and `handshakeTimeout` the handshake after it; `signal` aborts
 * either.
 */
export interface ConnectGuacamoleWithOptions<Tls>
  extends GuacdConnectOptions<Tls>,
    Omit<HandshakeOptions, "timeout" | "signal">,
    GuacamoleClientOptions {
  /** Aborts the connect or the handshake, whichever is under way (no effect once resolved). */
  signal?: AbortSignal;
  /** Milliseconds for the Guacamole handshake once the socket is open. @default {15000} */
  handshakeTimeout?: number;
}

/**
 * A {@linkcode GuacamoleClient} whose handshake is done, over a connection it owns: `close()`
 * also closes the connection, and so does the session ending (unless `detach()` handed the
 * connection over).
 */
export interface ConnectedGuacamoleClient<Connection extends ClosableGuacdDuplex>
  extends GuacamoleClient {
  /** The connection under the session. */
  readonly connection: Connection;
}

/** Closes its connection with the session, unless the caller took it with `detach()`. */
class OwningGuacamoleClient<Connection extends ClosableGuacdDuplex>
  extends GuacamoleClient
  implements ConnectedGuacamoleClient<Connection>
{
  readonly connection: Connection;
  #detached = false;

  constructor(connection: Connection, options: GuacamoleClientOptions) {
    super(connection, options);
    this.connection = connection;
    // A session that ends by itself (guacd's disconnect, an error) leaves no socket behind.
    void this.closed.then(() => {
      if (!this.#detached) void this.connection.close();
    });
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      if (!this.#detached) await this.connection.close();
    }
  }

  override detach(): GuacdDuplex {
    this.#detached = true;
    try {
      return super.detach();
    } catch (error) {
      this.#detached = false;
      throw error;
    }
  }
}

/**
 * Opens a connection with a transport's `connect` and performs the Guacamole handshake over it:
 * the runtime-free half of every transport's `connectGuacamole`. Resolves with the client once
 * guacd has sent `ready`.
 *
 * The connect options (`host`, `port`, `tls`, `timeout`, `signal`, `highWaterMark`) go to
 * `connect`; the client options to the client; the rest, with `handshakeTimeout` as `timeout`,
 * to the handshake. Rejects with whatever `connect` rejects with, or with the handshake's error
 * (`GuacamoleStatusError`, `GuacamoleClientError`) after closing the connection.
 *
 * @example A session with an in-memory guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectGuacamoleWith } from "@guacstream/codec/transport";
 *
 * // The toy guacd answers select with args and connect with ready, sends a frame, then ends.
 * const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
 * const fromGuacd = new TransformStream<Uint8Array, Uint8Array>();
 * void (async () => {
 *   const reader = toGuacd.readable.getReader();
 *   const writer = fromGuacd.writable.getWriter();
 *   const send = (text: string) => writer.write(new TextEncoder().encode(text));
 *   for (let r = await reader.read(); !r.done; r = await reader.read()) {
 *     const text = new TextDecoder().decode(r.value);
 *     if (text.includes("6.select,")) await send("4.args,13.VERSION_1_5_0,8.hostname;");
 *     if (text.includes("7.connect,")) {
 *       await send("5.ready,5.$demo;4.sync,2.10;10.disconnect;");
 *       await writer.close();
 *     }
 *   }
 * })();
 * let closes = 0;
 * const connection = {
 *   readable: fromGuacd.readable,
 *   writable: toGuacd.writable,
 *   close: async () => void closes++,
 * };
 *
 * const client = await connectGuacamoleWith(async () => connection, {
 *   protocol: "vnc",
 *   parameters: { hostname: "pc" },
 * });
 * assert.equal(client.id, "$demo");
 * const opcodes: string[] = [];
 * for await (const { opcode } of client.instructions) opcodes.push(opcode);
 * assert.deepEqual(opcodes, ["sync", "disconnect"]);
 * await client.close();
 * assert.ok(closes >= 1); // the session closed its connection
 * ```
 */
export async function connectGuacamoleWith<Tls, Connection extends ClosableGuacdDuplex>(
  connect: (options: GuacdConnectOptions<Tls>) => Promise<Connection>,
  options: ConnectGuacamoleWithOptions<Tls>,
): Promise<ConnectedGuacamoleClient<Connection>> {
  const {
    host,
    port,
    tls,
    timeout,
    signal,
    highWaterMark,
    handshakeTimeout,
    limits,
    echoSync,
    keepAliveInterval,
    onMessage,
    onRequired,
    onStream,
    readAhead,
    onSize,
    onInstruction,
    onFilesystem,
    ...handshake
  } = options;
  const connection = await connect({
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(tls === undefined ? {} : { tls }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(signal === undefined ? {} : { signal }),
    ...(highWaterMark === undefined ? {} : { highWaterMark }),
  });
  const client = new OwningGuacamoleClient(connection, {
    ...(limits === undefined ? {} : { limits }),
    ...(echoSync === undefined ? {} : { echoSync }),
    ...(keepAliveInterval === undefined ? {} : { keepAliveInterval }),
    ...(onMessage === undefined ? {} : { onMessage }),
    ...(onRequired === undefined ? {} : { onRequired }),
    ...(onStream === undefined ? {} : { onStream }),
    ...(readAhead === undefined ? {} : { readAhead }),
    ...(onSize === undefined ? {} : { onSize }),
    ...(onInstruction === undefined ? {} : { onInstruction }),
    ...(onFilesystem === undefined ? {} : { onFilesystem }),
  });
  try {
    await client.handshake({
      ...handshake,
      ...(handshakeTimeout === undefined ? {} : { timeout: handshakeTimeout }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  return client;
}
