// The devserver's trace viewer in headless Chromium, on a stored trace made to be hard to lay
// out: two services, spans from a whole request down to a sliver at the very end, long names,
// typed attributes, events, an error. It checks what a reader sees: the time axis and its ticks
// inside it, labels that overlap no bar and no other label, kind and status names, the
// attribute table with types, events as markers and as a list with offsets, resource and scope
// once per service, the critical path, the filters, and the raw JSON one click away. Beside it,
// a later trace of 12.5 s from a service whose name holds a comma, with a CORS preflight and a
// bare "GET", and a trace of a preflight alone: the list (newest first, with start times), the
// lookup by trace ID, rounded numbers, paths on the critical path, preflights hidden by default.
// The screenshots are written to target/viewer.png, target/viewer-details.png and
// target/viewer-list.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startProcess } from "../process.mjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const TRACE = "5b8efff798038103d269b633813fc60c";
const T0 = 1796000000000000000n;
const at = (ms) => String(T0 + BigInt(Math.round(ms * 1e6)));
const id = (n) => n.toString(16).padStart(16, "0");
const str = (v) => ({ stringValue: v }), int = (v) => ({ intValue: String(v) }), dbl = (v) => ({ doubleValue: v });
const kv = (o) => Object.entries(o).map(([key, value]) => ({ key, value }));

function span(n, parent, name, kind, startMs, endMs, extra = {}) {
  return { traceId: TRACE, spanId: id(n), parentSpanId: parent ? id(parent) : "", name, kind,
    startTimeUnixNano: at(startMs), endTimeUnixNano: at(endMs), ...extra };
}

const body = {
  resourceSpans: [
    {
      resource: { attributes: kv({ "service.name": str("arena-web"), "service.version": str("0.1.0"), "telemetry.sdk.name": str("playtrace") }) },
      scopeSpans: [{ scope: { name: "playtrace", version: "0.1.0" }, spans: [
        span(1, 0, "shop.buy", 1, 0, 120, {
          flags: 0x303, traceState: "rojo=00f067aa0ba902b7",
          attributes: kv({ "item.id": int(42), "price.ratio": dbl(1.5), "player.vip": { boolValue: true }, "item.tags": { arrayValue: { values: [str("sword"), str("rare")] } } }),
          events: [{ name: "clicked", timeUnixNano: at(0.5) }, { name: "paid", timeUnixNano: at(101), attributes: kv({ coins: int(300) }) }],
        }),
        span(2, 1, "POST", 3, 4, 102, { events: [{ name: "request", timeUnixNano: at(6) }, { name: "first_byte", timeUnixNano: at(98) }] }),
        span(3, 1, "render.result-frame-with-a-rather-long-name-that-must-be-cut", 1, 118.5, 119.9),
      ] }],
    },
    {
      resource: { attributes: kv({ "service.name": str("arena-api"), "host.name": str("api-1") }) },
      scopeSpans: [{ scope: { name: "opentelemetry-rust", version: "0.31.0" }, spans: [
        span(4, 2, "POST /api/game/buy", 2, 8, 99, { status: { code: 2, message: "not enough coins" } }),
        span(5, 4, "validate", 1, 8.2, 8.4),
        span(6, 4, "db.query", 3, 9, 97, { attributes: kv({ "db.system.name": str("sqlite") }) }),
      ] }],
    },
  ],
};

// A game's menu action, a minute after the first trace, from a service named with a comma.
const LATER = "0af7651916cd43dd8448eb211c80319c";
const PREFLIGHT_ONLY = "c0ffee00c0ffee00c0ffee00c0ffee00";
const later = (n, parent, name, kind, startMs, endMs, extra = {}) =>
  ({ ...span(n, parent, name, kind, 60_000 + startMs, 60_000 + endMs, extra), traceId: LATER });
