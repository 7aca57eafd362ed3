// WebSocket traces end to end: the real devserver serves the demo game, whose chat goes over a
// socket traced by `instrumentWebSocket`. A line sent in an action, the server's spans (made by
// the OpenTelemetry SDK from the message's `traceparent` field) and the broadcast that comes
// back are one trace; the connection's open, close and failure are spans; hooks that throw are
// counted and the messages still go; `instrument: { webSocket: true }` traces sockets the game
// never handed to playtrace. All of it ships apart, as `import "playtrace/websocket"`: a page
// without that import gets its sockets back untraced, and is told how to fix it once.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start } from "./harness.mjs";
import { root, startGame } from "./game.mjs";

let game, base, browser;

before(async () => {
  game = await startGame();
  ({ base, browser } = game);
});

after(async () => {
  await game?.stop("SIGKILL");
});

const openGame = () => game.openGame();
const storedTrace = (id, ok, ms) => game.storedTrace(id, ok, ms);

/** The recent stored traces whose root span is named `name`, once there is one. */
async function rootsNamed(name, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    const list = await (await fetch(`${base}/api/traces?limit=200`)).json();
    const found = list.filter((t) => t.rootName === name);
    if (found.length > 0) return found;
    if (Date.now() > until) throw new Error(`no trace rooted at ${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a chat line sent in an action, the server's SDK spans and the broadcast back are one trace", async () => {
  const page = await openGame();
  const other = await openGame(); // another player in the room
  await page.fill("#chat-text", "gg everyone");
  await page.press("#chat-text", "Enter");
  await page.waitForFunction(() => [...document.querySelectorAll("#log a")].length > 0);
  const traceId = await page.locator("#log a").first().getAttribute("data-trace-id");
  await other.waitForFunction(() => document.querySelector("#chat-log").textContent.includes("gg everyone"));
  await page.evaluate(() => window.arena.tracer.flush());
  await other.evaluate(() => window.arena.tracer.flush());
  const spans = await storedTrace(traceId, (s) => s.filter((x) => x.name === "receive /api/game/ws").length >= 2
    && s.some((x) => x.name === "send_chat"));
  const byName = (n) => spans.filter((s) => s.name === n);
  const [action] = byName("send_chat");
  const [send] = byName("send /api/game/ws");
  const [process] = byName("process chat");
  const [insert] = byName("db.insert chat");
  const [broadcast] = byName("send chat");
  assert.ok(action && send && process && insert && broadcast, spans.map((s) => s.name).join(", "));
  assert.equal(action.service, "arena-web");
  assert.equal(send.parentSpanId, action.spanId, "the send is the action's child");
  assert.equal(send.kind, 4, "PRODUCER");
  assert.equal(send.attributes["messaging.destination.name"], "/api/game/ws");
  assert.ok(send.attributes["messaging.message.body.size"] > 20);
  assert.equal(process.service, "arena-api", "made by the server's OpenTelemetry SDK");
  assert.equal(process.kind, 5, "CONSUMER");
  assert.equal(process.parentSpanId, send.spanId, "the server continues the message's context");
  assert.equal(insert.parentSpanId, process.spanId);
  assert.equal(broadcast.parentSpanId, process.spanId);
  const receives = byName("receive /api/game/ws");
  assert.ok(receives.every((r) => r.kind === 5 && r.parentSpanId === broadcast.spanId && r.service === "arena-web"),
    "both players' receive spans are children of the broadcast");
  assert.ok(spans.every((s) => s.traceId === traceId));
  const mine = receives.find((r) => r.startNs <= action.endNs);
  assert.ok(mine, "the sender's receive came while its action was open");
  assert.ok(action.attributes["action.result_frame_ms"] > (mine.startNs - action.startNs) / 1e6, "the result frame follows the answer");
  assert.deepEqual([...page.errors, ...other.errors], []);
  await other.context().close();
  await page.context().close();

  // The viewer draws the round trip as one tree, across both services.
  const viewer = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await viewer.goto(`${base}/viewer/#trace=${traceId}`);
  await viewer.waitForFunction((id) => document.body.dataset.rendered === id, traceId);
  const rows = await viewer.$$eval(".row", (rs) => rs.map((r) => [r.dataset.name, Number(r.dataset.depth), r.querySelector(".kind").textContent]));
  const row = (name) => rows.find((r) => r[0] === name);
  assert.deepEqual(row("send_chat").slice(1), [0, "internal"]);
  assert.deepEqual(row("send /api/game/ws").slice(1), [1, "producer"]);
  assert.deepEqual(row("process chat").slice(1), [2, "consumer"]);
  assert.deepEqual(row("send chat").slice(1), [3, "producer"]);
  assert.deepEqual(row("receive /api/game/ws").slice(1), [4, "consumer"]);
  await viewer.screenshot({ path: join(root, "target", "viewer-websocket.png") });
  await viewer.context().close();
});

