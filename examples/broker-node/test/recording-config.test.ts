// The recorder's settings as the example brokers read them from their environment: the defaults,
// and every value that would record something other than the operator meant, refused at start
// with a message naming the variable.
import { BrokerConfigError, brokerConfig } from "@guacstream/example-demo-page/config";
import { describe, expect, it } from "vitest";
import { expectNoStart } from "./_harness.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";

describe("the recorder's settings", () => {
  it("record nothing without RECORDING_DIR, and keys only when asked", () => {
    expect(brokerConfig({}).recording).toBeUndefined();
    expect(brokerConfig({ RECORDING_DIR: "/rec" }).recording).toEqual({
      dir: "/rec",
      joins: false,
      includeKeys: false,
      maxBytes: 1024 * 1024 * 1024,
      minFreeBytes: 512 * 1024 * 1024,
      metadata: true,
      serveToken: undefined,
    });
    const all = brokerConfig({
      RECORDING_DIR: "/rec",
      RECORD_JOINS: "1",
      RECORD_KEYS: "1",
      RECORDING_MAX_BYTES: "1048576",
      RECORDING_MIN_FREE_BYTES: "0",
      SERVE_RECORDINGS: "1",
      RECORDINGS_TOKEN: TOKEN,
    }).recording;
    expect(all).toEqual({
      dir: "/rec",
      joins: true,
      includeKeys: true,
      maxBytes: 1048576,
      minFreeBytes: 0,
      metadata: true,
      serveToken: TOKEN,
    });
  });

  it.each([
    [{ RECORD_KEYS: "1" }, "BAD_VALUE", /RECORD_KEYS is set but RECORDING_DIR is not/],
    [{ SERVE_RECORDINGS: "1", RECORDINGS_TOKEN: TOKEN }, "BAD_VALUE", /SERVE_RECORDINGS is set/],
    [{ RECORDING_DIR: "/r", RECORD_KEYS: "yes" }, "BAD_VALUE", /RECORD_KEYS=yes is not 1 or 0/],
    [{ RECORDING_DIR: "/r", RECORDING_MAX_BYTES: "1e9" }, "BAD_VALUE", /RECORDING_MAX_BYTES=1e9/],
    [{ RECORDING_DIR: "/r", RECORDING_MAX_BYTES: "-5" }, "BAD_VALUE", /not a count/],
    [{ RECORDING_DIR: "/r", RECORDING_MAX_BYTES: "0" }, "BAD_VALUE", /records nothing/],
    [{ RECORDING_DIR: "/r", RECORDING_MIN_FREE_BYTES: "lots" }, "BAD_VALUE", /not a count/],
    [{ RECORDING_DIR: "/r", RECORDING_METADATA: "off" }, "BAD_VALUE", /not 1 or 0/],
    [{ RECORDING_DIR: "/r", SERVE_RECORDINGS: "1" }, "RECORDINGS_UNSAFE", /RECORDINGS_TOKEN/],
    [
      { RECORDING_DIR: "/r", SERVE_RECORDINGS: "1", RECORDINGS_TOKEN: "short" },
      "RECORDINGS_UNSAFE",
      /at least 32 characters/,
    ],
    [
      {
        RECORDING_DIR: "/r",
        SERVE_RECORDINGS: "1",
        RECORDINGS_TOKEN: TOKEN,
        RECORDING_METADATA: "0",
      },
      "RECORDINGS_UNSAFE",
      /RECORDING_METADATA=0/,
    ],
    [{ RECORDING_DIR: "/r", RECORDINGS_TOKEN: TOKEN }, "BAD_VALUE", /SERVE_RECORDINGS=1 is not/],
  ])("refuse %j", (env, code, message) => {
    const error = (() => {
      try {
        brokerConfig(env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BrokerConfigError);
    expect((error as BrokerConfigError).code).toBe(code);
    expect((error as BrokerConfigError).message).toMatch(/^Cannot start: /);
    expect((error as BrokerConfigError).message).toMatch(message);
  });

  it("stop the Node broker at start with that message", async () => {
    const { code, output } = await expectNoStart("node", {
      RECORDING_DIR: "/tmp/guacstream-never-created",
      RECORD_KEYS: "true",
    });
    expect(code).toBe(2);
    expect(output).toContain("Cannot start: RECORD_KEYS=true is not 1 or 0");
  }, 60_000);
});