const laterBody = {
  resourceSpans: [
    {
      resource: { attributes: kv({ "service.name": str("arena, eu-west") }) },
      scopeSpans: [{ scope: { name: "playtrace" }, spans: [
        later(11, 0, "menu.play", 1, 0, 12_500, { attributes: kv({ "action.result_frame_ms": dbl(712.1000000000931), "frames.p50_ms": dbl(16.699999999999818) }) }),
        later(12, 11, "GET", 3, 100, 12_400, { attributes: kv({ "url.full": str("http://api.example/api/score?season=4"), "http.request.method": str("GET") }) }),
      ] }],
    },
    {
      resource: { attributes: kv({ "service.name": str("arena-api") }) },
      scopeSpans: [{ scope: { name: "opentelemetry-js" }, spans: [
        later(13, 11, "OPTIONS", 2, 50, 60, { attributes: kv({ "http.request.method": str("OPTIONS") }) }),
        later(14, 12, "GET /api/score", 2, 150, 12_350, { attributes: kv({ "http.route": str("/api/score") }) }),
        { ...span(15, 0, "OPTIONS", 2, 59_000, 59_001, { attributes: kv({ "http.method": str("OPTIONS") }) }), traceId: PREFLIGHT_ONLY },
      ] }],
    },
  ],
};

let server, base, browser;

