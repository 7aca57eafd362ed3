// Delivery as a user sees it, in headless Chromium: `stats().exported` counts only what the
// endpoint answered with 2xx; an endpoint without CORS, with nothing listening or answering 500
// is detected at the first flush and said once with its cause; spans of a page that closes while
// the endpoint is down arrive once with the next visit. Also the times a game passes, the
// tracer's lifecycle, and values that throw when read, each checked by what arrives.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { plainBody, start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
});
// Every collector still listening when the file ends is closed, whatever failed: one left
// listening keeps the test process alive until the suite's time limit.
const open = new Set();
after(async () => {
  await Promise.all([...open].map((c) => c.close()));
  await h.stop();
});

/** A collector on 127.0.0.1: `mode` "cors" (answers CORS, 200), "nogzip" (its CORS does not
 * allow Content-Encoding), "kept" and "unkept" (preflights answered in 400 ms, with and without
 * a two-hour max age), "nocors" (200, no CORS headers) or "500" (CORS, then 500). Keeps every
 * span it received, each body's encoding and its bytes as received and decoded. */
function collector(mode, port = 0) {
  const got = { requests: [], spans: [], encodings: [], sizes: [] };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    got.requests.push(req.method);
    if (mode !== "nocors" && req.headers.origin) {
      res.setHeader("Access-Control-Allow-Origin", req.headers.origin);
      res.setHeader("Access-Control-Allow-Credentials", "true");
      const asked = req.headers["access-control-request-headers"] || "content-type";
      res.setHeader("Access-Control-Allow-Headers", mode === "nogzip" ? "content-type" : asked);
    }
    if (req.method === "OPTIONS") {
      got.preflights = (got.preflights || 0) + 1;
      if (mode === "kept") res.setHeader("Access-Control-Max-Age", "7200");
      // A preflight that takes a while, as one across the internet does (and far longer than a
      // loaded machine adds to a request, so debug's timing cannot mistake one for the other).
      if (mode === "kept" || mode === "unkept") return setTimeout(() => res.writeHead(204).end(), 400);
      return res.writeHead(204).end();
    }
    if (mode === "500") return res.writeHead(500).end("broken");
    if (req.method !== "POST") return res.writeHead(405).end(); // a probe of the page's
    try {
      const raw = Buffer.concat(chunks);
      const plain = plainBody(req, raw);
      const body = JSON.parse(plain.toString("utf8"));
      if (!body.resourceSpans) { // debug's preflight probe: counts the preflighted ones
        if (!/-(simple|open)$/.test(req.url)) got.probes = (got.probes || 0) + 1;
        return res.writeHead(200).end("{}");
      }
      got.encodings.push(req.headers["content-encoding"] || "identity");
      got.sizes.push([raw.length, plain.length]);
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) got.spans.push(...s.spans);
    } catch {
      return res.writeHead(400).end();
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}/v1/traces`;
    got.port = server.address().port;
    got.close = () => new Promise((r) => {
      open.delete(got);
      server.closeAllConnections();
      server.close(() => r());
    });
    open.add(got);
    resolve(got);
  }));
}

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
async function freePort() {
  const c = await collector("cors");
  await c.close();
  return c.port;
}

/** A page of the page origin whose console warnings and errors are kept. */
async function page() {
  const p = await h.page();
  p.warnings = [];
  p.infos = [];
  p.on("console", (m) => {
    if (m.type() === "warning") p.warnings.push(m.text());
    if (m.type() === "info") p.infos.push(m.text());
  });
  return p;
}

/**
 * In the page: init, record `n` spans, flush, and wait until every one is settled somehow. The
 * tests count exact spans, so their configs turn off the `jank` span a loaded machine adds.
 */
const RECORD = async ({ config, n }) => {
  const tracer = window.pt.init(config);
  for (let i = 0; i < n; i++) tracer.startSpan(`span-${i}`).end();
  tracer.flush();
  for (let i = 0; i < 250; i++) {
    const s = tracer.stats();
    if (s.sending === 0 && s.exported + s.waiting + s.droppedSendFailed >= n) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return tracer.stats();
};

for (const [label, make, cause] of [
  ["without CORS", () => collector("nocors"), "its CORS does not allow origin"],
  ["where nothing listens", async () => ({ url: `http://127.0.0.1:${await freePort()}/v1/traces`, close: async () => {} }), "nothing answers at"],
  ["answering 500", () => collector("500"), "answered HTTP 500"],
]) {
  test(`an endpoint ${label}: nothing counts as exported, the failure is counted and said once with its cause`, async () => {
    const server = await make();
    const endpoint = server.url;
    for (const debug of [true, false]) {
      const p = await page();
      const stats = await p.evaluate(RECORD, { config: { serviceName: "d", endpoint, debug, longAnimationFrames: false }, n: 5 });
      // A second flush of the same failure says nothing more.
      await p.evaluate(async () => { window.pt.getTracer().startSpan("more").end(); window.pt.getTracer().flush(); await new Promise((r) => setTimeout(r, 300)); });
      assert.equal(stats.exported, 0, JSON.stringify(stats));
      assert.equal(stats.beaconed, 0);
      assert.ok(stats.sendFailures >= 1);
      if (label === "answering 500") assert.equal(stats.droppedSendFailed, 5, "a 500 is refused for good");
      else assert.equal(stats.waiting, 5, "kept, waiting for the endpoint");
      const said = p.warnings.filter((w) => w.startsWith("[playtrace]"));
      assert.equal(said.length, 1, `debug ${debug}: ${JSON.stringify(p.warnings)}`);
      assert.ok(said[0].includes(cause) && said[0].includes(endpoint), said[0]);
      if (label === "without CORS") assert.ok(said[0].includes(h.origins.page) && said[0].includes("allowed_origins"), said[0]);
      assert.deepEqual(p.errors, []);
      await p.context().close();
    }
    await server.close();
  });
}

