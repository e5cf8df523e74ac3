import { expect, test } from "vitest";
import { LOCALHOST_ADDRESSES, localhostAddresses, unbracketHost } from "./localhost.ts";

test("localhost is ::1 then 127.0.0.1, whatever its case, and the list cannot be changed", () => {
  expect(localhostAddresses("localhost")).toEqual(["::1", "127.0.0.1"]);
  expect(localhostAddresses("LOCALHOST")).toBe(LOCALHOST_ADDRESSES);
  expect(Object.isFrozen(LOCALHOST_ADDRESSES)).toBe(true);
});

test("any other host is the transport's to resolve", () => {
  for (const host of ["127.0.0.1", "::1", "[::1]", "localhost.localdomain", "guacd"]) {
    expect(localhostAddresses(host), host).toBeUndefined();
  }
});

test("only a bracketed literal loses its brackets", () => {
  expect(unbracketHost("[::1]")).toBe("::1");
  expect(unbracketHost("[fe80::1]")).toBe("fe80::1");
  expect(unbracketHost("::1")).toBe("::1");
  expect(unbracketHost("[::1")).toBe("[::1");
});
