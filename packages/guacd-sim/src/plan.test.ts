import { describe, expect, it } from "vitest";
import { defaultResolveSession, type SessionContext } from "./plan.ts";

const ctx = (
  protocol: string,
  params: Record<string, string>,
  joining = false,
): SessionContext => ({
  protocol,
  joining,
  connectionId: "$id",
  params,
});
const refused = { error: { message: "Aborted. See logs.", status: 519 } };

describe("defaultResolveSession", () => {
  it.each([
    ["vnc", { hostname: "127.0.0.1", port: "5905" }, { recording: "vnc-desktop" }],
    ["vnc", { hostname: "127.0.0.1", port: "5908" }, { recording: "vnc-desktop-20s" }],
    ["vnc", { port: "5907", password: "" }, { recording: "vnc-required", required: "ask" }],
    ["vnc", { port: "5907", password: "s3cret" }, { recording: "vnc-required", required: "skip" }],
    ["vnc", { port: "5999" }, refused],
    ["vnc", { port: "1" }, refused],
    ["vnc", { hostname: "down.invalid", port: "5900" }, refused],
    ["rdp", { hostname: "down.invalid" }, refused],
    ["ssh", { port: "1" }, refused],
    ["ssh", { password: "wrong" }, { recording: "errors/ssh-bad-password" }],
    ["ssh", { command: "echo silent" }, { recording: "errors/ssh-silent-client", end: "hold" }],
    ["ssh", { password: "guac" }, { recording: "ssh-text" }],
    ["rdp", { hostname: "win" }, { recording: "native/vnc-native", end: "hold" }],
    ["telnet", {}, { recording: "native/vnc-native", end: "hold" }],
  ])("%s %j → %j", (protocol, params, plan) => {
    expect(defaultResolveSession(ctx(protocol, params))).toEqual(plan);
  });

  it("a joining user gets the owner's recording and stays", () => {
    const joiner = { ...ctx("vnc", {}, true), ownerPlan: { recording: "vnc-desktop" } };
    expect(defaultResolveSession(joiner)).toEqual({ recording: "vnc-desktop", end: "hold" });
    expect(defaultResolveSession(ctx("vnc", {}, true))).toEqual({ end: "hold" });
  });
});