test("a working endpoint: exported equals what arrived, and shutdown settles when it is known", async () => {
  const c = await collector("cors");
  const p = await page();
  const stats = await p.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "ok", endpoint, flushIntervalMs: 60000, longAnimationFrames: false });
    for (let i = 0; i < 40; i++) tracer.startSpan(`s-${i}`).end();
    tracer.flush();
    for (let i = 0; i < 10; i++) tracer.startSpan(`late-${i}`).end();
    const settled = tracer.shutdown();
    const before = tracer.stats().exported;
    await settled;
    return { before, after: tracer.stats() };
  }, { endpoint: c.url });
  assert.equal(stats.before, 0, "nothing is exported before its answer");
  assert.equal(stats.after.exported, 50);
  assert.equal(c.spans.length, 50);
  assert.equal(stats.after.sending, 0);
  await p.context().close();
  await c.close();
});

test("bodies sent by fetch travel gzipped and arrive whole; one still compressing when the page goes away leaves plain at once", async () => {
  const c = await collector("cors");
  const p = await page();
  const out = await p.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "gz", endpoint, flushIntervalMs: 60000, longAnimationFrames: false });
    const until = async (n) => {
      for (let i = 0; i < 250 && tracer.stats().exported < n; i++) await new Promise((r) => setTimeout(r, 20));
    };
    for (let i = 0; i < 50; i++) tracer.startSpan(`gz-${i}`, { attributes: { level: "forest", i } }).end();
    tracer.flush();
    await until(50);
    const first = tracer.stats();
    // Flushed, and the page goes away in the same task: no compression can have finished.
    for (let i = 0; i < 5; i++) tracer.startSpan(`plain-${i}`).end();
    tracer.flush();
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
    await until(55);
    return { first, last: tracer.stats() };
  }, { endpoint: c.url });
  assert.deepEqual(c.encodings, ["gzip", "identity"]);
  const [raw, plain] = c.sizes[0];
  assert.ok(raw * 4 < plain, `gzip made ${plain} bytes ${raw}`);
  assert.equal(out.first.bytesSent, raw, "bytesSent counts bytes as they travelled");
  assert.deepEqual([out.first.bodiesGzipped, out.first.exported], [1, 50]);
  assert.deepEqual([out.last.bodiesGzipped, out.last.exported, out.last.sendFailures], [1, 55, 0]);
  assert.equal(new Set(c.spans.map((s) => s.name)).size, 55, "every span arrived once");
  await p.context().close();
  await c.close();
});