test("a message of another trace that arrives during an action is the action's child, linked to its sender", async () => {
  const watcher = await openGame();
  const speaker = await openGame();
  // The watcher is inside an action of its own when the speaker's line arrives.
  const waiting = watcher.evaluate(() => new Promise((resolve) => {
    window.arena.tracer.action("watch_chat", undefined, (span) => new Promise((done) => {
      const ws = window.arena.tracer.instrumentWebSocket(new WebSocket(`ws://${location.host}/api/game/ws`), { destination: "watch" });
      ws.addEventListener("message", () => { done(); resolve(span.spanContext().traceId); });
    })).then(() => window.arena.tracer.flush());
  }));
  await new Promise((r) => setTimeout(r, 300)); // the watcher's socket opens
  await speaker.fill("#chat-text", "over here");
  await speaker.press("#chat-text", "Enter");
  const watchTrace = await waiting;
  await speaker.waitForFunction(() => document.querySelectorAll("#log a").length > 0);
  const speakerTrace = await speaker.locator("#log a").first().getAttribute("data-trace-id");
  await speaker.evaluate(() => window.arena.tracer.flush());
  const mine = await storedTrace(watchTrace, (s) => s.some((x) => x.name === "receive watch"));
  const theirs = await storedTrace(speakerTrace, (s) => s.some((x) => x.name === "send chat"));
  const action = mine.find((s) => s.name === "watch_chat");
  const receive = mine.find((s) => s.name === "receive watch");
  const broadcast = theirs.find((s) => s.name === "send chat");
  assert.notEqual(watchTrace, speakerTrace);
  assert.equal(receive.parentSpanId, action.spanId, "the receive stays in the watcher's action");
  assert.deepEqual(receive.links.map((l) => [l.traceId, l.spanId]), [[speakerTrace, broadcast.spanId]], "linked to the speaker's broadcast");
  await watcher.context().close();
  await speaker.context().close();
});

