import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * The parsers brokers run today, loaded from their npm packages (never copied here):
 * - `guacamole-lite` vendors upstream guacamole-common-js's current `Guacamole.Parser` (lengths
 *   in code points) as `lib/vendor/GuacamoleParser.js`; its `GuacdClient` feeds it
 *   `data.toString("utf8")` per socket read.
 * - the npm `guacamole-common-js` package (1.5.0) carries an older `Guacamole.Parser` that counts
 *   lengths in UTF-16 units, so an astral character (an emoji) throws it off.
 */
export interface UpstreamParser {
  receive(packet: string): void;
  oninstruction: ((opcode: string, args: string[]) => void) | null;
}

export interface UpstreamParserClass {
  new (): UpstreamParser;
  /** Upstream's encoder: elements to one instruction string, lengths in code points. */
  toInstruction?: (elements: readonly unknown[]) => string;
}

const require = createRequire(import.meta.url);

export function liteParser(): UpstreamParserClass {
  return require("guacamole-lite/lib/vendor/GuacamoleParser.js") as UpstreamParserClass;
}

export function commonJsParser(): UpstreamParserClass {
  const Guacamole = require("guacamole-common-js") as { Parser: UpstreamParserClass };
  return Guacamole.Parser;
}

/** The installed version of a bench devDependency (its package.json is not always exported). */
export function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}
