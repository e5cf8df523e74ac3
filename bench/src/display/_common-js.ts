/**
 * guacamole-common-js 1.6 rendering a recording in headless Chromium, timed in the page: parse the
 * recording text with Guacamole.Parser, feed a Guacamole.Client through a tunnel object, wait for
 * its display to flush every frame.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";

const ORIGIN = "http://common-js.bench";

export interface CommonJsResult {
  readonly wallMs: number;
  readonly frames: number;
}

declare global {
  interface Window {
    loadRecording(url: string): Promise<number>;
    renderRecording(): Promise<CommonJsResult>;
  }
}

function pageScript(): void {
  const G = (window as unknown as { Guacamole: Record<string, new (...a: unknown[]) => unknown> })
    .Guacamole;
  let text = "";
  window.loadRecording = async (url: string) => {
    text = await (await fetch(url)).text();
    return text.length;
  };
  window.renderRecording = async () => {
    const started = performance.now();
    const tunnel = new (G.Tunnel as new () => Record<string, unknown>)();
    tunnel.connect = () => {};
    tunnel.sendMessage = () => {};
    tunnel.disconnect = () => {};
    const client = new (
      G.Client as new (
        t: unknown,
      ) => {
        connect(): void;
        getDisplay(): { flush(cb: () => void): void };
      }
    )(tunnel);
    client.connect();
    const deliver = tunnel.oninstruction as (opcode: string, args: string[]) => void;
    let frames = 0;
    const parser = new (
      G.Parser as new () => {
        oninstruction: (opcode: string, args: string[]) => void;
        receive(text: string): void;
      }
    )();
    parser.oninstruction = (opcode, args) => {
      if (opcode === "disconnect" || opcode === "error") return;
      if (opcode === "sync") frames++;
      deliver(opcode, args);
    };
    parser.receive(text);
    await new Promise<void>((resolve) => client.getDisplay().flush(resolve));
    return { wallMs: performance.now() - started, frames };
  };
}

export async function openPage(browser: Browser, recording: Uint8Array): Promise<Page> {
  const require = createRequire(import.meta.url);
  const library = readFileSync(require.resolve("@glokon/guacamole-common-js"), "utf8");
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) =>
    new URL(route.request().url()).pathname === "/recording.guac"
      ? route.fulfill({
          status: 200,
          contentType: "text/plain; charset=utf-8",
          body: Buffer.from(recording),
        })
      : route.fulfill({
          status: 200,
          contentType: "text/html",
          body: "<!doctype html><title>bench</title>",
        }),
  );
  await page.goto(`${ORIGIN}/`);
  await page.addScriptTag({ content: `var module = { exports: {} };\n${library}` });
  await page.addScriptTag({ content: `(${pageScript.toString()})();` });
  await page.evaluate((url) => window.loadRecording(url), `${ORIGIN}/recording.guac`);
  return page;
}
