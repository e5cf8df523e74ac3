// Node and Bun, ESM: the installed packages by their names.
import * as codec from "@guacstream/codec";
import * as session from "@guacstream/codec/client";
import * as simNode from "@guacstream/guacd-sim/node";
import * as transport from "@guacstream/transport-node";
import * as tunnel from "@guacstream/tunnel";
import { checkCodec, checkEmbeddedSimulator, checkSession } from "./checks.mjs";

const port = Number(process.env.GUACD_PORT);
const modules = { session, transport, tunnel };
console.log(await checkCodec(codec));
console.log(await checkSession(modules, port));
console.log(await checkEmbeddedSimulator(modules, simNode));
