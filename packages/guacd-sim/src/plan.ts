import { GUACAMOLE_STATUS } from "@guacstream/codec/client";

/** How fast a recording is replayed. */
export type Pace = "fast" | "realtime";

/** What happens when a replay reaches its end. */
export type ReplayEnd = "disconnect" | "hold" | "loop";

/**
 * What the simulator does after `ready`, chosen per session by
 * {@linkcode GuacdSimulatorOptions.resolveSession}.
 */
export interface SessionPlan {
  /** Name of the recording to replay (a key of the corpus's `recordings`); none → nothing drawn. */
  readonly recording?: string;
  /** Sent after the replay (at once when there is none) as `error` + `disconnect`, then close. */
  readonly error?: { readonly message: string; readonly status: number };
  /** Replay speed. @default the simulator's `pace` */
  readonly pace?: Pace;
  /**
   * After the replay: send `disconnect` and close, hold the session open (keep-alive `sync` and
   * `nop`), or replay again (sync timestamps shifted forward).
   * @default "disconnect" when the recording ends with `disconnect`, else "hold"
   */
  readonly end?: ReplayEnd;
  /**
   * At a recorded `required` instruction: `"ask"` sends it and waits for the client's `argv`
   * streams; `"skip"` leaves it out (the parameters were given in `connect`).
   * @default "ask"
   */
  readonly required?: "ask" | "skip";
  /** Text sent to the client as a `clipboard` stream right after `ready`. */
  readonly clipboard?: string;
  /**
   * Echo keystrokes as a terminal does: after each `key` press, draw a cell (`rect` + `cfill`) and
   * end the frame with `sync`, so a client can time keystroke echo. @default false
   */
  readonly echoKeys?: boolean;
  /**
   * Honour the client's `size` as guacd does for protocols that resize (RDP, SSH, telnet,
   * Kubernetes): answer with `size` of layer 0 at the new width and height. @default false
   */
  readonly resize?: boolean;
  /**
   * Parameters that can change while connected, with their values: sent to the client as `argv`
   * streams right after `ready` (guacd's SSH and telnet offer `color-scheme`, `font-name` and
   * `font-size`). With it, an `argv` for any other name is refused (`ack` 771, `CLIENT_FORBIDDEN`, "Not allowed."),
   * unless a `required` asked for it; an accepted value is echoed back, as guacd does.
   * @default none: any `argv` is accepted
   */
  readonly liveArguments?: Readonly<Record<string, string>>;
}

/** What a session asked for, passed to {@linkcode GuacdSimulatorOptions.resolveSession}. */
export interface SessionContext {
  /** The protocol (for a join: the joined connection's protocol). */
  readonly protocol: string;
  /** Whether this user joined an existing connection with `select,$id`. */
  readonly joining: boolean;
  /** The connection id sent in `ready`. */
  readonly connectionId: string;
  /** `connect` values by the parameter names of `args` (the version is under `"VERSION"`). */
  readonly params: Readonly<Record<string, string>>;
  /** For a join: the plan the connection's owner got. */
  readonly ownerPlan?: SessionPlan;
}

/**
 * Hostname suffix the default rule treats as an unreachable upstream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultResolveSession, UNREACHABLE_HOST_SUFFIX } from "@guacstream/guacd-sim";
 * const params = { hostname: `nowhere${UNREACHABLE_HOST_SUFFIX}` };
 * const plan = defaultResolveSession({ protocol: "vnc", joining: false, connectionId: "$x", params });
 * assert.equal(plan.error?.status, 519);
 * ```
 */
export const UNREACHABLE_HOST_SUFFIX = ".invalid";

const refused: SessionPlan = {
  error: { message: "Aborted. See logs.", status: GUACAMOLE_STATUS.UPSTREAM_NOT_FOUND },
};

/**
 * The default scenario rule, mapping each corpus client recording to its server recording:
 *
 * | protocol | parameters | plan |
 * |---|---|---|
 * | any | joining a connection | the owner's recording, then hold |
 * | vnc, rdp, telnet, kubernetes | `hostname` ends with `.invalid`, or `port` is `1` or `5999` | upstream refused: `error` 519 + `disconnect` |
 * | vnc | `port` 5907 | `vnc-required` (asks for `password` unless one was given) |
 * | vnc | `port` 5908 | `vnc-desktop-20s` |
 * | vnc | anything else | `vnc-desktop` |
 * | ssh | `hostname` ends with `.invalid` or `port` is `1` | upstream refused |
 * | ssh | `password` is `wrong` | `errors/ssh-bad-password` (drawing, `error` 769, `disconnect`) |
 * | ssh | `command` contains `silent` | `errors/ssh-silent-client` replay, then hold (a client that never echoes `sync` is cut off) |
 * | ssh | anything else | `ssh-text` |
 * | rdp, telnet, kubernetes, other | anything else | `native/vnc-native`, then hold |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultResolveSession } from "@guacstream/guacd-sim";
 * const plan = defaultResolveSession({ protocol: "ssh", joining: false, connectionId: "$x", params: { password: "wrong" } });
 * assert.equal(plan.recording, "errors/ssh-bad-password");
 * ```
 */
export function defaultResolveSession(ctx: SessionContext): SessionPlan {
  const { protocol, params } = ctx;
  if (ctx.joining) {
    const recording = ctx.ownerPlan?.recording;
    return recording === undefined ? { end: "hold" } : { recording, end: "hold" };
  }
  const host = params.hostname ?? "";
  const port = params.port ?? "";
  if (host.endsWith(UNREACHABLE_HOST_SUFFIX) || port === "1") return refused;
  if (protocol === "vnc") {
    if (port === "5999") return refused;
    if (port === "5907") {
      return { recording: "vnc-required", required: params.password ? "skip" : "ask" };
    }
    if (port === "5908") return { recording: "vnc-desktop-20s" };
    return { recording: "vnc-desktop" };
  }
  if (protocol === "ssh") {
    if (params.password === "wrong") return { recording: "errors/ssh-bad-password" };
    if (params.command?.includes("silent")) {
      return { recording: "errors/ssh-silent-client", end: "hold" };
    }
    return { recording: "ssh-text" };
  }
  if (port === "5999") return refused;
  return { recording: "native/vnc-native", end: "hold" };
}
