// What a terminal does with a keystroke, reduced to its wire effect: draw a glyph-sized cell at the
// cursor and end the frame with `sync`. The simulator's SSH profile sends this after each key press,
// so a client can time keystroke echo as it would against guacd's SSH or telnet support.

import { concat } from "./_bytes.ts";
import { encodeInstruction } from "./_wire.ts";

const CELL_WIDTH = 9;
const CELL_HEIGHT = 18;
const COLUMNS = 80;
const ROWS = 24;

/** Draws one cell per key press, moving along an 80x24 grid. */
export class KeyEcho {
  #cell = 0;

  /** The bytes for one echoed key: `rect` + `cfill` on layer 0, then `sync,<ts>`. */
  frame(ts: number): Uint8Array {
    const column = this.#cell % COLUMNS;
    const row = Math.floor(this.#cell / COLUMNS) % ROWS;
    this.#cell++;
    return concat(
      encodeInstruction(
        "rect",
        "0",
        String(column * CELL_WIDTH),
        String(row * CELL_HEIGHT),
        String(CELL_WIDTH),
        String(CELL_HEIGHT),
      ),
      encodeInstruction("cfill", "14", "0", "255", "255", "255", "255"),
      encodeInstruction("sync", String(ts), "1"),
    );
  }
}
