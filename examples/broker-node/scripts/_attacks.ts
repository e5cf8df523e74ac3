// The attacks of the flood measurement (flood.ts, live-flood.ts), one per phase. Each runs until
// a deadline from an address of its own, reconnects whenever the broker cuts it, and says how its
// connections ended and how many bytes it managed to send (the flood's size, beside its effect).
import { connect as tcpConnect } from "node:net";
import WebSocket from "ws";

/** The phases, in the order they run. */
export const PHASES = [
  "alone",
  "flood-size",
  "flood-rate",
  "ping-echo",
  "ws-ping",
  "fragments",
  "tunnels",
] as const;
export type Phase = (typeof PHASES)[number];

/** How an attack went: connections made, how each ended, bytes sent. */
export interface AttackResult {
  tunnels: number;
  codes: Record<string, number>;
  /** Milliseconds from a flooding tunnel's first message to its close. */
  closeMs: number[];
  /** Bytes the attack handed to its sockets (WebSocket payloads, or raw frames). */
  sentBytes: number;
}

/** One attack: runs until `until` (`performance.now()`) from the address `from`. */
export type Attack = (until: number, from: string) => Promise<AttackResult>;

function attackSocket(url: string, origin: string, tokenText: string, from: string): WebSocket {
  return new WebSocket(`${url.replace("http", "ws")}tunnel?token=${tokenText}`, "guacamole", {
    origin,
    localAddress: from,
  });
}

/** A refusal before the upgrade (Deno answers with an HTTP status) counts as that status. */
function onRefusal(ws: WebSocket, resolve: (code: number) => void): void {
  ws.once("unexpected-response", (_q, res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  });
}

const FULL = 4 << 20;

/**
 * Sends with `send` while the socket is open, until `until`: up to 4 MiB a turn of the event loop
 * (so a close from the broker is seen at once, even while writes to a dead socket still
 * succeed), waiting 1 ms whenever 4 MiB wait unsent. At `until` the socket is dropped.
 */
function pumpUntil(ws: WebSocket, until: number, send: () => number, result: AttackResult): void {
  const turn = (): void => {
    if (performance.now() >= until) return void ws.terminate();
    let sent = 0;
    while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < FULL && sent < FULL) {
      sent += send();
    }
    result.sentBytes += sent;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount >= FULL) setTimeout(turn, 1);
    else setImmediate(turn);
  };
  turn();
}

/**
 * Tunnels that read nothing (their socket paused) and send with `send` until `until`,
 * reconnecting each time the broker cuts one.
 */
