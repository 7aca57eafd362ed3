// The whole promise, end to end: the real devserver binary serves the built game; a click in
// Chromium becomes one trace in the store (action, fetch, the SDK's server span and its child);
// closing the page loses nothing; an API error shows on both sides; the viewer draws the trace.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { root, startGame } from "./game.mjs";

let game, base, browser;

before(async () => {
  game = await startGame();
  ({ base, browser } = game);
});

after(async () => {
  await game?.stop();
});

const openGame = () => game.openGame();
const storedTrace = (id, ok, ms) => game.storedTrace(id, ok, ms);


/** Clicks `selector` and returns the trace ID the game links for that action. */
async function clickAction(page, selector) {
  const before = await page.locator("#log a").count();
  const clickedAt = Date.now();
  await page.click(selector);
  await page.waitForFunction((n) => document.querySelectorAll("#log a").length > n, before);
  const traceId = await page.locator("#log a").first().getAttribute("data-trace-id");
  return { traceId, clickedAt };
}

const timings = [];

test("a click yields one trace: action, fetch, the SDK's server span and its child", async () => {
  const page = await openGame();
  const { traceId, clickedAt } = await clickAction(page, "#buy-sword");
  await page.evaluate(() => window.arena.tracer.flush());
  const spans = await storedTrace(traceId, (s) => s.some((x) => x.name === "buy_item") && s.some((x) => x.kind === 3) && s.some((x) => x.name === "db.update wallet"));
  timings.push(Date.now() - clickedAt);
  const action = spans.find((s) => s.name === "buy_item");
  const fetchSpan = spans.find((s) => s.kind === 3);
  const serverSpan = spans.find((s) => s.kind === 2);
  const child = spans.find((s) => s.name === "db.update wallet");
  assert.equal(action.service, "arena-web");
  assert.equal(action.parent, null, "the action is the root");
  assert.equal(fetchSpan.parentSpanId, action.spanId, "fetch under the action");
  assert.equal(fetchSpan.service, "arena-web");
  assert.equal(serverSpan.parentSpanId, fetchSpan.spanId, "the SDK's server span under the fetch");
  assert.equal(serverSpan.service, "arena-api");
  assert.equal(serverSpan.name, "POST /api/game/buy");
  assert.equal(child.parentSpanId, serverSpan.spanId, "the server's own child");
  assert.ok(spans.every((s) => s.traceId === traceId), "one trace ID");
  assert.equal(action.attributes["game.item"], "sword");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("closing the page right after several actions loses none of their spans", async () => {
  const page = await openGame();
  const ids = [];
  for (const sel of ["#buy-potion", "#submit-score", "#leaderboard", "#buy-shield"]) ids.push((await clickAction(page, sel)).traceId);
  await page.close({ runBeforeUnload: true }); // no flush: pagehide must deliver them
  for (const id of ids) {
    const spans = await storedTrace(id, (s) => s.some((x) => x.kind === 3) && s.some((x) => x.parent === null && x.service === "arena-web"));
    assert.ok(spans.some((s) => s.kind === 2), `trace ${id} has its server span`);
  }
});

test("an API error is an error on the client and the server spans", async () => {
  const page = await openGame();
  const { traceId } = await clickAction(page, "#buy-glitch");
  await page.evaluate(() => window.arena.tracer.flush());
  const spans = await storedTrace(traceId, (s) => s.some((x) => x.kind === 3) && s.some((x) => x.kind === 2));
  const client = spans.find((s) => s.kind === 3);
  const server = spans.find((s) => s.kind === 2);
  assert.equal(client.status.code, 2, "client span is an error");
  assert.equal(client.attributes["http.response.status_code"], 500);
  assert.equal(server.status.code, 2, "server span is an error");
  assert.equal(spans.find((s) => s.name === "buy_item").status.code, 2, "the action failed too");
  assert.ok((await page.locator("#log .error").count()) >= 1, "the game shows the failure");
  await page.context().close();
});

test("the viewer draws the trace's waterfall from the stored spans", async () => {
  const page = await openGame();
  const { traceId } = await clickAction(page, "#buy-potion");
  await page.evaluate(() => window.arena.tracer.flush());
  const spans = await storedTrace(traceId, (s) => s.length >= 5);
  const viewer = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await viewer.goto(`${base}/viewer/#trace=${traceId}`);
  await viewer.waitForFunction((id) => document.body.dataset.rendered === id, traceId);
  const shot = join(root, "target", "viewer-waterfall.png");
  await viewer.screenshot({ path: shot });
  const rows = await viewer.$$eval(".row", (rs) => rs.map((r) => ({ id: r.dataset.spanId, name: r.dataset.name, service: r.dataset.service, depth: Number(r.dataset.depth) })));
  assert.equal(rows.length, spans.length, "one row a stored span");
  assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(spans.map((s) => s.spanId)));
  const depth = (s) => (s.parent ? depth(spans.find((p) => p.spanId === s.parent.spanId)) + 1 : 0);
  for (const s of spans) assert.equal(rows.find((r) => r.id === s.spanId).depth, depth(s), `${s.name} nested under its parent`);
  const services = new Set(rows.map((r) => r.service));
  assert.ok(services.has("arena-web") && services.has("arena-api"), "client and server spans in one tree");
  const widths = await viewer.$$eval(".bar", (bs) => bs.map((b) => parseFloat(b.style.width)));
  assert.ok(Math.abs(widths[0] - 100) < 0.01, "the root spans the whole trace");
  assert.ok(widths.every((w) => w <= 100.001));
  await viewer.click(".row >> nth=2");
  assert.match(await viewer.textContent("#details"), /"spanId"/, "attributes and events on selection");
  console.log(`viewer screenshot: ${shot}`);
  await viewer.context().close();
  await page.context().close();
});

/**
 * The selected action's input-to-result bar: its legend and its parts, which must lie inside it
 * in time order, the wait for the frame ending it.
 */
async function inputToResult(viewer) {
  const legend = await viewer.textContent("#details .input-to-result .legend");
  const parts = await viewer.$$eval("#details .i2r div", (ds) => ds.map((d) => ({ part: d.dataset.part, left: parseFloat(d.style.left), width: parseFloat(d.style.width) })));
  const part = (p) => parts.find((x) => x.part === p);
  assert.ok(parts.every((p) => p.left >= 0 && p.left + p.width <= 100.01), JSON.stringify(parts));
  const action = part("action"), wait = part("wait");
  const end = wait === undefined ? action : wait; // a frame that began as the action settled
  assert.ok(wait === undefined || Math.abs(wait.left - (action.left + action.width)) < 0.01, "the wait follows the action");
  assert.ok(end.left + end.width > 99.9, "the bar ends with the result frame");
  return { legend, parts, part };
}

test("the heavy-frame spell shows as a long frame with its script, and the viewer draws the game's figures", async () => {
  const page = await openGame();
  // A click first: its action has the input's timing and the frame that showed its result.
  const { traceId: buyTrace } = await clickAction(page, "#buy-potion");
  const before = await page.locator("#log a").count();
  await page.keyboard.press("h");
  await page.waitForFunction((n) => document.querySelectorAll("#log a").length > n, before);
  const spellTrace = await page.locator("#log a").first().getAttribute("data-trace-id");
  await page.waitForTimeout(300); // the Long Animation Frame entry comes after its frame
  await page.evaluate(() => window.arena.tracer.flush());
  const spell = await storedTrace(spellTrace, (s) => s.some((x) => x.name === "cast_spell") && s.some((x) => x.name === "long-animation-frame"));
  const cast = spell.find((s) => s.name === "cast_spell");
  const long = cast.events.filter((e) => e.name === "long-frame");
  assert.ok(long.some((e) => e.attributes["frame.duration_ms"] >= 140), `a long frame of the spell's 150 ms: ${JSON.stringify(long)}`);
  assert.ok(cast.attributes["frames.max_ms"] >= 140);
  assert.equal(cast.attributes["input.type"], "keydown");
  const loaf = spell.find((s) => s.name === "long-animation-frame");
  assert.equal(loaf.parentSpanId, cast.spanId);
  assert.match(loaf.attributes["loaf.script.source_url"], /\/game\.js$/, "the browser blames the game's script");
  assert.equal(loaf.attributes["loaf.script.invoker_type"], "user-callback");
  const buy = await storedTrace(buyTrace, (s) => s.some((x) => x.name === "buy_item" && x.attributes["action.result_frame_ms"] !== undefined));
  const action = buy.find((s) => s.name === "buy_item");
  const fetchSpan = buy.find((s) => s.kind === 3);
  assert.equal(action.attributes["input.type"], "click");
  assert.ok(action.attributes["action.result_frame_ms"] > (fetchSpan.endNs - fetchSpan.startNs) / 1e6, "the result frame comes after the fetch");
  await page.context().close();

  const viewer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await viewer.goto(`${base}/viewer/#trace=${spellTrace}`);
  await viewer.waitForFunction((id) => document.body.dataset.rendered === id, spellTrace);
  // The long frame is a block on the action's row, as long as the frame on the axis.
  const block = await viewer.$eval(`.row[data-name="cast_spell"] .long-frame`, (b) => {
    const track = b.parentElement.getBoundingClientRect(), r = b.getBoundingClientRect();
    return { width: r.width, track: track.width, title: b.title };
  });
  const traceMs = Math.max(...spell.map((s) => s.endNs)) / 1e6 - Math.min(...spell.map((s) => s.startNs)) / 1e6;
  const frameMs = Math.max(...long.map((e) => e.attributes["frame.duration_ms"]));
  assert.ok(Math.abs(block.width - (frameMs / traceMs) * block.track) < 3, `block ${block.width}px for ${frameMs} of ${traceMs} ms on ${block.track}px`);
  assert.match(block.title, /long frame \d+\.\d ms/);
  await viewer.click(`.row[data-name="cast_spell"]`);
  const frames = await viewer.textContent("#details .frames");
  assert.match(frames, new RegExp(`${cast.attributes["frames.count"]} frames? · p50 .* · max ${cast.attributes["frames.max_ms"].toFixed(1)} ms · ${cast.attributes["frames.long_count"]} long`));
  // The key press's next paint waited for the heavy frame, so the browser reported its Event
  // Timing: the bar has every part but requests, which the spell makes none of.
  assert.ok(cast.attributes["input.presentation_delay_ms"] >= 100, `presentation delay ${cast.attributes["input.presentation_delay_ms"]}`);
  const spellBar = await inputToResult(viewer);
  assert.match(spellBar.legend, new RegExp(`keydown → result frame ${cast.attributes["action.result_frame_ms"].toFixed(1)} ms`));
  assert.match(spellBar.legend, /input delay [\d.]+.*handler [\d.]+.*action [\d.]+.*to the frame [\d.]+/);
  assert.doesNotMatch(spellBar.legend, /requests/);
  assert.ok(spellBar.part("handler").left >= spellBar.part("delay").left && spellBar.part("action").left >= spellBar.part("handler").left);
  await viewer.screenshot({ path: join(root, "target", "viewer-frames.png") });

  await viewer.goto(`${base}/viewer/#trace=${buyTrace}`);
  await viewer.waitForFunction((id) => document.body.dataset.rendered === id, buyTrace);
  await viewer.click(`.row[data-name="buy_item"]`);
  const buyBar = await inputToResult(viewer);
  assert.match(buyBar.legend, new RegExp(`click → result frame ${action.attributes["action.result_frame_ms"].toFixed(1)} ms`));
  assert.match(buyBar.legend, /action [\d.]+.*requests & server [\d.]+.*to the frame [\d.]+/);
  // A click under 16 ms has no Event Timing entry; the bar shows its parts only where there is.
  const timed = action.attributes["input.delay_ms"] !== undefined;
  assert.equal(/input delay/.test(buyBar.legend), timed);
  assert.equal(buyBar.part("delay") !== undefined, timed && action.attributes["input.delay_ms"] > 0);
  // The requests lie within the action.
  const net = buyBar.parts.filter((p) => p.part === "net");
  const act = buyBar.part("action");
  assert.ok(net.length >= 1 && net.every((n) => n.left >= act.left - 0.01 && n.left + n.width <= act.left + act.width + 0.01));
  await viewer.screenshot({ path: join(root, "target", "viewer-input.png") });
  await viewer.context().close();
});

after(() => {
  if (timings.length) console.log(`click to stored trace: ${timings.map((t) => `${t} ms`).join(", ")}`);
});

test("the Phaser demo: its scene loads and a Play action with the server's spans, in the viewer", async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${base}/phaser/`);
  await page.waitForFunction(() => window.menuReady === true, null, { timeout: 30000 });
  // The Play button sits at the top centre of the 480x270 canvas.
  const box = await page.locator("canvas").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + (60 / 270) * box.height);
  const list = async () => (await (await fetch(`${base}/api/traces?limit=50`)).json()).filter((t) => t.services.includes("phaser-demo"));
  const until = Date.now() + 20000;
  let traces = [];
  while (Date.now() < until) {
    traces = await list();
    if (traces.some((t) => t.rootName === "game.boot") && traces.some((t) => t.rootName === "menu.play")) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const boot = traces.find((t) => t.rootName === "game.boot");
  const play = traces.find((t) => t.rootName === "menu.play");
  assert.ok(boot && play, `traces: ${traces.map((t) => t.rootName).join(", ")}`);
  const loadSpans = await storedTrace(boot.traceId, (s) => s.some((x) => x.name === "scene.load Boot") && s.filter((x) => x.name.startsWith("load ")).length === 4);
  const failed = loadSpans.find((s) => s.name === "load json music");
  assert.equal(failed.status.code, 2, "the missing file is an error");
  const playSpans = await storedTrace(play.traceId, (s) => s.some((x) => x.kind === 2 && x.name === "GET /api/game/leaderboard"));
  const action = playSpans.find((s) => s.name === "menu.play");
  assert.ok(action.attributes["frames.count"] >= 1, "frames from Phaser's loop");

  const viewer = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  for (const [trace, shot, rowsWanted] of [
    [boot.traceId, "viewer-phaser-load.png", ["game.boot", "scene.start Boot", "scene.load Boot", "load svg ship", "load json music"]],
    [play.traceId, "viewer-phaser-action.png", ["menu.play", "GET", "GET /api/game/leaderboard"]],
  ]) {
    await viewer.goto(`${base}/viewer/#trace=${trace}`);
    await viewer.waitForFunction((id) => document.body.dataset.rendered === id, trace);
    const rows = await viewer.$$eval(".row", (rs) => rs.map((r) => r.dataset.name));
    for (const name of rowsWanted) assert.ok(rows.includes(name), `${shot}: no ${name} row in ${rows.join(", ")}`);
    await viewer.screenshot({ path: join(root, "target", shot) });
  }
  assert.match(await viewer.textContent("#title"), /Critical path \(orange\): menu\.play → GET \/api\/game\/leaderboard → GET \/api\/game\/leaderboard/);
  await viewer.context().close();
  assert.deepEqual(errors, []);
  await page.context().close();
});
