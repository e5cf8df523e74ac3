// Drives guacamole-common-js 1.6 in headless Chromium as the reference display: a page that loads
// its browser build, parses a recording with Guacamole.Parser and feeds a Guacamole.Client through
// a tunnel object the test controls, then flattens the display to PNG at the frames asked for.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";

const ORIGIN = "http://common-js.test";

declare global {
  interface Window {
    load(url: string): Promise<number>;
    advance(syncs: number): Promise<string>;
    renderAll(): Promise<{ instructions: number; syncs: number; ms: number }>;
  }
}

/** The page's script, run in the browser: it sees only what guacamole-common-js defines. */
function pageScript(): void {
  type Client = {
    connect(): void;
    getDisplay(): { flush(cb: () => void): void; flatten(): HTMLCanvasElement };
  };
  const G = (window as unknown as { Guacamole: Record<string, new () => unknown> }).Guacamole;
  let list: [string, string[]][] = [];
  let position = 0;
  let syncs = 0;
  let client: Client;
  let tunnel: { oninstruction(opcode: string, args: string[]): void };
  const open = () => {
    const t = new (G.Tunnel as new () => Record<string, unknown>)();
    t.connect = () => {};
    t.sendMessage = () => {};
    t.disconnect = () => {};
    client = new (G.Client as unknown as new (t: unknown) => Client)(t);
    client.connect();
    tunnel = t as unknown as typeof tunnel;
    position = 0;
    syncs = 0;
  };
  const feed = (target: number) => {
    while (position < list.length && syncs < target) {
      const [opcode, args] = list[position++] as [string, string[]];
      // A recording's end: the reference keeps showing what it drew.
      if (opcode === "disconnect" || opcode === "error") continue;
      tunnel.oninstruction(opcode, args);
      if (opcode === "sync") syncs++;
    }
  };
  const flushed = () => new Promise<void>((resolve) => client.getDisplay().flush(resolve));
  window.load = async (url: string) => {
    const text = await (await fetch(url)).text();
    list = [];
    const parser = new (
      G.Parser as new () => {
        oninstruction: (opcode: string, args: string[]) => void;
        receive(text: string): void;
      }
    )();
    parser.oninstruction = (opcode, args) => list.push([opcode, args]);
    parser.receive(text);
    open();
    return list.length;
  };
  window.advance = async (target: number) => {
    feed(target);
    await flushed();
    const canvas = client.getDisplay().flatten();
    return canvas.width * canvas.height === 0 ? "" : canvas.toDataURL("image/png");
  };
  window.renderAll = async () => {
    open();
    const started = performance.now();
    feed(Number.POSITIVE_INFINITY);
    await flushed();
    return { instructions: list.length, syncs, ms: performance.now() - started };
  };
}

/** A page with guacamole-common-js loaded and the recordings served at `/<name>`. */
export async function openCommonJsPage(
  browser: Browser,
  recordings: ReadonlyMap<string, Uint8Array>,
): Promise<Page> {
  const require = createRequire(import.meta.url);
  const library = await readFile(require.resolve("@glokon/guacamole-common-js"), "utf8");
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.slice(1));
    const body = recordings.get(name);
    if (name === "") {
      return route.fulfill({
        status: 200,
        contentType: "text/html",
        body: "<!doctype html><title>common-js</title>",
      });
    }
    return body === undefined
      ? route.fulfill({ status: 404, body: "" })
      : route.fulfill({
          status: 200,
          contentType: "text/plain; charset=utf-8",
          body: Buffer.from(body),
        });
  });
  page.on("pageerror", (error) => console.error(`common-js page: ${error.message}`));
  await page.goto(`${ORIGIN}/`);
  // Its browser build ends with a CommonJS export; give it a module object to write to.
  await page.addScriptTag({ content: `var module = { exports: {} };\n${library}` });
  await page.addScriptTag({ content: `(${pageScript.toString()})();` });
  return page;
}

/** The URL a recording is served at on the page. */
export function recordingUrl(name: string): string {
  return `${ORIGIN}/${encodeURIComponent(name)}`;
}