async function unread(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  until: number,
  send: (ws: WebSocket) => number,
): Promise<AttackResult> {
  const result: AttackResult = { tunnels: 0, codes: {}, closeMs: [], sentBytes: 0 };
  while (performance.now() < until) {
    const ws = attackSocket(url, origin, await mint(), from);
    result.tunnels++;
    const code = await new Promise<number>((resolve) => {
      ws.on("error", () => {});
      ws.on("close", (c) => resolve(c));
      onRefusal(ws, resolve);
      ws.once("open", () => {
        (ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
        pumpUntil(ws, until, () => send(ws), result);
      });
    });
    result.codes[code] = (result.codes[code] ?? 0) + 1;
  }
  return result;
}

/** 20 connections at once with no valid token, each streaming 1-byte text fragments. */
async function fragments(url: string, from: string, until: number): Promise<AttackResult> {
  const { hostname, port } = new URL(url);
  const result: AttackResult = { tunnels: 0, codes: {}, closeMs: [], sentBytes: 0 };
  // 64 KiB of 1-byte fragments per write: FIN=0, text then continuation, masked (zero mask).
  const chunk = Buffer.alloc(7 * 9362);
  for (let i = 0; i < 9362; i++) chunk.set([i === 0 ? 0x01 : 0x00, 0x81, 0, 0, 0, 0, 0x78], i * 7);
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      result.tunnels++;
      const socket = tcpConnect({ host: hostname, port: Number(port), localAddress: from });
      let status = "";
      socket.on("error", () => {});
      socket.once("connect", () =>
        socket.write(
          `GET /tunnel?token=none HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: http://${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: guacamole\r\n\r\n`,
        ),
      );
      socket.once("data", (d: Buffer) => {
        status = d.toString("latin1").split(" ")[1] ?? "";
        const deadline = setTimeout(() => socket.destroy(), Math.max(0, until - performance.now()));
        socket.once("close", () => clearTimeout(deadline));
        const pump = (): void => {
          while (!socket.destroyed && performance.now() < until && socket.write(chunk)) {
            result.sentBytes += chunk.length;
          }
          if (socket.destroyed || performance.now() >= until) socket.destroy();
          else socket.once("drain", pump);
        };
        pump();
      });
      socket.once("close", () => {
        // No answer at all: the broker closed the connection as it accepted it.
        const code = status === "" ? "dropped" : status;
        result.codes[code] = (result.codes[code] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  return result;
}

/** One client opening tunnels as fast as it can and holding every one it gets. */
async function tunnels(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  until: number,
): Promise<AttackResult> {
  const result: AttackResult = { tunnels: 0, codes: {}, closeMs: [], sentBytes: 0 };
  const { codes } = result;
  const held: WebSocket[] = [];
  while (performance.now() < until) {
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        result.tunnels++;
        const ws = attackSocket(url, origin, await mint(), from);
        ws.on("error", () => {});
        return new Promise<void>((resolve) => {
          const ended = (c: number): void => {
            if (held.includes(ws)) return; // one of ours, ended when the phase did
            codes[c] = (codes[c] ?? 0) + 1;
            resolve();
          };
          ws.once("close", ended);
          onRefusal(ws, ended);
          ws.once("message", () => {
            held.push(ws);
            codes.held = (codes.held ?? 0) + 1;
            resolve();
          });
        });
      }),
    );
  }
  for (const ws of held) ws.terminate();
  return result;
}

/** Floods until `until`, reconnecting each time the broker closes the tunnel. */
async function flood(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  message: string,
  until: number,
): Promise<AttackResult> {
  const result: AttackResult = { tunnels: 0, codes: {}, closeMs: [], sentBytes: 0 };
  while (performance.now() < until) {
    const ws = attackSocket(url, origin, await mint(), from);
    result.tunnels++;
    let first: number | undefined;
    const code = await new Promise<number>((resolve) => {
      ws.on("error", () => {});
      ws.on("close", (c) => resolve(c));
      onRefusal(ws, resolve);
      ws.once("message", () => {
        first = performance.now();
        pumpUntil(
          ws,
          until,
          () => {
            ws.send(message);
            return message.length;
          },
          result,
        );
      });
    });
    if (first !== undefined) result.closeMs.push(performance.now() - first);
    result.codes[code] = (result.codes[code] ?? 0) + 1;
  }
  return result;
}

/** The attack of each phase against the broker at `url`, with tokens from `mint`. */
export function attacksOn(
  url: string,
  mint: () => Promise<string>,
): Record<Phase, Attack | undefined> {
  const origin = new URL(url).origin;
  const ping8000 = `0.,4.ping,8000.${"7".repeat(8000)};`;
  const ping = Buffer.alloc(125);
  return {
    alone: undefined,
    "flood-size": (until, from) =>
      flood(mint, url, origin, from, "3.nop;".repeat(Math.floor((1 << 20) / 6)), until),
    "flood-rate": (until, from) => flood(mint, url, origin, from, "3.nop;".repeat(200), until),
    "ping-echo": (until, from) =>
      unread(mint, url, origin, from, until, (ws) => {
        ws.send(ping8000);
        return ping8000.length;
      }),
    "ws-ping": (until, from) =>
      unread(mint, url, origin, from, until, (ws) => {
        ws.ping(ping);
        return ping.length;
      }),
    fragments: (until, from) => fragments(url, from, until),
    tunnels: (until, from) => tunnels(mint, url, origin, from, until),
  };
}
