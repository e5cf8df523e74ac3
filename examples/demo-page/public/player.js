// The recording player: lists what the broker recorded (GET /recordings, with the operator's
// recordings token) and plays one with guacamole-common-js's Guacamole.SessionRecording: play,
// pause, seek, speed. `window.player` exposes state for the browser tests.
import * as Guacamole from "./vendor/guacamole-common.js";

const $ = (id) => document.getElementById(id);
const player = {
  /** "idle", "loading", "paused", "playing", "error" */
  state: "idle",
  recordings: [],
  id: undefined,
  recording: undefined,
  duration: 0,
  position: 0,
  speed: 1,
  error: undefined,
  settled: Promise.resolve(0),
};
window.player = player;
window.Guacamole = Guacamole;

// The token stays in this page's memory; a `#token=` in the address is read once and removed, so
// it is neither sent to the server nor kept in the history.
let token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
if (location.hash !== "") history.replaceState(null, "", location.pathname + location.search);

function showError(message) {
  player.error = message;
  player.state = "error";
  $("error").hidden = false;
  $("error").textContent = message;
}

async function authorized(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${(await response.text()).trim()}`);
  }
  return response;
}

const clock = (ms) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
};

const size = (bytes) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;

async function list() {
  $("error").hidden = true;
  player.recordings = await (await authorized("recordings")).json();
  const body = $("list").tBodies[0];
  body.replaceChildren();
  for (const entry of player.recordings) {
    const row = body.insertRow();
    row.dataset.id = entry.id;
    row.tabIndex = 0;
    const length = Date.parse(entry.end) - Date.parse(entry.start);
    const cells = [
      new Date(entry.start).toLocaleString(),
      entry.protocol,
      entry.connection,
      clock(length),
      size(entry.bytes),
      entry.keysRecorded ? "recorded" : "",
    ];
    if (entry.truncated !== undefined) cells[4] += ` (cut: ${entry.truncated})`;
    for (const text of cells) row.insertCell().textContent = text;
    const pick = () => void load(entry.id).catch((error) => showError(String(error.message)));
    row.addEventListener("click", pick);
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter") pick();
    });
  }
}

// Playback runs on this page's clock: every tick seeks the recording to where the clock says,
// which gives any speed. Seeking forward replays only the frames in between.
let playing = false;
let baseReal = 0;
let basePosition = 0;
let tickTimer;

function showPosition(position) {
  player.position = position;
  $("seek").value = String(Math.round(position));
  $("time").value = `${clock(position)} / ${clock(player.duration)}`;
}

function setPlaying(on) {
  playing = on;
  clearTimeout(tickTimer);
  player.state = on ? "playing" : "paused";
  $("play").textContent = on ? "Pause" : "Play";
  if (on) {
    if (player.position >= player.duration) player.position = 0;
    basePosition = player.position;
    baseReal = performance.now();
    player.playingSince = baseReal;
    tick();
  }
}

function tick() {
  if (!playing) return;
  const target = Math.min(
    player.duration,
    basePosition + (performance.now() - baseReal) * player.speed,
  );
  void seekTo(target).then(() => {
    if (target >= player.duration) setPlaying(false);
    else if (playing) tickTimer = setTimeout(tick, 40);
  });
}

// One seek at a time: SessionRecording starts a new seek from the frame the last one reached, and
// a seek that is cut short may still be replaying a frame, so two at once (a dragged slider) can
// leave a picture of neither. Requests made meanwhile collapse into the latest.
let seeking;
let wanted;

/**
 * Seeks to `position` (ms) and resolves once that moment's picture is on the display, or a later
 * requested one (`player.settled` is the pending seek's promise).
 */
function seekTo(position) {
  wanted = position;
  seeking ??= (async () => {
    const { recording } = player;
    let shown = position;
    while (wanted !== undefined && recording === player.recording) {
      const target = wanted;
      wanted = undefined;
      // Images decode asynchronously; the display's flush waits for them.
      await new Promise((resolve) =>
        recording.seek(target, () => recording.getDisplay().flush(resolve)),
      );
      showPosition(target);
      shown = target;
    }
    seeking = undefined;
    return shown;
  })();
  player.settled = seeking;
  return seeking;
}
player.seekTo = seekTo;

/**
 * The recording as a Blob Guacamole.SessionRecording can seek in. It finds its frames by
 * counting UTF-16 units as if they were bytes, so any non-ASCII text (a title, a message) would
 * shift every later frame. Each non-ASCII character becomes one "?": the length prefixes count
 * characters, so they still hold, and drawing instructions are ASCII, so no pixel changes.
 */
async function playableBlob(body) {
  const parts = [];
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    const text = decoder.decode(value, { stream: !done });
    parts.push(text.replace(/[\u0080-\u{10ffff}]/gu, "?"));
    if (done) return new Blob(parts);
  }
}

async function load(id) {
  setPlaying(false);
  player.recording?.abort();
  player.state = "loading";
  player.id = id;
  for (const row of $("list").tBodies[0].rows) {
    row.setAttribute("aria-selected", String(row.dataset.id === id));
  }
  const response = await authorized(`recordings/${encodeURIComponent(id)}`);
  const recording = new Guacamole.SessionRecording(await playableBlob(response.body));
  player.recording = recording;
  const display = recording.getDisplay();
  $("screen").replaceChildren(display.getElement());
  $("player-panel").hidden = false;
  display.onresize = () => {
    const width = $("screen").clientWidth;
    display.scale(Math.min(1, width / Math.max(display.getWidth(), 1)));
  };
  recording.onerror = (message) => showError(`Cannot play the recording: ${message}`);
  recording.onload = () => {
    player.duration = recording.getDuration();
    $("seek").max = String(player.duration);
    $("seek").disabled = false;
    $("play").disabled = false;
    showPosition(0);
    // The first frame, so the screen is not black before Play.
    void seekTo(0).then(() => {
      if (player.state === "loading") player.state = "paused";
    });
  };
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value;
  list().catch((error) => showError(String(error.message)));
});
$("play").addEventListener("click", () => setPlaying(!playing));
let resumeAfterSeek = false;
$("seek").addEventListener("pointerdown", () => {
  resumeAfterSeek = playing;
  setPlaying(false);
});
$("seek").addEventListener("input", () => {
  if (playing) {
    resumeAfterSeek = true;
    setPlaying(false);
  }
  void seekTo(Number($("seek").value));
});
$("seek").addEventListener("change", () => {
  if (resumeAfterSeek) setPlaying(true);
  resumeAfterSeek = false;
});
$("speed").addEventListener("change", () => {
  player.speed = Number($("speed").value);
  if (playing) setPlaying(true); // the clock restarts from here at the new speed
});

if (token !== "") {
  $("token").value = token;
  list().catch((error) => showError(String(error.message)));
}