test("a collector whose CORS does not allow Content-Encoding gets plain bodies: nothing lost, debug says why once", async () => {
  const c = await collector("nogzip");
  const p = await page();
  const stats = await p.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "nogz", endpoint, debug: true, flushIntervalMs: 60000, longAnimationFrames: false });
    for (const round of [0, 1]) {
      for (let i = 0; i < 10; i++) tracer.startSpan(`r${round}-${i}`).end();
      tracer.flush();
      for (let i = 0; i < 250 && tracer.stats().exported < 10 * (round + 1); i++) await new Promise((r) => setTimeout(r, 20));
    }
    return tracer.stats();
  }, { endpoint: c.url });
  assert.deepEqual([stats.exported, stats.sendFailures, stats.bodiesGzipped, stats.droppedSendFailed], [20, 0, 0, 0]);
  assert.deepEqual(c.encodings, ["identity", "identity"]);
  assert.equal(c.spans.length, 20);
  // debug's texts load on its first need (a dynamic import), which a loaded machine may finish
  // after the spans have arrived.
  for (let i = 0; i < 100 && !p.infos.some((m) => m.includes("Content-Encoding")); i++) await new Promise((r) => setTimeout(r, 50));
  const said = p.infos.filter((m) => m.includes("Content-Encoding"));
  assert.equal(said.length, 1, JSON.stringify(p.infos));
  assert.deepEqual(p.warnings.filter((w) => w.startsWith("[playtrace]")), [], "no endpoint failure is said");
  await p.context().close();
  await c.close();
});

test("debug says each kind of decision once, as info, its texts loaded only with debug on", async () => {
  const c = await collector("cors");
  const other = `http://127.0.0.1:${await freePort()}/api`; // another origin: no trace headers
  const run = async (debug) => {
    const p = await page();
    const loaded = [];
    p.on("request", (r) => { if (r.url().endsWith("/debug.js")) loaded.push(r.url()); });
    await p.evaluate(async ({ endpoint, other, debug }) => {
      navigator.sendBeacon = () => false; // refused: the body takes a fallback, which debug says
      let tracer = window.pt.init({ serviceName: "s", endpoint, debug, sampler: "never" });
      for (let i = 0; i < 4; i++) tracer.startSpan("s").end();
      await tracer.shutdown();
      tracer = window.pt.init({ serviceName: "s", endpoint, debug, queueSize: 2, batchSize: 100, flushIntervalMs: 600000, longAnimationFrames: false });
      for (let i = 0; i < 4; i++) tracer.startSpan("s").end();
      await fetch(other).catch(() => {});
      await fetch(other).catch(() => {});
      dispatchEvent(new PageTransitionEvent("pagehide"));
      await new Promise((r) => setTimeout(r, 500));
      await tracer.shutdown();
    }, { endpoint: c.url, other, debug });
    await p.close();
    return { infos: p.infos.filter((m) => m.startsWith("[playtrace]")), others: p.warnings, loaded };
  };
  const on = await run(true);
  const one = (needle) => {
    const found = on.infos.filter((l) => l.includes(needle));
    assert.equal(found.length, 1, `${needle} said once in ${JSON.stringify(on.infos)}`);
    return found[0];
  };
  assert.ok(one("sampled out").includes('span "s"'));
  one("queue already holds queueSize spans");
  assert.ok(one("did not go by sendBeacon").includes("sendBeacon refused it"));
  assert.ok(one("no trace headers").includes(new URL(other).origin));
  assert.equal(on.infos.length, 4, JSON.stringify(on.infos));
  assert.equal(on.loaded.length, 1, "debug.js is loaded once, when debug first has something to say");
  assert.deepEqual(on.others.filter((m) => m.startsWith("[playtrace]")), [], "never a warning");
  const off = await run(false);
  assert.deepEqual([off.infos, off.loaded], [[], []], "debug is off by default: nothing said, nothing loaded");
  await c.close();
});

test("debug says once when the endpoint's preflight has no max age, and not when it has one", async () => {
  const said = await Promise.all(["unkept", "kept"].map(async (mode) => {
    const c = await collector(mode);
    const p = await page();
    await p.evaluate(async ({ endpoint }) => {
      const tracer = window.pt.init({ serviceName: "preflight", endpoint, debug: true, flushIntervalMs: 60000, longAnimationFrames: false });
      tracer.startSpan("one").end();
      tracer.flush();
    }, { endpoint: c.url });
    // The probe: a request at once, another, and one six seconds later; then the verdict.
    for (let i = 0; i < 300 && (c.probes || 0) < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.probes, 3, `${mode}: the probe's three requests arrived`);
    await new Promise((r) => setTimeout(r, 1500));
    await p.context().close();
    await c.close();
    return p.infos.filter((m) => m.includes("Access-Control-Max-Age"));
  }));
  assert.equal(said[0].length, 1, `without a max age: ${JSON.stringify(said[0])}`);
  assert.ok(said[0][0].includes("max_age: 7200"), said[0][0]);
  assert.deepEqual(said[1], [], "with a max age nothing is said");
});

