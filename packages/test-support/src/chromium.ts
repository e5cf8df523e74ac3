// The one way the workspace starts headless Chromium, so the browser tests, the bench and the
// scripts see the same browser with the same flags.
import { type Browser, chromium, type LaunchOptions } from "playwright-core";

/** The Chromium to drive: `CHROMIUM_PATH`, else Debian's package. */
export const CHROMIUM_PATH: string = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless browser on a shared CI machine. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  // CI containers run as root, where Chromium's sandbox cannot start.
  "--no-sandbox",
  "--disable-gpu",
  // The brokers under test speak TCP only; QUIC probes would only add noise to timings.
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Pixels as decoded, with no colour conversion to a display profile.
  "--force-color-profile=srgb",
];

/**
 * Launches headless Chromium with the workspace's flags; `extraArgs` are appended.
 *
 * @example
 * ```ts ignore
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * await page.goto("http://127.0.0.1:8080/");
 * await browser.close();
 * ```
 */
export function launchChromium(
  options: { extraArgs?: readonly string[]; timeoutMs?: number } = {},
): Promise<Browser> {
  const launch: LaunchOptions = {
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: options.timeoutMs ?? 60_000,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
  };
  return chromium.launch(launch);
}
