// The recordings folder both brokers' endpoint tests attack, and the raw request they attack it
// with: a finished recording, links and oversized, malformed or misnamed sidecars, a recording
// still being written, and a secret just outside the folder.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";

/** What the file outside the folder holds: no answer may ever contain it. */
export const SECRET = "4.sync,3.999;SECRET-OUTSIDE-THE-FOLDER";

/** The bytes of the one recording the endpoint may serve, `abc-123`. */
export const RECORDING = "4.size,1.0,1.1,1.1;4.sync,3.100;";

/** A broker's answer, its body read as Latin-1. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request to the broker at `url` with the path sent exactly as written (fetch would normalise `..`). */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A sidecar's text as the recorder writes it, with `extra` fields added. */
export const sidecar = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    connection: "$abc",
    protocol: "ssh",
    start: "2026-01-01T00:00:00.000Z",
    end: "2026-01-01T00:00:05.000Z",
    bytes: 25,
    keysRecorded: true,
    ...extra,
  });

/** Fills `root` with the secret and a `recordings` folder of traps; returns the folder's path. */
export function writeRecordingsFolder(root: string): string {
  const dir = join(root, "recordings");
  mkdirSync(dir);
  writeFileSync(join(root, "secret.guac"), SECRET);
  writeFileSync(join(root, "secret.guac.meta.json"), sidecar({ connection: "outside" }));
  writeFileSync(join(dir, "abc-123.guac"), RECORDING);
  writeFileSync(join(dir, "abc-123.guac.meta.json"), sidecar({ note: "not passed on" }));
  // A finished recording whose .guac is a link out of the folder: listed, never opened.
  symlinkSync(join(root, "secret.guac"), join(dir, "link-1.guac"));
  writeFileSync(join(dir, "link-1.guac.meta.json"), sidecar({ connection: "link" }));
  // A sidecar that is a link out of the folder: not listed.
  writeFileSync(join(dir, "evil-2.guac"), RECORDING);
  symlinkSync(join(root, "secret.guac.meta.json"), join(dir, "evil-2.guac.meta.json"));
  // Oversized, malformed and misnamed sidecars: not listed.
  writeFileSync(join(dir, "big-3.guac"), RECORDING);
  writeFileSync(join(dir, "big-3.guac.meta.json"), sidecar({ pad: "x".repeat(5000) }));
  writeFileSync(join(dir, "bad-4.guac"), RECORDING);
  writeFileSync(join(dir, "bad-4.guac.meta.json"), '{"connection":');
  writeFileSync(join(dir, "dot.name.guac.meta.json"), sidecar());
  // Still being written: no sidecar yet.
  writeFileSync(join(dir, "live-5.guac"), RECORDING);
  return dir;
}
