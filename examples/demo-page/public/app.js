// The demo page: guacamole-common-js 1.6 over the broker's WebSocket tunnel. It gets a token (from
// the page URL's `token`, or a demo token from the broker), connects, and shows the display,
// status, errors, title and clipboard. `window.demo` exposes state for the browser tests.
import * as Guacamole from "./vendor/guacamole-common.js";

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const demo = {
  state: "idle",
  names: [],
  clipboard: [],
  syncs: 0,
  error: undefined,
  closed: undefined,
};
window.demo = demo;
window.Guacamole = Guacamole;

const STATES = ["idle", "connecting", "waiting", "connected", "disconnecting", "disconnected"];

function setStatus(text, state) {
  $("status").textContent = text;
  $("status").dataset.state = state;
}

function showError(status) {
  demo.error = { code: status.code, message: status.message ?? "" };
  $("error").hidden = false;
  $("error").textContent =
    `Error ${status.code} (0x${status.code.toString(16).padStart(4, "0")}): ${status.message ?? ""}`;
  setStatus("error", "error");
}

async function getToken() {
  if (query.has("token")) return query.get("token");
  const response = await fetch(
    `demo/token?profile=${encodeURIComponent(query.get("profile") ?? "vnc")}`,
    { method: "POST" },
  );
  if (!response.ok) throw new Error(`The broker issued no token (${response.status})`);
  return (await response.json()).token;
}

const tunnel = new Guacamole.WebSocketTunnel("tunnel");
const client = new Guacamole.Client(tunnel);
demo.client = client;
const display = client.getDisplay();
$("display").appendChild(display.getElement());
$("display").tabIndex = 0; // focusable, so the keyboard goes to the remote only when it has focus

client.onstatechange = (state) => {
  demo.state = STATES[state] ?? String(state);
  if (demo.state !== "disconnected" || demo.error === undefined) setStatus(demo.state, demo.state);
};
client.onerror = showError;
tunnel.onerror = showError;
client.onsync = () => {
  demo.syncs++;
};
client.onname = (name) => {
  demo.names.push(name);
  document.title = name;
  $("title").textContent = name;
};
// Clipboard text is UTF-8 bytes on the wire. guacamole-common-js's StringReader/StringWriter work
// on UTF-16 units (an emoji becomes two broken 3-byte sequences), so the page encodes and decodes
// the bytes itself.
client.onclipboard = (stream, mimetype) => {
  if (!/^text\//.test(mimetype)) return;
  const reader = new Guacamole.ArrayBufferReader(stream);
  const decoder = new TextDecoder();
  let text = "";
  reader.ondata = (buffer) => {
    text += decoder.decode(buffer, { stream: true });
  };
  reader.onend = () => {
    text += decoder.decode();
    demo.clipboard.push(text);
    $("clipboard-in").value = text;
  };
};

function sendClipboard(text) {
  const stream = client.createClipboardStream("text/plain");
  const writer = new Guacamole.ArrayBufferWriter(stream);
  writer.sendData(new TextEncoder().encode(text).buffer);
  writer.sendEnd();
}

// Fit the remote screen into the page, never above its own size.
display.onresize = () => {
  const width = $("display").clientWidth;
  display.scale(Math.min(1, width / Math.max(display.getWidth(), 1)));
};

const mouse = new Guacamole.Mouse(display.getElement());
mouse.onEach(["mousedown", "mouseup", "mousemove"], (event) => {
  $("display").focus();
  client.sendMouseState(event.state, true);
});

const keyboard = new Guacamole.Keyboard($("display"));
keyboard.onkeydown = (keysym) => {
  client.sendKeyEvent(1, keysym);
};
keyboard.onkeyup = (keysym) => {
  client.sendKeyEvent(0, keysym);
};

$("clipboard-send").addEventListener("click", () => sendClipboard($("clipboard-out").value));
$("disconnect").addEventListener("click", () => client.disconnect());
window.addEventListener("pagehide", () => client.disconnect());

try {
  const token = await getToken();
  const box = $("display").getBoundingClientRect();
  const settings = new URLSearchParams({
    token,
    width: String(Math.max(320, Math.round(box.width))),
    height: String(Math.max(240, Math.round(window.innerHeight - box.top - 20))),
    dpi: String(Math.round(96 * (window.devicePixelRatio || 1))),
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  for (const type of ["image/png", "image/jpeg", "image/webp"]) settings.append("image", type);
  setStatus("connecting", "connecting");
  client.connect(settings.toString());
} catch (error) {
  showError({ code: 0x0200, message: String(error?.message ?? error) });
}