before(async () => {
  const db = join(mkdtempSync(join(tmpdir(), "playtrace-viewer-")), "traces.sqlite");
  server = await startProcess(join(root, "target/devserver/playtrace-devserver"), ["--addr", "127.0.0.1:0", "--db", db],
    { ready: /viewer\s+(http:\/\/127\.0\.0\.1:\d+)\/viewer\//, what: "the devserver" });
  base = server.match[1];
  for (const b of [body, laterBody]) {
    const res = await fetch(`${base}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
    assert.equal(res.status, 200, await res.text());
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop("SIGKILL"); // a temporary store; a graceful stop would wait for idle connections
});

const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

/** Runs `check` on a fresh page of a 1280x760 window. */
async function inPage(check) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  try {
    await check(await context.newPage());
  } finally {
    await context.close();
  }
}

test("the viewer lays a trace out readably and explains each span", () => inPage(checkViewer));

async function checkViewer(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/viewer/#trace=${TRACE}`);
  await page.waitForFunction((t) => document.body.dataset.rendered === t, TRACE);

  const layout = await page.evaluate(() => {
    const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
    const text = (e) => { const r = document.createRange(); r.selectNodeContents(e); const b = r.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
    return {
      axis: box(document.getElementById("axis")),
      ticks: [...document.querySelectorAll(".tick")].map((t) => ({ line: box(t), label: text(t.querySelector("span")), text: t.textContent, shown: !t.querySelector("span").hidden })),
      bars: [...document.querySelectorAll(".bar")].map(box),
      labels: [...document.querySelectorAll(".row .label, .row .dur")].map((e) => ({ box: box(e), text: text(e), cls: e.className })),
      kinds: [...document.querySelectorAll(".row .kind")].map((e) => e.textContent),
      markers: document.querySelectorAll(".event-marker").length,
      critical: [...document.querySelectorAll(".row")].filter((r) => r.dataset.critical === "true").map((r) => r.dataset.name),
      services: document.getElementById("services").textContent,
    };
  });
  await page.screenshot({ path: join(root, "target", "viewer.png") });

  // The time axis: ticks from 0 ms, every tick line and label inside the axis, labels apart.
  assert.ok(layout.ticks.length >= 4, `ticks: ${layout.ticks.map((t) => t.text)}`);
  assert.equal(layout.ticks[0].text, "0 ms");
  const inside = (b, a) => b.x >= a.x - 0.5 && b.x + b.width <= a.x + a.width + 0.5 && b.y >= a.y - 0.5 && b.y + b.height <= a.y + a.height + 0.5;
  const labelled = layout.ticks.filter((t) => t.shown);
  assert.ok(labelled.length >= 4 && labelled.at(-1).text === "120 ms", `labels: ${labelled.map((t) => t.text)}`);
  for (const t of layout.ticks) assert.ok(inside(t.line, layout.axis), `tick ${t.text} outside the axis`);
  for (const t of labelled) assert.ok(inside(t.label, layout.axis), `tick label ${t.text} outside the axis`);
  for (let i = 1; i < labelled.length; i++) {
    assert.ok(labelled[i - 1].label.x + labelled[i - 1].label.width + 4 <= labelled[i].label.x, `tick labels ${labelled[i - 1].text} and ${labelled[i].text} touch`);
  }

  // Labels (names and durations) overlap no bar and no other label.
  assert.equal(layout.bars.length, 6);
  for (const [i, l] of layout.labels.entries()) {
    for (const b of layout.bars) assert.ok(!overlap(l.text, b), `label ${i} (${l.cls}) overlaps a bar`);
    for (const [j, m] of layout.labels.entries()) if (j !== i) assert.ok(!overlap(l.text, m.text), `labels ${i} and ${j} overlap`);
  }
  assert.deepEqual(layout.kinds, ["internal", "client", "server", "internal", "client", "internal"]);
  assert.equal(layout.markers, 4, "one marker per event");
  // The critical path: the last frame (it ends the action), the request, the server span, its
  // query and the validation before it; the action itself.
  assert.deepEqual(layout.critical, ["shop.buy", "POST", "POST /api/game/buy", "validate", "db.query",
    "render.result-frame-with-a-rather-long-name-that-must-be-cut"]);
  // Resource and scope once per service.
  assert.match(layout.services, /arena-web.*scope playtrace 0\.1\.0.*service\.version.*0\.1\.0/s);
  assert.match(layout.services, /arena-api.*scope opentelemetry-rust 0\.31\.0.*host\.name.*api-1/s);

  // A span's details: kind and status names, attributes with their types, events with offsets.
  await page.click(".row[data-name='shop.buy']");
  const details = await page.locator("#details").innerText();
  assert.match(details, /arena-web · internal · status unset · 120\.0 ms/);
  assert.match(details, /trace flags 03 \(sampled, random\) · tracestate rojo=00f067aa0ba902b7/);
  const rows = await page.$$eval("#details table tr", (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [["item.id", "42", "int"], ["item.tags", '["sword","rare"]', "array"],
    ["player.vip", "true", "bool"], ["price.ratio", "1.5", "double"]], "sorted by key, without resource and scope");
  await page.locator("#services summary").click();
  await page.screenshot({ path: join(root, "target", "viewer-details.png") });
  assert.match(details, /\+0\.5 ms\s+clicked/);
  assert.match(details, /\+101\.0 ms\s+paid \{"coins":300\}/);
  assert.ok(!details.includes('"spanId"'), "the raw JSON waits for a click");
  await page.click("#details button");
  assert.match(await page.locator("#details pre").innerText(), /"spanId": "0000000000000001"/);
  await page.click(".row[data-name='POST /api/game/buy']");
  assert.match(await page.locator("#details").innerText(), /arena-api · server · status error: not enough coins/);

  // Filters: the list by service, name, error and duration; the waterfall dims the rest.
  const listed = () => page.$$eval("#traces a", (as) => as.map((a) => a.dataset.traceId));
  await page.selectOption("#f-service", "arena-web");
  assert.deepEqual(await listed(), [TRACE]);
  await page.selectOption("#f-service", "arena-api");
  assert.deepEqual(await listed(), [LATER, TRACE]);
  await page.fill("#f-min", "500");
  assert.deepEqual(await listed(), [LATER], "only the 12.5 s trace lasts 500 ms");
  await page.fill("#f-min", "50");
  await page.check("#f-error");
  assert.deepEqual(await listed(), [TRACE]);
  const dimmed = await page.$$eval(".row", (rs) => rs.filter((r) => !r.classList.contains("dim")).map((r) => r.dataset.name));
  assert.deepEqual(dimmed, ["POST /api/game/buy"]);
  await page.fill("#f-name", "nothing-like-it");
  assert.equal(await page.locator("#traces a").count(), 0);
  assert.deepEqual(errors, []);
}

test("the trace list shows when each trace started, finds a trace by ID and hides CORS preflights", () => inPage(checkList));

async function checkList(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/viewer/`);
  await page.waitForSelector("#traces a");
  const list = () => page.$$eval("#traces a", (as) => as.map((a) => ({ id: a.dataset.traceId, text: a.innerText, when: a.querySelector("time")?.title })));

  // Newest first, each with its start (relative, absolute on hover), duration, span count and
  // services; the preflight-only trace is hidden; a service name with a comma stays whole.
  let shown = await list();
  assert.deepEqual(shown.map((t) => t.id), [LATER, TRACE]);
  assert.match(shown[0].text, /^menu\.play\n\d+ d ago · 12\.5 s · 4 spans · arena, eu-west · arena-api$/);
  assert.match(shown[1].text, /^shop\.buy!?\n\d+ d ago · 120\.0 ms · 6 spans · /);
  assert.equal(new Date(shown[0].when).getTime(), Number((T0 + 60_000_000_000n) / 1_000_000n));
  const services = await page.$$eval("#f-service option", (os) => os.map((o) => o.value));
  assert.deepEqual(services, ["", "arena, eu-west", "arena-api", "arena-web"]);
  await page.screenshot({ path: join(root, "target", "viewer-list.png") });

  await page.uncheck("#f-preflight");
  await page.waitForFunction(() => document.querySelectorAll("#traces a").length === 3);
  assert.deepEqual((await list()).map((t) => t.id), [LATER, PREFLIGHT_ONLY, TRACE]);
  await page.check("#f-preflight");
  await page.waitForFunction(() => document.querySelectorAll("#traces a").length === 2);

  // Looking a trace up: a prefix narrows the list; a whole ID and Enter open it, listed or not.
  await page.fill("#f-trace", LATER.slice(0, 6));
  assert.deepEqual((await list()).map((t) => t.id), [LATER]);
  await page.fill("#f-trace", PREFLIGHT_ONLY);
  await page.press("#f-trace", "Enter");
  await page.waitForFunction(() => /only CORS preflights/.test(document.getElementById("title").textContent));
  await page.uncheck("#f-preflight");
  await page.waitForFunction((t) => document.body.dataset.rendered === t, PREFLIGHT_ONLY);
  assert.deepEqual(await page.$$eval(".row", (rs) => rs.map((r) => r.dataset.name)), ["OPTIONS"]);
  await page.check("#f-preflight");
  await page.fill("#f-trace", "");

  // The later trace: the preflight under the action is hidden, the critical path names the
  // request by its path, durations past 10 s read in seconds, doubles are rounded.
  await page.goto(`${base}/viewer/#trace=${LATER}`);
  await page.waitForFunction((t) => document.body.dataset.rendered === t, LATER);
  assert.deepEqual(await page.$$eval(".row", (rs) => rs.map((r) => r.dataset.name)), ["menu.play", "GET", "GET /api/score"]);
  const title = await page.locator("#title").innerText();
  assert.match(title, /3 spans · 12\.5 s/);
  assert.match(title, /Critical path \(orange\): menu\.play → GET \/api\/score → GET \/api\/score$/m);
  assert.deepEqual(await page.$$eval(".row .dur", (ds) => ds.map((d) => d.textContent)), ["12.5 s", "12.3 s", "12.2 s"]);
  await page.click(".row[data-name='menu.play']");
  const rows = await page.$$eval("#details table tr", (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [["action.result_frame_ms", "712.1", "double"], ["frames.p50_ms", "16.7", "double"]]);
  assert.match(await page.locator("#details pre").textContent(), /712\.1000000000931/, "the raw JSON keeps the exact value");
  await page.uncheck("#f-preflight");
  await page.waitForFunction(() => document.querySelectorAll(".row").length === 4);
  assert.deepEqual(await page.$$eval(".row", (rs) => rs.map((r) => r.dataset.name)), ["menu.play", "OPTIONS", "GET", "GET /api/score"]);
  assert.deepEqual(errors, []);
}
