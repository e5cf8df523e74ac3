// What every consumer program checks, given the installed packages' modules (each program imports
// them its own way: ESM `import`, CJS `require`, Deno `npm:` specifiers, Bun). Throws on the first
// failure; returns a one-line summary.

/** Node's `assert` is not used so the same file runs anywhere. */
function check(condition, what) {
  if (!condition) throw new Error(`smoke check failed: ${what}`);
}

/** The codec alone: decode bytes cut one by one (a multi-byte value included), encode back. */
export async function checkCodec(codec) {
  const text = "4.name,8.Привет 🌍;4.sync,3.123,1.0;";
  const bytes = new TextEncoder().encode(text);
  const decoded = [];
  const source = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i++) controller.enqueue(bytes.subarray(i, i + 1));
      controller.close();
    },
  });
  const reader = source.pipeThrough(new codec.InstructionDecoderStream()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) decoded.push(r.value);
  check(decoded.length === 2, `2 instructions decoded, got ${decoded.length}`);
  check(decoded[0].opcode === "name" && decoded[0].args[0] === "Привет 🌍", "the name decoded");
  check(decoded[1].opcode === "sync" && decoded[1].args.join() === "123,0", "the sync decoded");

  const encoder = new codec.InstructionEncoderStream();
  const writer = encoder.writable.getWriter();
  void writer.write(codec.instruction("sync", "123")).then(() => writer.close());
  const out = [];
  const encoded = encoder.readable.getReader();
  for (let r = await encoded.read(); !r.done; r = await encoded.read()) out.push(...r.value);
  const back = new TextDecoder().decode(new Uint8Array(out));
  check(back === "4.sync,3.123;", `encoded ${JSON.stringify(back)}`);
  return "codec ok";
}

/**
 * A whole VNC session through the transport against a simulator at `port`, then two refused ones
 * whose errors must be the consumer's own `GuacamoleStatusError` (one codec instance shared by
 * the transport and the program), then a token round trip through the tunnel (WebCrypto).
 */
export async function checkSession({ session, transport, tunnel }, port) {
  const client = await transport.connectGuacamole({
    host: "127.0.0.1",
    port,
    protocol: "vnc",
    parameters: { hostname: "localhost", port: 5900 },
    width: 1024,
    height: 768,
  });
  check(/^\$/.test(client.id), `connection id ${client.id}`);
  let instructions = 0;
  let syncs = 0;
  for (let next = await client.readInstruction(); next; next = await client.readInstruction()) {
    instructions++;
    if (next.opcode === "sync") syncs++;
  }
  const closed = await client.closed;
  check(closed.initiator === "guacd", `ended by ${closed.initiator}`);
  check(instructions > 100 && syncs > 0, `${instructions} instructions, ${syncs} syncs`);
  await client.close();

  // guacd refuses the upstream after `ready`: the session's end carries the status.
  const refused = await transport.connectGuacamole({
    host: "127.0.0.1",
    port,
    protocol: "vnc",
    parameters: { hostname: "nowhere.invalid", port: 5900 },
  });
  while (await refused.readInstruction());
  const { error } = await refused.closed;
  check(error instanceof session.GuacamoleStatusError, `refused upstream: ${error}`);
  check(error.status === 519, `upstream status ${error.status}`);
  await refused.close();

  // guacd refuses during the handshake: connectGuacamole rejects.
  let rejected;
  try {
    await transport.connectGuacamole({ host: "127.0.0.1", port, join: "$nonexistent" });
  } catch (caught) {
    rejected = caught;
  }
  check(rejected instanceof session.GuacamoleStatusError, `join refused: ${rejected}`);
  check(rejected.status === 516, `join status ${rejected.status}`);

  const key = await tunnel.importTokenKey(tunnel.generateTokenSecret());
  const token = await tunnel.sealToken(key, { protocol: "vnc", parameters: { hostname: "h" } });
  const opened = await tunnel.openToken(key, token);
  check(opened.settings.parameters.hostname === "h", "token round trip");
  return `session ok (${instructions} instructions, ${syncs} syncs; 519 and 516 refusals; token)`;
}

/** The simulator started in-process from the installed package, on its bundled corpus. */
export async function checkEmbeddedSimulator(modules, simNode) {
  const sim = await simNode.startGuacdSimulator();
  try {
    return `embedded simulator: ${await checkSession(modules, sim.port)}`;
  } finally {
    await sim.close();
  }
}
