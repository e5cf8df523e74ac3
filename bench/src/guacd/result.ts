/** What the guacd section records per target, and how its sync-based figures are measured. */
import type { ClientFigures } from "./browser-client.ts";
import type { Percentiles, RampResult } from "./ramp.ts";
import type { SessionTrouble } from "./session.ts";

/** What the sync-based figures measure, recorded beside them in the JSON. */
export const SYNC_BASIS: string =
  "sync-based: a frame is a sync instruction; first frame = connect to the first sync after " +
  "drawing; fps = syncs per second; input echo = input sent to the next sync after drawing";
/** How the summary marks a sync-based figure. */
export const SYNC = "sync-based";
/** The first screen is complete once no pixel changed for this long. */
export const STABLE_MS = 500;

/** Everything measured on one target. */
export interface TargetResult {
  readonly target: string;
  readonly protocol: string;
  readonly handshakes: Percentiles & { readonly failures: readonly SessionTrouble[] };
  readonly ramp: RampResult | undefined;
  /** Input echo at one session: keys on a terminal, pointer moves on a desktop (sync-based). */
  readonly input:
    | (Percentiles & { readonly activity: string; readonly sent: number; readonly missed: number })
    | undefined;
  /** At one session, from the headless display's pixels: what a person sees. */
  readonly pixels:
    | {
        /** Connect call to the last pixel change before `STABLE_MS` without one. */
        readonly firstScreenMs: number;
        /** Input to the first frame whose pixels change where it lands. */
        readonly photonMs: Percentiles & { readonly sent: number; readonly unchanged: number };
        /** Frames per second that changed a pixel, and all frames per second. */
        readonly changingFps: number;
        readonly allFps: number;
        /** Bytes received per pixel changed, while inputs were sent. */
        readonly bytesPerChangedPixel: number;
        /** JPEG and WebP bytes over all image bytes. */
        readonly lossyShare: number;
        readonly imageBytes: number;
        /** This process's CPU ms per second while the inputs ran (display and pixel checks included). */
        readonly cpuMsPerSecond: number;
        /** This process's event-loop delay p99 while the inputs ran, ms (the display's drawing holds it). */
        readonly loopDelayMs: number;
        /**
         * Where pointer moves went: points where the screen stayed still before the inputs, so
         * no clock or scrolling terminal answers for them; empty for keys.
         */
        readonly pointerAt: readonly { readonly x: number; readonly y: number }[];
        /** Whether guacd sent the pointer as an image the client draws (`cursor`). */
        readonly cursorFromGuacd: boolean;
      }
    | undefined;
  /**
   * guacamole-common-js in headless Chromium through the example broker, given the same inputs
   * right after ours (see `browser-client.ts`); `skipped` says why it did not run.
   */
  readonly browser?: ClientFigures | { readonly skipped: string };
  /** Why input-to-photon is not reported (the figures say n/a); its samples stay in `pixels`. */
  readonly photonNa?: string;
  /** How the sync-based figures were measured. */
  readonly measuredBy: string;
  readonly skipped?: string;
}
