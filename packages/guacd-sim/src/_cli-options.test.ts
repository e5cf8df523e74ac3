import { describe, expect, it } from "vitest";
import { parseCli } from "./_cli-options.ts";
import { guacdLikeOptions, guacdLikeResolveSession } from "./guacd-like.ts";

const served = (args: string[]) => {
  const command = parseCli(args);
  if (command.kind !== "serve") throw new Error(`expected serve, got ${JSON.stringify(command)}`);
  return command;
};

describe("guacd-sim's command line", () => {
  it("serves on 127.0.0.1:4822, fast pace, holding failed handshakes, by default", () => {
    const command = served([]);
    expect(command.options).toEqual({
      pace: "fast",
      host: "127.0.0.1",
      port: 4822,
      afterHandshakeFailure: "hold",
    });
    expect(command.corpusDir).toBeUndefined();
    expect(command.mode).toBe("pace fast");
  });

  it("passes each timeout and limit through once, as numbers", () => {
    const command = served([
      "--port=0",
      "--pace=realtime",
      "--sync-timeout=2000",
      "--handshake-timeout=500",
      "--max-sessions=3",
      "--throttle-lag=250",
      "--close-on-failure",
      "--corpus=/tmp/corpus",
    ]);
    expect(command.options).toEqual({
      pace: "realtime",
      syncTimeoutMs: 2000,
      handshakeTimeoutMs: 500,
      maxSessions: 3,
      throttleLagMs: 250,
      host: "127.0.0.1",
      port: 0,
      afterHandshakeFailure: "close",
    });
    expect(command.corpusDir).toBe("/tmp/corpus");
  });

  it("--guacd-like takes the guacd-like options, with the flags' values over its defaults", () => {
    const command = served(["--guacd-like", "--sync-timeout", "3000", "--max-sessions", "8"]);
    expect(command.options).toEqual({
      ...guacdLikeOptions({ syncTimeoutMs: 3000, maxSessions: 8 }),
      host: "127.0.0.1",
      port: 4822,
      afterHandshakeFailure: "hold",
    });
    expect(command.options.syncTimeoutMs).toBe(3000);
    expect(command.options.resolveSession).toBe(guacdLikeResolveSession);
    expect(command.mode).toBe("guacd-like");
  });

  it("answers --help, and refuses a bad pace, a bad number or an unknown flag", () => {
    expect(parseCli(["-h"])).toEqual({ kind: "help" });
    expect(parseCli(["--pace", "slow"])).toMatchObject({ kind: "usage-error" });
    expect(parseCli(["--sync-timeout", "soon"])).toEqual({
      kind: "usage-error",
      message: '--sync-timeout must be a number, not "soon"',
    });
    expect(parseCli(["--sync-timeout="])).toMatchObject({ kind: "usage-error" });
    expect(parseCli(["--frobnicate"])).toMatchObject({ kind: "usage-error" });
  });
});
