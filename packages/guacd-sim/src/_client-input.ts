// What a connected client sends, handled as guacd's user handlers do: streams and the filesystem
// object go to their handlers, `sync` confirms frames, input events are recorded (and echoed when
// the plan says), `disconnect` is answered.

import { ClientStreams } from "./_client-streams.ts";
import type { ClientWriter } from "./_client-writer.ts";
import { FilesystemObject } from "./_filesystem-object.ts";
import { InputStreams } from "./_input-streams.ts";
import { KeyEcho } from "./_key-echo.ts";
import type { SentSyncs } from "./_sent-syncs.ts";
import { encodeInstruction, type WireInstruction } from "./_wire.ts";
import type { SimulatedFilesystem } from "./filesystem.ts";
import type { SessionPlan } from "./plan.ts";
import type { SessionReport } from "./report.ts";

/** Why the client's input ends its session. */
export type InputEnd = "sync-ahead" | "client-disconnect";

/** Handles one session's instructions after `connect`. */
export class ClientInput {
  readonly #report: SessionReport;
  readonly #writer: ClientWriter;
  readonly #syncs: SentSyncs;
  readonly #onEnd: (reason: InputEnd) => void;
  readonly #inputStreams: InputStreams;
  readonly #clientStreams: ClientStreams;
  #filesystem: FilesystemObject | undefined;
  #keyEcho: KeyEcho | undefined;
  #resize = false;

  /** `onEnd` closes the session (with `disconnect`) when the input is fatal or a goodbye. */
  constructor(
    report: SessionReport,
    writer: ClientWriter,
    syncs: SentSyncs,
    onEnd: (reason: InputEnd) => void,
  ) {
    this.#report = report;
    this.#writer = writer;
    this.#syncs = syncs;
    this.#onEnd = onEnd;
    const send = (bytes: Uint8Array): void => writer.send(bytes);
    this.#inputStreams = new InputStreams(send);
    this.#clientStreams = new ClientStreams(report.input, send, this.#inputStreams);
  }

  /** Follows the plan's answers to input: key echo, resizes. */
  follow(plan: SessionPlan): void {
    if (plan.echoKeys === true) this.#keyEcho = new KeyEcho();
    this.#resize = plan.resize === true;
  }

  /** Tells the client the current value of each parameter it may change (as guacd does on join). */
  offerLiveArguments(values: Readonly<Record<string, string>> | undefined): void {
    this.#clientStreams.offerLiveArguments(values);
  }

  /** Exposes `filesystem` as guacd's SFTP support does: a `filesystem` object, announced now. */
  exposeFilesystem(filesystem: SimulatedFilesystem): void {
    const send = (bytes: Uint8Array): void => this.#writer.send(bytes);
    this.#filesystem = new FilesystemObject(filesystem, 0, send, this.#inputStreams);
    this.#filesystem.announce();
  }

  /** Resolves once the client has sent every name `required` asked for, or `closing()` is true. */
  waitForArgv(names: readonly string[], closing: () => boolean): Promise<void> {
    return this.#clientStreams.waitForArgv(names, closing);
  }

  /** The session is closing: a pending {@linkcode ClientInput.waitForArgv} re-checks. */
  wake(): void {
    this.#clientStreams.wake();
  }

  handle(instruction: WireInstruction): void {
    const { opcode, args } = instruction;
    if (this.#filesystem?.handle(instruction) === true) {
      if (opcode === "ack") this.#report.input.acks++;
      return;
    }
    if (opcode === "file" && this.#filesystem !== undefined) {
      // guacd's SFTP file handler: a `put` into the upload directory (here the root).
      this.#filesystem.openUpload(args[0] ?? "", `/${args[2] ?? ""}`);
      return;
    }
    if (this.#clientStreams.handle(opcode, args)) return;
    const input = this.#report.input;
    switch (opcode) {
      case "sync": {
        const ts = Number(args[0]);
        input.syncs++;
        input.lastSync = ts;
        if (!this.#syncs.confirmed(ts)) this.#onEnd("sync-ahead");
        break;
      }
      case "nop":
        input.nops++;
        break;
      case "mouse":
        input.mouse.push(args);
        break;
      case "key":
        input.key.push(args);
        if (this.#keyEcho !== undefined && args[1] === "1") this.#echoKey(this.#keyEcho);
        break;
      case "size":
        input.size.push(args);
        if (this.#resize) this.#answerSize(args);
        break;
      case "ack":
        input.acks++;
        break;
      case "disconnect":
        this.#onEnd("client-disconnect");
        break;
      default:
        input.other.push(opcode);
    }
  }

  #echoKey(echo: KeyEcho): void {
    const ts = this.#syncs.liveTimestamp();
    this.#syncs.sent(ts);
    this.#report.output.keyEchoes++;
    this.#writer.send(echo.frame(ts));
  }

  #answerSize(args: readonly string[]): void {
    const [width, height] = args.map(Number);
    if (Number.isInteger(width) && Number.isInteger(height)) {
      this.#writer.send(encodeInstruction("size", "0", String(width), String(height)));
    }
  }
}
