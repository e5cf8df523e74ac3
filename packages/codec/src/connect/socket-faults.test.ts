import { expect, test } from "vitest";
import { connectAttempt } from "./connect-attempt.ts";
import { connectFailure, ioFailure, type SocketFault } from "./socket-faults.ts";

const where = { host: "127.0.0.1", port: 4822 };
const cause = new Error("the runtime's words");

test("while connecting, each fault has its code and reason on every runtime", async () => {
  const cases: [SocketFault, string, string][] = [
    ["refused", "CONNECTION_REFUSED", "connection refused"],
    ["dns", "DNS_FAILURE", "cannot resolve host name (the runtime's words)"],
    ["reset", "RESET", "connection reset by peer"],
    ["timeout", "CONNECT_TIMEOUT", "timed out (ETIMEDOUT)"],
    ["tls", "TLS_FAILURE", "TLS handshake failed: the runtime's words"],
    ["network", "NETWORK", "the runtime's words"],
  ];
  for (const [fault, code, reason] of cases) {
    const error = await connectAttempt(where, async ({ fail }) => {
      throw connectFailure(fail, fault, cause, "10.0.0.1");
    }).catch((e: unknown) => e);
    expect(error, fault).toMatchObject({ code, address: "10.0.0.1", cause });
    expect((error as Error).message, fault).toBe(
      `Cannot connect to guacd at 127.0.0.1:4822: ${reason}`,
    );
  }
});

test("a DNS failure names the runtime's code when given", async () => {
  const error = await connectAttempt(where, async ({ fail }) => {
    throw connectFailure(fail, "dns", cause, undefined, "ENOTFOUND");
  }).catch((e: Error) => e);
  expect(error.message).toMatch(/: cannot resolve host name \(ENOTFOUND\)$/);
});

test("once open, only reset, closed and TLS have codes of their own", () => {
  const codes = (["refused", "dns", "reset", "timeout", "tls", "closed", "network"] as const).map(
    (fault) => ioFailure(where, fault, cause, "read from").code,
  );
  expect(codes).toEqual([
    "NETWORK",
    "NETWORK",
    "RESET",
    "NETWORK",
    "TLS_FAILURE",
    "CLOSED",
    "NETWORK",
  ]);
  expect(ioFailure(where, "tls", cause, "read from").message).toBe(
    "Cannot read from guacd at 127.0.0.1:4822: TLS failure: the runtime's words",
  );
  expect(ioFailure(where, "closed", undefined, "write to").message).toBe(
    "Cannot write to guacd at 127.0.0.1:4822: connection closed",
  );
});
