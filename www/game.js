// Arena: a small canvas game. The ship follows the mouse or the arrow keys and collects coins in
// a requestAnimationFrame loop that feeds playtrace its frame times; shop clicks and keys are
// player actions, traced by playtrace from the input to the game API's server spans and to the
// frame that shows their result. Key H casts a spell whose frame is deliberately heavy; the chat
// goes over a traced WebSocket. Each action links to its waterfall.
import { init } from "playtrace";
// The chat's socket is traced: WebSocket tracing ships apart, for the games that use it.
import "playtrace/websocket";

const tracer = init({
  serviceName: "arena-web",
  serviceVersion: "0.1.0",
  environment: "dev",
  endpoint: "/v1/traces",
  flushIntervalMs: 1000,
});

const canvas = document.getElementById("arena");
const ctx = canvas.getContext("2d");
const log = document.getElementById("log");
const player = `player-${Math.floor(Math.random() * 1e6)}`;
const state = { x: 320, y: 180, vx: 0, vy: 0, score: 0, coins: [], frameTime: 0, keys: new Set() };
for (let i = 0; i < 8; i++) state.coins.push({ x: 40 + Math.random() * 560, y: 40 + Math.random() * 280 });

function note(text, traceId, isError) {
  const line = document.createElement("div");
  line.className = isError ? "error" : "";
  line.textContent = `${text} `;
  if (traceId) {
    const a = document.createElement("a");
    a.href = `/viewer/#trace=${traceId}`;
    a.target = "_blank";
    a.textContent = "trace";
    a.dataset.traceId = traceId;
    line.append(a);
  }
  log.prepend(line);
}

/**
 * A player action, started in the input's handler: a span to the API's answer, with the input's
 * delay and the latency to the frame that shows the result (playtrace reads the input event).
 */
function act(name, attributes, call) {
  tracer
    .action(name, { attributes: { "game.player": player, ...attributes } }, async (span) => {
      const traceId = span.spanContext().traceId;
      try {
        const message = await call(span);
        note(message, traceId, false);
      } catch (e) {
        note(`${name} failed: ${e.message}`, traceId, true);
        throw e;
      }
    })
    .catch(() => {});
}

