import { expect, test } from "vitest";
import { dialAddresses, LOCALHOST_ADDRESSES, unbracketHost } from "./localhost.ts";

const asGiven = async (host: string): Promise<string[]> => [`resolved ${host}`];

test("localhost is ::1 then 127.0.0.1, whatever its case, and the list cannot be changed", async () => {
  expect(await dialAddresses("localhost", asGiven)).toEqual(["::1", "127.0.0.1"]);
  expect(await dialAddresses("LOCALHOST", asGiven)).toBe(LOCALHOST_ADDRESSES);
  expect(Object.isFrozen(LOCALHOST_ADDRESSES)).toBe(true);
});

test("a bracketed IPv6 literal is dialled bare; any other host goes to the resolver", async () => {
  expect(await dialAddresses("[fe80::1]", asGiven)).toEqual(["fe80::1"]);
  for (const host of ["127.0.0.1", "::1", "localhost.localdomain", "guacd"]) {
    expect(await dialAddresses(host, asGiven), host).toEqual([`resolved ${host}`]);
  }
});

test("only a bracketed literal loses its brackets", () => {
  expect(unbracketHost("[::1]")).toBe("::1");
  expect(unbracketHost("::1")).toBe("::1");
  expect(unbracketHost("[::1")).toBe("[::1");
});
