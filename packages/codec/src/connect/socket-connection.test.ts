import { expect, test } from "vitest";
import { GuacdConnectionError } from "./connection-error.ts";
import { SocketConnection } from "./socket-connection.ts";

/** A socket the test drives by hand: it records what the connection asks of it. */
class ScriptedConnection extends SocketConnection {
  readonly calls: string[] = [];
  constructor(highWaterMark = 0) {
    const facts = { remoteAddress: "::1", remotePort: 4822, localAddress: "::1", localPort: 5 };
    super({ host: "localhost", port: 4822, highWaterMark }, { ...facts, encrypted: false });
  }
  push(text: string): boolean {
    return this.deliver(new TextEncoder().encode(text));
  }
  end(): void {
    this.endReadable();
  }
  gone(error?: GuacdConnectionError): void {
    if (error !== undefined) this.recordFailure(error);
    this.finish();
  }
  protected pullSocket(): void {
    this.calls.push("pull");
  }
  protected async writeSocket(): Promise<void> {
    this.calls.push("write");
  }
  protected async endSocketWrite(): Promise<void> {
    this.calls.push("end");
  }
  protected destroySocket(): void {
    this.calls.push("destroy");
    this.finish();
  }
}

const reset = new GuacdConnectionError({
  code: "RESET",
  host: "localhost",
  port: 4822,
  action: "read from",
  reason: "connection reset by peer",
});

test("a pending BYOB read is answered with end of stream when the socket ends", async () => {
  const connection = new ScriptedConnection();
  const reader = connection.readable.getReader({ mode: "byob" });
  const read = reader.read(new Uint8Array(8));
  await Promise.resolve();
  connection.end();
  expect((await read).done).toBe(true);
});

test("deliver counts bytes and says when the queue is full", async () => {
  const connection = new ScriptedConnection(4);
  expect(connection.push("ab")).toBe(true);
  expect(connection.push("cd")).toBe(false);
  expect(connection.bytesRead).toBe(4);
  connection.gone();
  expect(await new Response(connection.readable).text()).toBe("abcd");
  expect(connection.push("late")).toBe(false);
  expect(connection.bytesRead).toBe(4);
});

test("the first recorded failure errors the readable, the writable and settles closed", async () => {
  const connection = new ScriptedConnection();
  const writer = connection.writable.getWriter();
  await writer.write(new Uint8Array(3));
  expect(connection.bytesWritten).toBe(3);
  connection.gone(reset);
  connection.gone(); // only the first end counts
  expect(await connection.closed).toBe(reset);
  await expect(connection.readable.getReader().read()).rejects.toBe(reset);
  await expect(writer.write(new Uint8Array(1))).rejects.toBe(reset);
  expect(connection.bytesWritten).toBe(3);
});

test("close() is one wait however often it is called, and destroys the socket once", async () => {
  const connection = new ScriptedConnection();
  const first = connection.close();
  expect(connection.close()).toBe(first);
  await first;
  expect(connection.calls.filter((call) => call === "destroy")).toEqual(["destroy"]);
  expect(await connection.closed).toBeUndefined();
  const write = connection.writable.getWriter().write(new Uint8Array(1));
  await expect(write).rejects.toMatchObject({ code: "CLOSED" });
});

test("cancelling the readable destroys the socket; a non-byte chunk is a TypeError", async () => {
  const connection = new ScriptedConnection();
  const writer = connection.writable.getWriter();
  await expect(writer.write("text" as unknown as Uint8Array)).rejects.toThrow(TypeError);
  await connection.readable.cancel();
  expect(connection.calls).toContain("destroy");
});
