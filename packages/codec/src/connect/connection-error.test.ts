import { expect, test } from "vitest";
import { GuacdConnectionError } from "./connection-error.ts";

test("GuacdConnectionError brackets IPv6 hosts and keeps its facts", () => {
  const cause = new Error("ECONNREFUSED");
  const error = new GuacdConnectionError({
    code: "CONNECTION_REFUSED",
    host: "::1",
    port: 4822,
    action: "connect to",
    reason: "connection refused",
    address: "::1",
    cause,
  });
  expect(error.message).toBe("Cannot connect to guacd at [::1]:4822: connection refused");
  expect(error).toMatchObject({ name: "GuacdConnectionError", code: "CONNECTION_REFUSED" });
  expect(error).toMatchObject({ host: "::1", port: 4822, address: "::1", cause });
  expect(error).toBeInstanceOf(Error);
});

test("a host name is not bracketed, and no cause means none", () => {
  const error = new GuacdConnectionError({
    code: "RESET",
    host: "guacd",
    port: 4822,
    action: "read from",
    reason: "connection reset by peer",
  });
  expect(error.message).toBe("Cannot read from guacd at guacd:4822: connection reset by peer");
  expect("cause" in error).toBe(false);
  expect(error.address).toBeUndefined();
});
