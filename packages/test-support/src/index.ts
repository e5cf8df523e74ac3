/**
 * What the workspace's tests, bench and scripts share; private, never published.
 *
 * @module
 */
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from "./chromium.ts";
export { flushRealSleeps, realSleptMs, sleepReal } from "./real-sleep.ts";