test("the connection's open, clean close and failure are spans", async () => {
  const page = await openGame();
  const out = await page.evaluate(async () => {
    const tracer = window.arena.tracer;
    const ws = tracer.instrumentWebSocket(new WebSocket(`ws://${location.host}/api/game/ws`), { destination: "level" });
    // Sent before it opened: the socket throws, as it does without playtrace.
    let early;
    await tracer.action("too_early", undefined, () => {
      try {
        ws.send(JSON.stringify({ type: "chat", player: "p", text: "hi" }));
      } catch (e) {
        early = e.name;
      }
    });
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    ws.close(1000, "level done");
    await new Promise((r) => ws.addEventListener("close", r, { once: true }));
    // Nothing listens on port 1: the connection fails.
    const bad = tracer.instrumentWebSocket(new WebSocket("ws://127.0.0.1:1/nowhere"));
    await new Promise((r) => bad.addEventListener("close", r, { once: true }));
    tracer.flush();
    return { ...tracer.stats(), early };
  });
  assert.equal(out.hookErrors, 0);
  assert.equal(out.early, "InvalidStateError");
  const [tooEarly] = await rootsNamed("too_early");
  const sent = (await storedTrace(tooEarly.traceId, (s) => s.length >= 2)).find((s) => s.name === "send level");
  assert.equal(sent.status.code, 2, "the send that threw is an error span");
  const [closeTrace] = await rootsNamed("close level");
  const [close] = await storedTrace(closeTrace.traceId, (s) => s.length >= 1);
  assert.equal(close.attributes["websocket.close.code"], 1000);
  assert.equal(close.attributes["websocket.close.reason"], "level done");
  assert.equal(close.attributes["websocket.close.was_clean"], true);
  assert.equal(close.status.code, 0);
  assert.equal(close.attributes["messaging.destination.name"], "level");
  const connects = await rootsNamed("connect level");
  const connect = (await storedTrace(connects[0].traceId, (s) => s.length >= 1))[0];
  assert.equal(connect.kind, 3);
  assert.equal(connect.status.code, 0);
  assert.equal(close.links.length, 1);
  assert.equal(close.links[0].spanId, connect.spanId, "the close is linked to its connection");
  const [failedTrace] = await rootsNamed("connect /nowhere");
  const [failed] = await storedTrace(failedTrace.traceId, (s) => s.length >= 1);
  assert.equal(failed.status.code, 2, "a connection that never opened is an error");
  assert.equal(failed.attributes["websocket.close.code"], 1006);
  assert.equal(failed.attributes["websocket.errors"], 1);
  assert.equal(failed.attributes["server.port"], 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("hooks that throw are counted and the messages still go", async () => {
  const page = await openGame();
  const out = await page.evaluate(async () => {
    const tracer = window.arena.tracer;
    const ws = tracer.instrumentWebSocket(new WebSocket(`ws://${location.host}/api/game/ws`), {
      inject() { throw new Error("inject broke"); },
      extract() { throw new Error("extract broke"); },
    });
    const got = [];
    ws.addEventListener("message", (e) => got.push(JSON.parse(e.data)));
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    let actionTrace;
    await tracer.action("hooked", undefined, async (span) => {
      actionTrace = span.spanContext().traceId;
      ws.send(JSON.stringify({ type: "chat", player: "hooks", text: "still sent" }));
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    });
    return { got, actionTrace, stats: tracer.stats() };
  });
  assert.equal(out.got[0].text, "still sent", "the game's listener got the broadcast");
  // The message went without context, so the server started a trace of its own.
  assert.match(out.got[0].traceparent, /^00-[0-9a-f]{32}-/);
  assert.notEqual(out.got[0].traceparent.split("-")[1], out.actionTrace, "the server made its own context");
  assert.equal(out.stats.hookErrors, 2, "one inject and one extract");

  await page.context().close();
});

test("instrument: { webSocket: true } traces the sockets the game opens itself", async () => {
  // A page of another origin: the devserver lets it open the chat because it was told to.
  const h = await start();
  const other = await startGame([h.origins.page]);
  const base = other.base;
  const storedTrace = (id, ok, ms) => other.storedTrace(id, ok, ms);
  try {
    const page = await h.page(undefined, true);
    const out = await page.evaluate(async (url) => {
      const tracer = window.pt.init({ serviceName: "wrapped", flushIntervalMs: 100, instrument: { webSocket: true } });
      // Game code that knows nothing of playtrace.
      const ws = new WebSocket(url);
      const isSocket = ws instanceof WebSocket && WebSocket.OPEN === 1;
      await new Promise((r) => ws.addEventListener("open", r, { once: true }));
      const line = await tracer.action("wave", undefined, () => new Promise((resolve) => {
        ws.onmessage = (e) => resolve(JSON.parse(e.data));
        ws.send(JSON.stringify({ type: "chat", player: "wrapped", text: "o/" }));
      }));
      tracer.flush();
      return { isSocket, line };
    }, `${base.replace("http", "ws")}/api/game/ws`);
    assert.ok(out.isSocket, "the wrapper is still a WebSocket");
    await h.waitForSpans((s) => s.some((x) => x.name === "receive /api/game/ws") && s.some((x) => x.name === "connect /api/game/ws"));
    const spans = h.spans();
    const wave = spans.find((s) => s.name === "wave");
    const send = spans.find((s) => s.name === "send /api/game/ws");
    assert.equal(send.parentSpanId, wave.spanId);
    const [, traceId, broadcastId] = out.line.traceparent.split("-");
    assert.equal(traceId, wave.traceId, "the server answered in the action's trace");
    const receive = spans.find((s) => s.name === "receive /api/game/ws");
    assert.equal(receive.parentSpanId, broadcastId, "the receive is the server's broadcast's child");
    const server = await storedTrace(traceId, (s) => s.some((x) => x.name === "process chat"));
    assert.equal(server.find((x) => x.name === "process chat").parentSpanId, send.spanId);
    assert.deepEqual(page.errors, []);
  } finally {
    await h.stop();
    await other.stop("SIGKILL");
  }
});

test("a socket handed over before the engine loads is traced from its start", async () => {
  // A page of another origin: the devserver lets it open the chat because it was told to.
  const h = await start();
  const other = await startGame([h.origins.page]);
  const base = other.base;
  const storedTrace = (id, ok, ms) => other.storedTrace(id, ok, ms);
  try {
    const url = `${base.replace("http", "ws")}/api/game/ws`;
    const page = await h.early(`
      import "/pkg/websocket.js";
      const tracer = pt.init({ serviceName: "early-ws", flushIntervalMs: 100 });
      const made = performance.now();
      const ws = tracer.instrumentWebSocket(new WebSocket(${JSON.stringify(url)}));
      await pt.ready();
      await new Promise((r) => (ws.readyState === 1 ? r() : ws.addEventListener("open", r, { once: true })));
      const line = await tracer.action("hello", undefined, () => new Promise((resolve) => {
        ws.addEventListener("message", (e) => resolve(JSON.parse(e.data)), { once: true });
        ws.send(JSON.stringify({ type: "chat", player: "early", text: "hi" }));
      }));
      tracer.flush();
      window.done = { made, line };
    `);
    await page.waitForFunction(() => window.done !== undefined);
    const { line } = await page.evaluate(() => window.done);
    await h.waitForSpans((s) => s.some((x) => x.name === "connect /api/game/ws") && s.some((x) => x.name === "receive /api/game/ws"));
    const spans = h.spans();
    const connect = spans.find((s) => s.name === "connect /api/game/ws");
    const hello = spans.find((s) => s.name === "hello");
    assert.ok(BigInt(connect.endTimeUnixNano) > BigInt(connect.startTimeUnixNano), "from the socket's creation to its open");
    assert.ok(BigInt(connect.endTimeUnixNano) <= BigInt(hello.startTimeUnixNano));
    assert.equal(line.traceparent.split("-")[1], hello.traceId, "the server continued the action's trace");
    assert.deepEqual(page.errors, []);
  } finally {
    await h.stop();
    await other.stop("SIGKILL");
  }
});

test("an inject hook gets the send span's traceparent, and tracestate and baggage when there are any", async () => {
  // A page of another origin: the devserver lets it open the chat because it was told to.
  const h = await start();
  const other = await startGame([h.origins.page]);
  const base = other.base;
  const storedTrace = (id, ok, ms) => other.storedTrace(id, ok, ms);
  try {
    const page = await h.page(undefined, true);
    const carriers = await page.evaluate(async (url) => {
      const tracer = window.pt.init({ serviceName: "hooks", flushIntervalMs: 100 });
      const seen = [];
      const ws = tracer.instrumentWebSocket(new WebSocket(url), {
        inject(data, carrier) { seen.push({ ...carrier }); return data; },
      });
      await new Promise((r) => ws.addEventListener("open", r, { once: true }));
      const line = JSON.stringify({ type: "chat", player: "hooks", text: "a" });
      await tracer.action("plain", undefined, () => ws.send(line));
      tracer.setBaggage("player.tier", "gold");
      const parent = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, traceState: "rojo=00f067aa0ba902b7" };
      await tracer.action("carried", { parent }, () => ws.send(line));
      tracer.flush();
      return seen;
    }, `${base.replace("http", "ws")}/api/game/ws`);
    await h.waitForSpans((s) => s.filter((x) => x.name === "send /api/game/ws").length === 2);
    const sends = h.spans().filter((s) => s.name === "send /api/game/ws");
    const plain = sends.find((s) => s.traceId !== "4bf92f3577b34da6a3ce929d0e0e4736");
    const carried = sends.find((s) => s.traceId === "4bf92f3577b34da6a3ce929d0e0e4736");
    // The flags are the span's own: sampled, and random where playtrace made the trace ID.
    const flags = (s) => (s.flags & 0xff).toString(16).padStart(2, "0");
    assert.equal(flags(plain), "03");
    assert.deepEqual(carriers[0], { traceparent: `00-${plain.traceId}-${plain.spanId}-03` });
    assert.deepEqual(carriers[1], {
      traceparent: `00-${carried.traceId}-${carried.spanId}-${flags(carried)}`,
      tracestate: "rojo=00f067aa0ba902b7",
      baggage: "player.tier=gold",
    });
    assert.deepEqual(page.errors, []);
  } finally {
    await h.stop();
    await other.stop("SIGKILL");
  }
});

test("without playtrace/websocket, sockets go untraced and the console says once what to import", async () => {
  const h = await start();
  try {
    const page = await h.page();
    const warnings = [];
    page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
    const out = await page.evaluate(() => {
      const tracer = window.pt.init({ serviceName: "no-sockets", instrument: { webSocket: true } });
      const Before = WebSocket;
      const ws = new WebSocket("ws://127.0.0.1:1/nowhere");
      const same = tracer.instrumentWebSocket(ws) === ws;
      tracer.instrumentWebSocket(new WebSocket("ws://127.0.0.1:1/again"));
      const hooked = typeof ws.send === "function" && Object.prototype.hasOwnProperty.call(ws, "send");
      return { same, hooked, unwrapped: WebSocket === Before };
    });
    assert.deepEqual(out, { same: true, hooked: false, unwrapped: true });
    const said = warnings.filter((w) => w.includes('import "playtrace/websocket"'));
    assert.equal(said.length, 1, JSON.stringify(warnings));
    assert.ok(said[0].includes("instrument.webSocket"), said[0]);
    assert.deepEqual(page.errors, []);
  } finally {
    await h.stop();
  }
});
