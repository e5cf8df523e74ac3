// Deno, through npm: specifiers (resolved from the project's node_modules, as npm installed them).
import * as codec from "npm:@guacstream/codec";
import * as session from "npm:@guacstream/codec/client";
import * as simNode from "npm:@guacstream/guacd-sim/node";
import * as transport from "npm:@guacstream/transport-node";
import * as tunnel from "npm:@guacstream/tunnel";
import { checkCodec, checkEmbeddedSimulator, checkSession } from "./checks.mjs";

const port = Number(Deno.env.get("GUACD_PORT"));
const modules = { session, transport, tunnel };
console.log(await checkCodec(codec));
console.log(await checkSession(modules, port));
console.log(await checkEmbeddedSimulator(modules, simNode));