test("spans of a page closed while the endpoint is down arrive once with the next visit", async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}/v1/traces`;
  const context = await h.browser.newContext();
  const first = await context.newPage();
  await first.goto(`${h.origins.page}/`);
  await first.waitForFunction(() => window.ready === true);
  const ids = await first.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "offline", endpoint, flushIntervalMs: 60000, longAnimationFrames: false });
    const ids = [];
    const record = (name) => { const s = tracer.startSpan(name); ids.push(s.spanContext().spanId); s.end(); };
    for (let i = 0; i < 3; i++) record(`before-${i}`);
    tracer.flush(); // fails: the endpoint is down
    for (let i = 0; i < 100 && tracer.stats().waiting < 3; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 4; i++) record(`after-${i}`); // queued when the page closes
    return ids;
  }, { endpoint });
  await first.close({ runBeforeUnload: true }); // pagehide: kept in localStorage
  const stored = await (async () => {
    const probe = await context.newPage();
    await probe.goto(`${h.origins.page}/`);
    const text = await probe.evaluate(() => localStorage.getItem("playtrace:pending:v1"));
    await probe.close();
    return text;
  })();
  assert.ok(stored && ids.every((id) => stored.includes(id)), "every span is kept for the next visit");

  const c = await collector("cors", port); // the endpoint is back
  for (let visit = 0; visit < 2; visit++) {
    const next = await context.newPage();
    await next.goto(`${h.origins.page}/`);
    await next.waitForFunction(() => window.ready === true);
    const stats = await next.evaluate(async ({ endpoint }) => {
      const tracer = window.pt.init({ serviceName: "offline", endpoint, longAnimationFrames: false });
      // What an earlier page kept is taken from storage a second after init, off its start-up.
      const atInit = tracer.stats().recovered;
      await new Promise((r) => setTimeout(r, 1200));
      for (let i = 0; i < 150 && tracer.stats().sending + tracer.stats().waiting > 0; i++) await new Promise((r) => setTimeout(r, 20));
      if (atInit !== 0) throw new Error("recovered during init");
      await tracer.shutdown();
      return tracer.stats();
    }, { endpoint });
    if (visit === 0) assert.equal(stats.recovered, 7);
    else assert.equal(stats.recovered, 0, "sent once: the third visit finds nothing");
    await next.close();
  }
  const got = c.spans.map((s) => s.spanId).sort();
  assert.deepEqual(got, [...ids].sort(), "every span arrived exactly once");
  await context.close();
  await c.close();
});

test("epoch times from before the page loaded and page times arrive as the times they are", async () => {
  const c = await collector("cors");
  const p = await page();
  const expected = await p.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "times", endpoint });
    const now = Date.now();
    const origin = performance.timeOrigin;
    const raf = await new Promise((r) => requestAnimationFrame(r));
    const click = await new Promise((resolve) => {
      const b = document.createElement("button");
      document.body.append(b);
      b.addEventListener("click", (e) => resolve(e.timeStamp));
      b.click();
    });
    const cases = {
      "epoch-60s": [now - 60000, now - 59000],
      "epoch-5s": [now - 5000, now - 4000],
      "page-time": [performance.now() - 50, performance.now()],
      raf: [raf, raf + 16],
      event: [click, click + 5],
    };
    for (const [name, [startTime, end]] of Object.entries(cases)) tracer.startSpan(name, { startTime }).end(end);
    await tracer.shutdown();
    const abs = (t) => (t < 1e12 ? origin + t : t);
    return Object.fromEntries(Object.entries(cases).map(([k, [s, e]]) => [k, [abs(s), abs(e)]]));
  }, { endpoint: c.url });
  for (const [name, [start, end]] of Object.entries(expected)) {
    const span = c.spans.find((s) => s.name === name);
    const ms = (ns) => Number(BigInt(ns) / 1000n) / 1000;
    assert.ok(Math.abs(ms(span.startTimeUnixNano) - start) < 1, `${name} start ${ms(span.startTimeUnixNano)} vs ${start}`);
    assert.ok(Math.abs(ms(span.endTimeUnixNano) - end) < 1, `${name} end`);
  }
  await p.context().close();
  await c.close();
});

test("after shutdown, init starts a new tracer that ready() resolves; a second init says what it ignored", async () => {
  const c = await collector("cors");
  const p = await page();
  const out = await p.evaluate(async ({ endpoint }) => {
    const first = window.pt.init({ serviceName: "one", endpoint });
    const again = window.pt.init({ serviceName: "two", endpoint, flushIntervalMs: 50 });
    window.pt.init({ serviceName: "three", endpoint });
    const settled = first.shutdown();
    const isPromise = settled instanceof Promise;
    await settled;
    const second = window.pt.init({ serviceName: "two", endpoint });
    const ready = await window.pt.ready();
    const span = ready.startSpan("after-restart");
    const recording = span.isRecording();
    span.end();
    await ready.shutdown();
    return { same: again === first, isPromise, readyIsNew: ready === second && ready !== first, recording };
  }, { endpoint: c.url });
  assert.deepEqual(out, { same: true, isPromise: true, readyIsNew: true, recording: true });
  const said = p.warnings.filter((w) => w.includes("init() was called again"));
  assert.equal(said.length, 1, JSON.stringify(p.warnings));
  assert.ok(said[0].includes("ignored: serviceName, endpoint, flushIntervalMs") && said[0].includes("shutdown()"), said[0]);
  assert.ok(c.spans.some((s) => s.name === "after-restart"));
  await p.context().close();
  await c.close();
});

test("values that throw when read are skipped and counted, never thrown into the game", async () => {
  const c = await collector("cors");
  const p = await page();
  const out = await p.evaluate(async ({ endpoint }) => {
    const tracer = window.pt.init({ serviceName: "hostile", endpoint });
    const boom = { toString() { throw new Error("toString"); } };
    const trap = new Proxy({}, { get() { throw new Error("get"); }, ownKeys() { throw new Error("ownKeys"); },
      getPrototypeOf() { throw new Error("proto"); }, has() { throw new Error("has"); } });
    const getters = { get parent() { throw new Error("parent"); } };
    const thrown = [];
    const attempt = (f) => { try { f(); } catch (e) { thrown.push(String(e && e.message)); } };
    attempt(() => tracer.startSpan(boom).end());
    attempt(() => tracer.startSpan("opts-proxy", trap).end());
    attempt(() => tracer.startSpan("opts-getter", getters).end());
    attempt(() => tracer.startSpan("attrs", { attributes: trap }).end());
    const s = tracer.startSpan("kept");
    attempt(() => s.setAttribute(boom, 1));
    attempt(() => s.setAttribute("list", new Proxy([1, 2], { get() { throw new Error("el"); } })));
    attempt(() => s.setAttributes(trap));
    attempt(() => s.addEvent(boom, trap));
    attempt(() => s.setStatus(trap));
    attempt(() => s.updateName(boom));
    attempt(() => s.recordException(trap));
    attempt(() => tracer.inject({}, trap));
    attempt(() => tracer.extract(trap));
    attempt(() => tracer.setBaggage(boom, "v"));
    attempt(() => tracer.instrumentWebSocket({ send() {}, url: "ws://x/", readyState: 3, addEventListener() {} }, trap));
    s.setAttribute("ok", 1);
    s.end();
    // 200 distinct names of 1 MB: cut to 1,024 characters and bounded in memory.
    const big = "x".repeat(1 << 20);
    for (let i = 0; i < 200; i++) tracer.startSpan(`${i}${big}`).end();
    const exports = (await import("/pkg/playtrace.js")).X; // the engine's wasm exports
    const memoryMb = exports.memory.buffer.byteLength / (1 << 20);
    // Baggage is capped when set; an empty baggage header is never sent.
    const hugeSet = tracer.setBaggage("huge", "y".repeat(9000));
    let accepted = 0;
    for (let i = 0; i < 70; i++) if (tracer.setBaggage(`k${i}`, "v")) accepted++;
    const carrier = {};
    tracer.inject(carrier, tracer.startSpan("carrier"));
    await tracer.shutdown();
    return { thrown, stats: tracer.stats(), memoryMb, hugeSet, accepted, baggage: carrier.baggage };
  }, { endpoint: c.url });
  assert.deepEqual(out.thrown, [], "nothing thrown into the game");
  assert.deepEqual(p.errors, []);
  assert.ok(out.stats.conversionErrors >= 10, JSON.stringify(out.stats));
  assert.equal(out.stats.namesCut, 200);
  assert.ok(out.memoryMb < 40, `wasm memory ${out.memoryMb} MB after 200 names of 1 MB`);
  assert.equal(out.hugeSet, false);
  assert.equal(out.accepted, 64, "64 members at most");
  assert.equal(out.baggage.split(",").length, 64);
  const names = c.spans.map((s) => s.name);
  for (const name of ["", "opts-proxy", "opts-getter", "attrs", "kept"]) assert.ok(names.includes(name), `${name} arrived`);
  assert.ok(names.filter((n) => n.length === 1024).length >= 190, "long names cut to 1,024 characters");
  // The span whose calls threw arrived with its own name and what could be read.
  assert.ok(c.spans.find((s) => s.name === "kept").attributes.some((a) => a.key === "ok"));
  await p.context().close();
  await c.close();
});
