import { expect, test } from "vitest";
import { connectAttempt } from "./connect-attempt.ts";

const never = (): Promise<never> => new Promise<never>(() => {});

test("connectAttempt validates its numbers before opening anything", async () => {
  let opened = 0;
  const open = async (): Promise<void> => {
    opened++;
  };
  await expect(connectAttempt({ port: 70000 }, open)).rejects.toThrow(RangeError);
  await expect(connectAttempt({ port: 1.5 }, open)).rejects.toThrow(RangeError);
  await expect(connectAttempt({ timeout: 0 }, open)).rejects.toThrow(RangeError);
  await expect(connectAttempt({ highWaterMark: -1 }, open)).rejects.toThrow(RangeError);
  expect(opened).toBe(0);
  await connectAttempt({ port: 0, highWaterMark: 0 }, open);
  expect(opened).toBe(1);
});

test("an aborted signal rejects with ABORTED and the caller's reason, without opening", async () => {
  const reason = new Error("user left");
  const error = await connectAttempt({ signal: AbortSignal.abort(reason) }, never).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "ABORTED", cause: reason });
});
