// Game code that wraps the browser functions the tracer calls, and calls the tracer from inside
// each wrapper (zone.js, error trackers and games' own timer wrappers do): `setTimeout`,
// `clearTimeout`, `fetch`, `sendBeacon`, `console.info` and `localStorage.setItem`. The tracer is
// entered again while it is calling out; nothing may trap, throw or be lost: every span that
// ended is accounted for, and every one the tracer says it sent arrives.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
});
after(async () => {
  await h.stop();
});

/**
 * In the page, before `init`: wraps each named function so that every call records a span and,
 * unless the wrapper is already inside itself (a game's flush from its own `fetch` wrapper would
 * loop with any tracer), also flushes and reads `stats()` before calling through. With
 * `quietFetch` the `fetch` wrapper only records and reads: a gzipped body reaches `fetch` after
 * its compression, outside the flush that sent it, so a wrapper that flushed on every call would
 * send one body per body without end (as with any tracer whose export is asynchronous).
 */
const WRAP = (quietFetch = false) => {
  const calls = {};
  const busy = {};
  window.calls = calls;
  const reenter = (name) => {
    calls[name] = (calls[name] || 0) + 1;
    const tracer = window.tracer;
    if (!tracer) return;
    const span = tracer.startSpan(`in-${name}`);
    span.end();
    if (quietFetch && name === "fetch") return void tracer.stats();
    if (busy[name]) return;
    busy[name] = true;
    try {
      tracer.flush();
      tracer.stats();
    } finally {
      busy[name] = false;
    }
  };
  const wrap = (owner, key, name) => {
    const original = owner[key];
    Object.defineProperty(owner, key, {
      configurable: true,
      writable: true,
      value: function (...args) {
        reenter(name);
        return original.apply(this, args);
      },
    });
  };
  wrap(window, "setTimeout", "setTimeout");
  wrap(window, "clearTimeout", "clearTimeout");
  wrap(window, "fetch", "fetch");
  wrap(Navigator.prototype, "sendBeacon", "sendBeacon");
  wrap(console, "info", "console.info");
  wrap(Storage.prototype, "setItem", "localStorage.setItem");
};

/** Hides the page as a tab switch does (the tracer sends what is queued by beacon). */
const HIDE = () => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
};

/** Spans that ended, by where `stats()` says each one is: the partition must add up. */
const accounted = (s) => s.queued + s.sending + s.waiting + s.exported + s.beaconed + s.persisted + s.printed
  + s.droppedQueueFull + s.droppedTooLarge + s.droppedSendFailed;

for (const compression of ["none", "gzip"]) test(`wrappers of every function the tracer calls may call the tracer (bodies ${compression}): nothing traps, nothing is lost`, async () => {
  const page = await h.page();
  await page.evaluate(WRAP, compression === "gzip");
  const service = `reentry-${compression}`;
  const out = await page.evaluate(async ({ other, service, compression }) => {
    const tracer = window.pt.init({ serviceName: service, compression, debug: true, flushIntervalMs: 50, batchSize: 8 });
    window.tracer = tracer;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) tracer.startSpan(`game-${round}-${i}`).end();
      await tracer.action(`act-${round}`, undefined, async () => {
        // Same origin: traced. Another origin: traced without headers, which debug says.
        await fetch("/echo");
        if (round === 0) await fetch(`${other}/echo`);
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    tracer.flush();
    // Never empty: each timer the tracer arms records a span in the game's wrapper, which the next
    // flush sends. Settled enough when nothing is in flight and the rounds were exported.
    for (let i = 0; i < 500 && (tracer.stats().sending > 0 || tracer.stats().exported < 120); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const visible = tracer.stats();
    for (let i = 0; i < 3; i++) tracer.startSpan(`before-hide-${i}`).end();
    window.dispatchEvent(new Event("pagehide"));
    const hidden = tracer.stats();
    const last = tracer.startSpan("still-works");
    last.end();
    return { visible, hidden, calls: window.calls, recording: last.isRecording() };
  }, { other: h.origins.other, service, compression });
  assert.deepEqual(page.errors, [], "nothing thrown or trapped");
  for (const name of ["setTimeout", "clearTimeout", "fetch", "sendBeacon", "console.info"]) {
    assert.ok(out.calls[name] > 0, `the game's ${name} wrapper was called: ${JSON.stringify(out.calls)}`);
  }
  const s = out.hidden;
  assert.equal(accounted(s), s.spansEnded, `every ended span is in one place: ${JSON.stringify(s)}`);
  assert.ok(out.visible.exported > 100, JSON.stringify(out.visible));
  assert.equal(s.waiting + s.droppedSendFailed + s.droppedQueueFull + s.droppedTooLarge, 0, JSON.stringify(s));
  // What was exported or handed to a beacon arrives, each span once. (Requests still in flight
  // when the stats were read arrive later: the wait is for every span named here.)
  const sent = s.exported + s.beaconed;
  const wanted = ["in-setTimeout", "in-clearTimeout", "in-fetch", "in-sendBeacon", "in-console.info", "before-hide-2"];
  for (let round = 0; round < 20; round++) wanted.push(`act-${round}`, `game-${round}-4`);
  const has = () => {
    const names = new Set(h.spansOf(service).map((x) => x.name));
    return wanted.filter((n) => !names.has(n));
  };
  await h.waitForSpans(() => h.spansOf(service).length >= sent && has().length === 0, 30_000).catch(() => {});
  assert.deepEqual(has(), [], `every span named arrived (${sent} sent)`);
  const mine = h.spansOf(service);
  assert.ok(mine.length >= sent, `${mine.length} arrived of ${sent} sent`);
  assert.equal(new Set(mine.map((x) => x.spanId)).size, mine.length, "no span twice");
  await page.context().close();
});

test("a wrapper of localStorage.setItem may call the tracer while spans are kept for the next visit", async () => {
  const page = await h.page();
  await page.evaluate(WRAP);
  const out = await page.evaluate(async (HIDE_SRC) => {
    // An endpoint where nothing listens: the first body fails, what follows waits, and hiding
    // the page keeps it all in localStorage.
    const tracer = window.pt.init({ serviceName: "reentry-kept", endpoint: "http://127.0.0.1:9/v1/traces", debug: true, flushIntervalMs: 50 });
    window.tracer = tracer;
    for (let i = 0; i < 10; i++) tracer.startSpan(`kept-${i}`).end();
    tracer.flush();
    for (let i = 0; i < 200 && tracer.stats().sendFailures === 0; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 5; i++) tracer.startSpan(`kept-late-${i}`).end();
    tracer.flush();
    new Function(HIDE_SRC)();
    await new Promise((r) => setTimeout(r, 100));
    const stats = tracer.stats();
    const kept = localStorage.getItem("playtrace:pending:v1") || "";
    return { stats, calls: window.calls, keptBytes: kept.length };
  }, `(${HIDE.toString()})()`);
  assert.deepEqual(page.errors, [], "nothing thrown or trapped");
  assert.ok(out.calls["localStorage.setItem"] > 0, JSON.stringify(out.calls));
  const s = out.stats;
  assert.equal(accounted(s), s.spansEnded, `every ended span is in one place: ${JSON.stringify(s)}`);
  assert.equal(s.exported, 0);
  assert.ok(s.persisted >= 15, `the page's spans were kept: ${JSON.stringify(s)}`);
  assert.equal(s.droppedSendFailed + s.droppedStorageFull, 0, JSON.stringify(s));
  await page.context().close();
});
