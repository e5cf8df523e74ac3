// The peer's WebSocket frames as they arrive, read at the frame headers only (payloads are
// counted, never copied), so a broker can cut a message before its runtime buffers it: over a
// byte limit, over a fragment count (the `ws` package keeps one object per fragment), a control
// frame over 125 bytes, or pings faster than a browser ever sends them (never). Used by the Node
// broker on its sockets and by the Deno broker's relay.

/**
 * Reads the peer's WebSocket frame headers as they pass (payloads are only counted), and says
 * why to cut when a message grows past the limits.
 */
export class FrameBounds {
  // The header being read (at most 14 bytes), then how much payload is left to skip.
  readonly #head = new Uint8Array(14);
  #headLength = 0;
  #skip = 0;
  #messageBytes = 0;
  #fragments = 0;
  #pingWindow = 0;
  #pings = 0;

  /** Takes the next bytes from the peer; returns why to cut the connection, if it must be. */
  push(
    chunk: Uint8Array,
    maxBytes: number,
    maxFragments: number,
    maxPings: number,
  ): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, chunk.length - i);
        this.#skip -= take;
        i += take;
        continue;
      }
      this.#head[this.#headLength++] = chunk[i++]!;
      const need = headerLength(this.#head, this.#headLength);
      if (need === undefined || this.#headLength < need) continue;
      const opcode = this.#head[0]! & 0x0f;
      const fin = (this.#head[0]! & 0x80) !== 0;
      const length = payloadLength(this.#head);
      this.#headLength = 0;
      this.#skip = length;
      if (opcode >= 8) {
        if (length > 125) return "a control frame over 125 bytes";
        if (opcode === 9) {
          const now = Date.now();
          if (now - this.#pingWindow >= 1000) {
            this.#pingWindow = now;
            this.#pings = 0;
          }
          if (++this.#pings > maxPings) return "too many pings";
        }
        continue;
      }
      if (opcode !== 0) {
        this.#messageBytes = 0;
        this.#fragments = 0;
      }
      this.#messageBytes += length;
      if (++this.#fragments > maxFragments) return "too many fragments in one message";
      if (this.#messageBytes > maxBytes) return "a message over the limit";
      if (fin) {
        this.#messageBytes = 0;
        this.#fragments = 0;
      }
    }
    return undefined;
  }
}

/** The header's full length once its first bytes are known, else `undefined`. */
function headerLength(head: Uint8Array, have: number): number | undefined {
  if (have < 2) return undefined;
  const mask = (head[1]! & 0x80) !== 0 ? 4 : 0;
  const len = head[1]! & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + mask;
}

function payloadLength(head: Uint8Array): number {
  const len = head[1]! & 0x7f;
  if (len < 126) return len;
  if (len === 126) return (head[2]! << 8) | head[3]!;
  // 64-bit: anything past 2^53 is over every limit anyway.
  let value = 0;
  for (let k = 2; k < 10; k++) value = value * 256 + head[k]!;
  return value;
}
