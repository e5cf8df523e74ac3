import { GuacamoleClientError } from "../../wire/errors.ts";
import { instruction } from "../../wire/instruction.ts";
import { checkInteger, type SendInstructions } from "../_send.ts";
import { versionAtLeast } from "../protocol-version.ts";

/** One touch contact, as the `touch` instruction describes it. */
export interface TouchContact {
  /** Horizontal position in pixels. */
  x: number;
  /** Vertical position in pixels. */
  y: number;
  /** Horizontal radius of the contact ellipse in pixels. @default {1} */
  radiusX?: number;
  /** Vertical radius of the contact ellipse in pixels. @default {1} */
  radiusY?: number;
  /** Rotation of the ellipse in degrees. @default {0} */
  angle?: number;
  /** Pressure from 0 to 1; 0 lifts the finger. @default {1} */
  force?: number;
}

/**
 * The session's touch screen: `touch` instructions (protocol 1.3.0 and later; guacd forwards them
 * to RDP). Refused with `GuacamoleClientError` (`UNSUPPORTED_VERSION`) on an older session,
 * before anything is sent. Get it from `GuacamoleClient.touch`.
 *
 * @example Tap with one finger
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Instruction } from "@guacstream/codec";
 * import { GuacamoleTouch } from "@guacstream/codec/client";
 *
 * const sent: Instruction[] = [];
 * const touch = new GuacamoleTouch(async (...items) => void sent.push(...items), "VERSION_1_5_0");
 * await touch.touch(0, { x: 10, y: 20 });
 * await touch.lift(0, 10, 20);
 * assert.deepEqual(sent[1], { opcode: "touch", args: ["0", "10", "20", "1", "1", "0", "0"] });
 *
 * const old = new GuacamoleTouch(async () => {}, "VERSION_1_1_0");
 * await assert.rejects(old.touch(0, { x: 1, y: 1 }), { code: "UNSUPPORTED_VERSION" });
 * ```
 */
export class GuacamoleTouch {
  readonly #send: SendInstructions;
  readonly #protocolVersion: string | undefined;

  /** Sends `touch` through `send`, if the session's `protocolVersion` has it. */
  constructor(send: SendInstructions, protocolVersion: string | undefined) {
    this.#send = send;
    this.#protocolVersion = protocolVersion;
  }

  /** Places or moves contact `id` (0 for the first finger, 1 for the second, …). */
  async touch(id: number, contact: TouchContact): Promise<void> {
    if (!versionAtLeast(this.#protocolVersion, "VERSION_1_3_0")) {
      throw new GuacamoleClientError(
        "UNSUPPORTED_VERSION",
        `Cannot send touch: the session speaks ${this.#protocolVersion ?? "a version before 1.1.0"}, and touch needs VERSION_1_3_0`,
      );
    }
    const { x, y, radiusX = 1, radiusY = 1, angle = 0, force = 1 } = contact;
    checkInteger("touch id", id, 0, 0x7fffffff);
    checkInteger("touch x", x, 0, 0x7fffffff);
    checkInteger("touch y", y, 0, 0x7fffffff);
    checkInteger("touch radius", radiusX, 0, 0x7fffffff);
    checkInteger("touch radius", radiusY, 0, 0x7fffffff);
    if (!Number.isFinite(angle)) throw new RangeError(`Cannot send touch angle ${angle}`);
    if (!(force >= 0 && force <= 1)) {
      throw new RangeError(`Cannot send touch force ${force}: it must be from 0 to 1`);
    }
    await this.#send(instruction("touch", id, x, y, radiusX, radiusY, angle, force));
  }

  /** Lifts contact `id` at (x, y): a touch with force 0. */
  lift(id: number, x: number, y: number): Promise<void> {
    return this.touch(id, { x, y, force: 0 });
  }
}