async function api(path, body) {
  const res = await fetch(path, body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : undefined);
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

function buy(item) {
  act("buy_item", { "game.item": item }, async (span) => {
    const data = await api("/api/game/buy", { player, item });
    span.setAttribute("game.coins_left", data.coins);
    document.getElementById("coins").textContent = `(${data.coins} coins)`;
    return `bought ${item}, ${data.coins} coins left`;
  });
}

function submitScore() {
  act("submit_score", { "game.score": state.score }, async () => {
    await api("/api/game/score", { player, score: state.score });
    return `score ${state.score} submitted`;
  });
}

function showLeaderboard() {
  act("show_leaderboard", {}, async () => {
    const data = await api("/api/game/leaderboard");
    return `leaderboard: ${data.leaderboard.map((e) => `${e.player} ${e.score}`).join(", ") || "empty"}`;
  });
}

const frames = (n) => new Promise((resolve) => {
  const step = () => (n-- <= 0 ? resolve() : requestAnimationFrame(step));
  requestAnimationFrame(step);
});

/** A spell whose frame is deliberately heavy: the action shows a long frame and its script. */
function castSpell() {
  act("cast_spell", { "game.spell": "meteor" }, async () => {
    state.spell = 150;
    await frames(3);
    return "meteor cast (a 150 ms frame)";
  });
}

/** Works `ms` in this frame, as an unoptimised particle effect would. */
function renderSpell(ms) {
  const until = performance.now() + ms;
  let sparks = 0;
  while (performance.now() < until) sparks++;
  return sparks;
}

// The chat: lines go over a WebSocket whose messages carry the trace context, so a line sent in
// an action, the server's spans and the broadcast that comes back are one trace.
const chatLog = document.getElementById("chat-log");
const chatUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/game/ws`;
const chat = tracer.instrumentWebSocket(new WebSocket(chatUrl));
const heard = new Set(); // resolvers waiting for a line of ours to come back
chat.addEventListener("message", (e) => {
  let line;
  try {
    line = JSON.parse(e.data);
  } catch {
    return;
  }
  const div = document.createElement("div");
  div.className = line.type === "error" ? "error" : "";
  div.textContent = line.type === "error" ? line.error : `${line.player}: ${line.text}`;
  chatLog.prepend(div);
  for (const resolve of heard) resolve(line);
});

function say(text) {
  act("send_chat", { "game.chat.length": text.length }, async () => {
    const back = new Promise((resolve, reject) => {
      const timer = setTimeout(() => { heard.delete(done); reject(new Error("no answer from the chat")); }, 5000);
      const done = (line) => {
        if (line.type === "error" || (line.player === player && line.text === text)) {
          clearTimeout(timer);
          heard.delete(done);
          if (line.type === "error") reject(new Error(line.error));
          else resolve(line);
        }
      };
      heard.add(done);
    });
    chat.send(JSON.stringify({ type: "chat", player, text }));
    await back;
    return `said "${text}"`;
  });
}

document.getElementById("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("chat-text");
  if (input.value.trim() !== "") say(input.value.trim());
  input.value = "";
});

for (const button of document.querySelectorAll("button[data-item]")) {
  button.addEventListener("click", () => buy(button.dataset.item));
}
document.getElementById("submit-score").addEventListener("click", submitScore);
document.getElementById("leaderboard").addEventListener("click", showLeaderboard);
document.getElementById("cast-spell").addEventListener("click", castSpell);
addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement) return; // typing in the chat
  state.keys.add(e.key);
  if (e.key === "h" || e.key === "H") castSpell();
  const shop = { 1: "sword", 2: "shield", 3: "potion", 4: "glitch" }[e.key];
  if (shop) buy(shop);
  if (e.key === "s" || e.key === "S") submitScore();
  if (e.key === "l" || e.key === "L") showLeaderboard();
});
addEventListener("keyup", (e) => state.keys.delete(e.key));
canvas.addEventListener("mousemove", (e) => {
  const r = canvas.getBoundingClientRect();
  state.target = { x: e.clientX - r.left, y: e.clientY - r.top };
});

function frame(time) {
  tracer.frame(time);
  if (state.spell > 0) {
    renderSpell(state.spell);
    state.spell = 0;
  }
  const dt = Math.min(0.05, (time - (state.frameTime || time)) / 1000);
  state.frameTime = time;
  const k = state.keys;
  const ax = (k.has("ArrowRight") ? 1 : 0) - (k.has("ArrowLeft") ? 1 : 0);
  const ay = (k.has("ArrowDown") ? 1 : 0) - (k.has("ArrowUp") ? 1 : 0);
  if (ax || ay) state.target = undefined;
  if (state.target) {
    state.vx = (state.target.x - state.x) * 4;
    state.vy = (state.target.y - state.y) * 4;
  } else {
    state.vx = ax * 220;
    state.vy = ay * 220;
  }
  state.x = Math.max(10, Math.min(630, state.x + state.vx * dt));
  state.y = Math.max(10, Math.min(350, state.y + state.vy * dt));
  for (const c of state.coins) {
    if (Math.hypot(c.x - state.x, c.y - state.y) < 18) {
      state.score += 10;
      c.x = 40 + Math.random() * 560;
      c.y = 40 + Math.random() * 280;
    }
  }
  ctx.clearRect(0, 0, 640, 360);
  ctx.fillStyle = "#f5c542";
  for (const c of state.coins) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, 7, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = "#6fd3ff";
  ctx.beginPath();
  ctx.moveTo(state.x, state.y - 12);
  ctx.lineTo(state.x + 10, state.y + 10);
  ctx.lineTo(state.x - 10, state.y + 10);
  ctx.fill();
  ctx.fillStyle = "#e8eaf0";
  ctx.fillText(`score ${state.score}`, 12, 20);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
window.arena = { tracer, player, state };
