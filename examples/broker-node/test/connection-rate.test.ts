// The per-address rate of new connections both example brokers check as they accept one
// (examples/demo-page/connection-rate.ts).
import { ConnectionRate } from "@guacstream/example-demo-page/connection-rate";
import { describe, expect, it } from "vitest";

describe("ConnectionRate", () => {
  it("an address gets its burst at once, then its rate; other addresses are not touched", () => {
    let now = 0;
    const rate = new ConnectionRate({ perSecond: 20, now: () => now });
    const taken = Array.from({ length: 100 }, () => rate.take("198.51.100.1"));
    expect(taken.filter(Boolean)).toHaveLength(40);
    expect(rate.take("198.51.100.2")).toBe(true);
    now = 500;
    const refilled = Array.from({ length: 100 }, () => rate.take("198.51.100.1"));
    expect(refilled.filter(Boolean)).toHaveLength(10);
  });

  it("a spray of addresses is bounded: full buckets are forgotten, else a new address is refused", () => {
    let now = 0;
    const rate = new ConnectionRate({ perSecond: 1, burst: 1, maxAddresses: 3, now: () => now });
    for (const a of ["a", "b", "c"]) expect(rate.take(a)).toBe(true);
    expect(rate.take("d")).toBe(false);
    now = 1000;
    expect(rate.take("d")).toBe(true);
    // The forgotten addresses start again with a full burst.
    expect(rate.take("a")).toBe(true);
  });

  it("refuses a rate that is not a positive number", () => {
    expect(() => new ConnectionRate({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new ConnectionRate({ perSecond: Number.NaN })).toThrow(RangeError);
  });
});
