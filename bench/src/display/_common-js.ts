/**
 * guacamole-common-js 1.6 rendering a recording in headless Chromium, timed in the page: parse the
 * recording text with Guacamole.Parser, feed a Guacamole.Client through a tunnel object, wait for
 * its display to flush every frame. CPU is read from /proc for the browser's whole process tree
 * (renderer, GPU and utility processes decode and draw too).
 */
import { readdirSync, readFileSync } from "node:fs";
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

/** CPU ms (user + system) used so far by `pid` and all its descendants. */
export function treeCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const parent = Number(fields[1]);
      cpu.set(Number(entry), Number(fields[11]) + Number(fields[12]));
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // a process that ended meanwhile
    }
  }
  let ticks = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const next = stack.pop() as number;
    ticks += cpu.get(next) ?? 0;
    stack.push(...(children.get(next) ?? []));
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
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
