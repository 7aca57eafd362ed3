// playtrace against OpenTelemetry JS web, in one headless Chromium run: both libraries are
// loaded into fresh pages of the same browser, alternated over several rounds, and measured on
// the same span shape with their export pipelines active. Prints a table (median and spread)
// and writes bench/results.json. `make bench` builds both libraries first.
//
//   node bench/run.mjs [--rounds N] [--player-minutes M] [--player-only]
//   env: PT_PKG (playtrace bundled, with its wasm), OTEL_JS

import { createServer } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { gzipSync, brotliCompressSync, constants as zlib } from "node:zlib";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { gamePage, playerMinute } from "./player.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const ptDir = process.env.PT_PKG || join(root, "target", "bench", "pt");
const ptShip = process.env.PT_SHIP || join(root, "target", "bench", "pt-ship");
const otelShip = process.env.OTEL_SHIP || join(root, "target", "bench", "otel-ship.js");
const otelBench = process.env.OTEL_JS || join(root, "target", "bench", "otel.js");
// The package as it ships, for a plain page that imports it with no bundler.
const ptPkg = process.env.PT_PACKAGE || join(root, "target", "bench", "pkg");
const argRounds = process.argv.indexOf("--rounds");
const ROUNDS = Math.max(5, Number(argRounds > 0 ? process.argv[argRounds + 1] : process.env.ROUNDS || 5));
const argMinutes = process.argv.indexOf("--player-minutes");
// Minutes of visible play in the per-player figure (the issue's synthetic game: 3).
const PLAYER_MINUTES = Number(argMinutes > 0 ? process.argv[argMinutes + 1] : process.env.PLAYER_MINUTES || 3);

const SPANS = 100_000; // `span`, `span_caller_time`, `floor`
const TOTAL_ROUND = 1_000; // `span_total`: spans a flushed round, under both queues' 2048
const TOTAL_ROUNDS = 20;
const NESTED = 30_000; // three-deep nests
const FETCHES = 50; // concurrent calls a batch
const ENCODE = 512;
const ENCODE_BATCHES = 10; // batches timed together: the page clock ticks in 100 µs
const WS_SENDS = 200; // WebSocket sends in one action
const EXPORT_SPANS = 150; // spans a body in the export figures: under the 64 KiB beacon quota
const WARMUP_RUNS = 5;
const MEMORY_BURST = 1_000; // spans a flush in the memory run, every one delivered

// ---------------------------------------------------------------------------------------------
// The pages. Each library gets the same loops, written out for it (no adapter in the loop).

// playtrace's figures are taken with plain bodies, as OpenTelemetry JS sends them (the encode
// figure counts the bytes of the encoding); what gzip costs is a figure of its own (`?gzip`).
const CONFIG = `{ serviceName: "bench", endpoint: "/v1/traces", compression: location.search.includes("gzip") ? "gzip" : "none" }`;

const LIB = {
  pt: `
    // The encode figure counts the bytes of whichever transport takes each body; the exporter
    // keeps the fetch it finds at init, so the counting stubs go in first (inactive otherwise).
    let counting = false, counted = 0;
    const beacon = navigator.sendBeacon.bind(navigator), realFetch = window.fetch;
    navigator.sendBeacon = (url, blob) => (counting ? ((counted += blob.size), true) : beacon(url, blob));
    window.fetch = (url, init) => counting && init && init.body
      ? ((counted += init.body.length), Promise.resolve(new Response("{}")))
      : realFetch(url, init);
    import load, * as pt from "/pt/playtrace.js";
    await load();
    const exports = await pt.engineExports();
    window.setup = () => {
    const tracer = pt.init(${CONFIG});
    window.lib = {
      name: "playtrace",
      wasmBytes: () => exports.memory.buffer.byteLength,
      span(n) {
        for (let i = 0; i < n; i++) {
          const s = tracer.startSpan("op");
          s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
          s.end();
        }
      },
      spanCallerTime(n) {
        let t = performance.now();
        for (let i = 0; i < n; i++) {
          const s = tracer.startSpan("op", { startTime: t });
          s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
          s.end(t + 0.5);
          t += 0.001;
        }
      },
      // A game's frame loop feeding frame times (OpenTelemetry JS has no counterpart).
      frame(n) {
        let t = performance.now();
        for (let i = 0; i < n; i++) {
          tracer.frame(t);
          t += 16.7;
        }
      },
      nested(n) {
        for (let i = 0; i < n; i++) {
          const a = tracer.startSpan("a");
          tracer.withSpan(a, () => {
            const b = tracer.startSpan("b");
            tracer.withSpan(b, () => tracer.startSpan("c").end());
            b.end();
          });
          a.end();
        }
      },
      async flush() { tracer.flush(); },
      // The page sends what is queued as it goes away (by sendBeacon), without going anywhere.
      leave() { dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true })); },
      dropped: () => tracer.stats().droppedQueueFull,
      // WebSocket sends in an action: each a PRODUCER span whose context goes in the message.
      wsSocket: (ws) => tracer.instrumentWebSocket(ws),
      wsSend(ws, msg, n) {
        let ms = 0;
        tracer.action("chat", undefined, () => {
          const t0 = performance.now();
          for (let i = 0; i < n; i++) ws.send(msg);
          ms = performance.now() - t0;
        });
        return (ms * 1000) / n;
      },
      // Spans of the same shape, ended and queued; then the time to write them into bodies
      // (at most 60,000 bytes each, as the keepalive quota wants) and hand them on.
      async encode(n, k) {
        tracer.flush();
        await new Promise((r) => setTimeout(r, 0));
        counting = true;
        counted = 0;
        let ms = 0;
        for (let j = 0; j < k; j++) {
          for (let i = 0; i < n; i++) {
            const s = tracer.startSpan("op");
            s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
            s.end();
          }
          const t0 = performance.now();
          tracer.flush();
          ms += performance.now() - t0;
        }
        await new Promise((r) => setTimeout(r, 0)); // fetch fallbacks post from a microtask
        counting = false;
        return { ms, bytes: counted };
      },
    };
    };`,
  otel: `
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/otel.js"; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
    window.setup = () => {
    const { provider, tracer, trace, context, propagation } = benchOtel.setup(location.origin + "/v1/traces", []);
    window.lib = {
      name: "otel",
      span(n) {
        for (let i = 0; i < n; i++) {
          const s = tracer.startSpan("op");
          s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
          s.end();
        }
      },
      spanCallerTime(n) {
        let t = performance.now();
        for (let i = 0; i < n; i++) {
          const s = tracer.startSpan("op", { startTime: t });
          s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
          s.end(t + 0.5);
          t += 0.001;
        }
      },
      nested(n) {
        for (let i = 0; i < n; i++) {
          tracer.startActiveSpan("a", (a) => {
            tracer.startActiveSpan("b", (b) => {
              tracer.startActiveSpan("c", (c) => c.end());
              b.end();
            });
            a.end();
          });
        }
      },
      flush: () => provider.forceFlush(),
      leave: undefined,
      dropped: () => NaN,
      // OpenTelemetry JS has no WebSocket instrumentation: what a game writes by hand for the
      // same spans (PRODUCER, the same attributes, the context merged into the JSON message).
      wsSocket(ws) {
        const url = new URL(ws.url);
        const attributes = { "network.protocol.name": "websocket", "messaging.destination.name": url.pathname,
          "server.address": url.hostname, "server.port": Number(url.port), "messaging.operation.type": "receive",
          "messaging.operation.name": "receive" };
        ws.addEventListener("message", (e) => {
          let m;
          try { m = JSON.parse(e.data); } catch { return; }
          if (m === null || typeof m !== "object" || typeof m.traceparent !== "string") return;
          const parent = propagation.extract(context.active(), m);
          const s = tracer.startSpan("receive " + url.pathname, { kind: 4, startTime: e.timeStamp, attributes }, parent);
          s.setAttribute("messaging.message.body.size", e.data.length);
          s.end();
        });
        return ws;
      },
      wsSend(ws, msg, n) {
        let ms = 0;
        const url = new URL(ws.url);
        const attributes = { "network.protocol.name": "websocket", "messaging.destination.name": url.pathname,
          "server.address": url.hostname, "server.port": Number(url.port), "messaging.operation.type": "send",
          "messaging.operation.name": "send" };
        tracer.startActiveSpan("chat", (action) => {
          const t0 = performance.now();
          for (let i = 0; i < n; i++) {
            const s = tracer.startSpan("send " + url.pathname, { kind: 3, attributes });
            const carrier = {};
            propagation.inject(trace.setSpan(context.active(), s), carrier);
            let out = msg;
            try { out = JSON.stringify(Object.assign(JSON.parse(msg), carrier)); } catch {}
            s.setAttribute("messaging.message.body.size", out.length);
            ws.send(out);
            s.end();
          }
          ms = performance.now() - t0;
          action.end();
        });
        return (ms * 1000) / n;
      },
      async encode(n, k) {
        const mem = benchOtel.memory();
        let ms = 0, bytes = 0;
        for (let j = 0; j < k; j++) {
          mem.reset();
          for (let i = 0; i < n; i++) {
            const s = mem.tracer.startSpan("op");
            s.setAttribute("i", i); s.setAttribute("s", "text"); s.setAttribute("b", true);
            s.end();
          }
          const spans = mem.spans();
          const t0 = performance.now();
          const body = benchOtel.serialize(spans);
          ms += performance.now() - t0;
          bytes += body.byteLength;
        }
        return { ms, bytes };
      },
    };
    };`,
};

/** What a page logs once its tracer is set up: the harness waits for this message rather than
 * polling the page, so nothing of Playwright runs in the page while a library starts. */
const READY = "bench: ready";

/** A plain page: no bundler, the library as it ships (playtrace's package: its module and the
 * wasm, preloaded as the README's plain-page setup writes it; OpenTelemetry JS, which ships
 * dozens of modules, as the one bundle in a classic script), a tracer set up. */
const plainPage = (lib) => `<!doctype html><html><head><meta charset="utf-8">${lib === "pt"
  ? `<link rel="modulepreload" href="/pkg/playtrace.js"><link rel="preload" href="/pkg/playtrace_wasm_bg.wasm" as="fetch" crossorigin>`
  : ""}</head><body>${lib === "pt"
  ? `<script type="module">
  import load, { init } from "/pkg/playtrace.js";
  await load();
  init(${CONFIG});`
  : `<script src="/otel.js"></script><script type="module">
  benchOtel.setup(location.origin + "/v1/traces", []);`}
  window.readyMs = performance.now();
  window.ready = true;
  console.log("${READY}");
</script></body></html>`;

const page = (lib) => `<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
  ${LIB[lib]}
  if (!location.search.includes("defer")) window.setup();
  window.readyMs = performance.now();
  window.ready = true;
  console.log("${READY}");
</script></body></html>`;

// ---------------------------------------------------------------------------------------------
// A local server: the pages, both libraries, a collector that accepts everything, an endpoint.

const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
/** Answers with the file at `path` under `dir`. */
async function serveFile(res, dir, path) {
  const file = normalize(join(dir, path));
  if (!file.startsWith(dir)) return res.writeHead(403).end();
  try {
    return res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" }).end(await readFile(file));
  } catch {
    return res.writeHead(404).end();
  }
}
const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  for await (const _ of req); // drain the body
  if (url.pathname === "/v1/traces") return res.writeHead(200, { "content-type": "application/json" }).end("{}");
  if (url.pathname === "/api/item") return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  if (url.pathname.startsWith("/game/")) {
    const html = gamePage(url.pathname.slice(6), url.searchParams.get("endpoint"));
    return res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" }).end(html);
  }
  if (url.pathname.startsWith("/plain/")) {
    return res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" }).end(plainPage(url.pathname.slice(7)));
  }
  if (url.pathname.startsWith("/pkg/")) return serveFile(res, ptPkg, url.pathname.slice(5));
  if (url.pathname.startsWith("/page/")) {
    return res.writeHead(200, { "content-type": "text/html", "cache-control": "no-store" }).end(page(url.pathname.slice(6)));
  }
  if (url.pathname === "/otel.js") {
    return res.writeHead(200, { "content-type": "text/javascript" }).end(await readFile(otelBench));
  }
  if (url.pathname.startsWith("/pt/")) return serveFile(res, ptDir, url.pathname.slice(4));
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
setTimeout(() => { console.error("bench: timed out"); process.exit(2); }, 40 * 60_000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});

/**
 * Opens `url` in `p` and waits until the page logs {@link READY}. The page is not touched before
 * then: polling it (`waitForFunction`) makes Playwright evaluate its injected script in the page
 * once the load event has fired, about 15 ms of main-thread work here. A library that loads
 * asynchronously (playtrace's wasm) is still starting then and paid for it in `ready`; one set
 * up synchronously, before the load event, did not.
 */
async function loadUntilReady(p, url) {
  const ready = p.waitForEvent("console", { predicate: (m) => m.text() === READY, timeout: 60_000 });
  const failed = p.waitForEvent("pageerror", { timeout: 0 }).then((e) => { throw e; });
  failed.catch(() => {});
  await p.goto(url, { waitUntil: "commit" });
  await Promise.race([ready, failed]);
}

async function open(lib, query = "") {
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(e));
  await loadUntilReady(p, `${origin}/page/${lib}${query}`).catch((e) => errors.push(e));
  if (errors.length) throw new Error(`${lib}: ${errors[0]}`);
  const cdp = await context.newCDPSession(p);
  return { p, cdp, close: () => context.close() };
}

/** `ready` on a plain page, in a fresh context. */
async function readyPlain(lib) {
  const context = await browser.newContext();
  try {
    const p = await context.newPage();
    await loadUntilReady(p, `${origin}/plain/${lib}`);
    return await p.evaluate(() => window.readyMs);
  } finally {
    await context.close();
  }
}

/** Main-thread CPU (ms) that `fn` causes, from CDP's TaskDuration. */
async function cpuMs(cdp, fn) {
  await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
  const task = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration").value;
  const before = await task();
  await fn();
  const after = await task();
  await cdp.send("Performance.disable");
  return (after - before) * 1000;
}

async function heap(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  return (await cdp.send("Runtime.getHeapUsage")).usedSize;
}

// ---------------------------------------------------------------------------------------------
// One round for one library: every figure but size and memory.

async function round(lib) {
  const { p, cdp, close } = await open(lib);
  try {
    const r = {};
    r.ready = await p.evaluate(() => window.readyMs);
    r.ready_plain = await readyPlain(lib);
    // Warmed up until the loop and the library run optimised code, as a frame loop does; then
    // one timed run from an empty queue.
    const timed = async (fn, n) => {
      for (let i = 0; i < WARMUP_RUNS; i++) await p.evaluate(([fn, n]) => window.lib[fn](n), [fn, Math.min(n, 20_000)]);
      await p.evaluate(() => window.lib.flush());
      await p.waitForTimeout(50);
      // The median of three runs: a GC pause landing in one run does not decide the round.
      const runs = [];
      for (let i = 0; i < 3; i++) {
        runs.push(await p.evaluate(([fn, n]) => {
          const t0 = performance.now();
          window.lib[fn](n);
          return ((performance.now() - t0) * 1e6) / n;
        }, [fn, n]));
        await p.evaluate(() => window.lib.flush());
        await p.waitForTimeout(20);
      }
      return median(runs);
    };
    r.span = await timed("span", SPANS);
    await p.evaluate(() => window.lib.flush());
    r.span_caller_time = await timed("spanCallerTime", SPANS);
    await p.evaluate(() => window.lib.flush());
    r.nested = (await timed("nested", NESTED)) / 3;
    r.frame = (await p.evaluate(() => typeof window.lib.frame === "function")) ? await timed("frame", SPANS) : NaN;
    await p.evaluate(() => window.lib.flush());
    await p.waitForTimeout(300);
    r.floor = await p.evaluate(([n, warm]) => {
      const buf = new Float64Array(1024);
      const loop = (n) => {
        for (let i = 0; i < n; i++) {
          const a = performance.now();
          const b = performance.now();
          buf[i & 1023] = b - a;
        }
      };
      for (let i = 0; i < warm; i++) loop(20_000);
      const t0 = performance.now();
      loop(n);
      return ((performance.now() - t0) * 1e6) / n;
    }, [SPANS, WARMUP_RUNS]);
    // Everything each library does for a span, deferred work included: CPU, not wall time.
    // The same rounds without spans are measured too and subtracted (the bench's own calls).
    const dropped0 = await p.evaluate(() => window.lib.dropped());
    const rounds = (n) => cpuMs(cdp, async () => {
      for (let i = 0; i < TOTAL_ROUNDS; i++) {
        await p.evaluate(async (n) => {
          window.lib.span(n);
          await window.lib.flush();
          await new Promise((r) => setTimeout(r, 30)); // let deferred work run inside the window
        }, n);
      }
    });
    const idle = await rounds(0);
    const busy = await rounds(TOTAL_ROUND);
    r.span_total = ((busy - idle) * 1e6) / (TOTAL_ROUNDS * TOTAL_ROUND);
    const dropped = (await p.evaluate(() => window.lib.dropped())) - dropped0;
    if (dropped > 0) throw new Error(`${lib}: span_total dropped ${dropped} spans`);
    // Exporting a body: main-thread CPU per span to encode it and hand it to the transport, and
    // what its answer costs, less the same spans recorded and never sent. By fetch (what a page
    // that stays uses) and, for playtrace, by sendBeacon (what a page going away uses).
    const recordOnly = await exportCpu(p, cdp, "none");
    r.export_fetch = ((await exportCpu(p, cdp, "fetch")) - recordOnly) * 1e6 / EXPORT_SPANS;
    r.export_beacon = (await p.evaluate(() => typeof window.lib.leave === "function"))
      ? ((await exportCpu(p, cdp, "beacon")) - recordOnly) * 1e6 / EXPORT_SPANS
      : NaN;
    const enc = [];
    for (let i = 0; i < 5; i++) enc.push(await p.evaluate(([n, k]) => window.lib.encode(n, k), [ENCODE, ENCODE_BATCHES]));
    r.encode = median(enc.map((e) => (e.ms * 1e6) / (ENCODE * ENCODE_BATCHES)));
    r.encode_bytes = median(enc.map((e) => e.bytes / (ENCODE * ENCODE_BATCHES)));
    return r;
  } finally {
    await close();
  }
}

/**
 * Main-thread CPU (ms) to record EXPORT_SPANS spans and, `how`, send them by fetch (a flush),
 * by sendBeacon (the page going away) or not at all ("none"), with the answer's callbacks.
 */
async function exportCpu(p, cdp, how) {
  await p.evaluate(() => window.lib.flush());
  await p.waitForTimeout(300);
  return cpuMs(cdp, () => p.evaluate(async ([n, how]) => {
    window.lib.span(n);
    if (how === "fetch") await window.lib.flush();
    if (how === "beacon") window.lib.leave();
    await new Promise((r) => setTimeout(r, 100)); // the answer's callbacks run in the window
  }, [EXPORT_SPANS, how]));
}

/** playtrace's flush by fetch with gzipped bodies (its default): ns of main-thread CPU per span. */
async function gzipCost() {
  const { p, cdp, close } = await open("pt", "?gzip");
  try {
    const recordOnly = await exportCpu(p, cdp, "none");
    return ((await exportCpu(p, cdp, "fetch")) - recordOnly) * 1e6 / EXPORT_SPANS;
  } finally {
    await close();
  }
}

/**
 * Added µs per `fetch` to a local endpoint, to call and to settle: in one page, batches through
 * the bare fetch and through the library's wrapper alternate, and the median difference counts.
 */
async function fetchCost(lib) {
  const { p, close } = await open(lib, "?defer");
  try {
    return await p.evaluate(async (n) => {
      const batch = async () => {
        const t0 = performance.now();
        const pending = [];
        for (let i = 0; i < n; i++) pending.push(fetch(`/api/item?id=${i}`, { headers: { "x-game": "1" } }));
        const t1 = performance.now();
        await Promise.all(pending);
        const t2 = performance.now();
        return { call: ((t1 - t0) * 1000) / n, settle: ((t2 - t0) * 1000) / n };
      };
      const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
      const bare = window.fetch;
      window.setup();
      const traced = window.fetch;
      const runs = [];
      const pause = () => new Promise((r) => setTimeout(r, 30)); // deferred work of a batch ends
      for (let i = 0; i < 18; i++) {
        // Alternating the order too: neither side always runs after the other's deferred work.
        let b, t;
        if (i % 2 === 0) {
          window.fetch = bare; b = await batch(); await pause();
          window.fetch = traced; t = await batch(); await pause();
        } else {
          window.fetch = traced; t = await batch(); await pause();
          window.fetch = bare; b = await batch(); await pause();
        }
        if (i >= 2) runs.push({ b, t }); // the first rounds open connections and compile code
      }
      return {
        call: med(runs.map((r) => r.t.call - r.b.call)),
        settle: med(runs.map((r) => r.t.settle - r.b.settle)),
        bareCall: med(runs.map((r) => r.b.call)),
        bareSettle: med(runs.map((r) => r.b.settle)),
      };
    }, FETCHES);
  } finally {
    await close();
  }
}

/**
 * Added µs per WebSocket send inside an action, and per received message that carries a
 * context. Both libraries trace a socket whose own send only counts bytes, beside a bare one,
 * in the same page: a real socket's send costs the browser 5-20 µs and varies more from call
 * to call than either library's work, so it would hide what is measured.
 */
async function wsCost(lib) {
  const { p, close } = await open(lib);
  try {
    return await p.evaluate(async (n) => {
      class Socket extends EventTarget {
        constructor() {
          super();
          this.url = `ws://${location.host}/ws`;
          this.readyState = 1;
          this.bytes = 0;
        }
        send(data) { this.bytes += data.length; }
      }
      const bare = new Socket();
      const traced = window.lib.wsSocket(new Socket());
      const msg = JSON.stringify({ type: "move", player: "p1", x: 12.5, y: 80.25 });
      const bareSend = () => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) bare.send(msg);
        return ((performance.now() - t0) * 1000) / n;
      };
      const event = new MessageEvent("message", { data: JSON.stringify({ type: "move", player: "p2", x: 1, y: 2,
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }) });
      const receive = (ws) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) ws.dispatchEvent(event);
        return ((performance.now() - t0) * 1000) / n;
      };
      const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
      const sent = [], received = [];
      for (let i = 0; i < 24; i++) {
        // Alternating the order: neither side always runs after the other.
        let b, t;
        if (i % 2 === 0) {
          b = bareSend();
          t = window.lib.wsSend(traced, msg, n);
        } else {
          t = window.lib.wsSend(traced, msg, n);
          b = bareSend();
        }
        const rb = receive(bare);
        const rt = receive(traced);
        await window.lib.flush();
        await new Promise((r) => setTimeout(r, 30));
        if (i >= 4) { // the first rounds compile code
          sent.push(t - b);
          received.push(rt - rb);
        }
      }
      if (traced.bytes <= bare.bytes) throw new Error("the traced sends carried no context");
      return { send: med(sent), receive: med(received) };
    }, WS_SENDS);
  } finally {
    await close();
  }
}

/**
 * Memory after 100k and after 1M spans, every one delivered: bursts of 1,000 (under both
 * queues' 2,048) flushed as a busy game's would be, with the answers of ten bursts awaited
 * before the next ten. Wasm memory and the JS heap, after a GC.
 */
async function memory(lib) {
  const { p, cdp, close } = await open(lib);
  try {
    const out = {};
    let done = 0;
    const dropped0 = await p.evaluate(() => window.lib.dropped());
    for (const target of [100_000, 1_000_000]) {
      while (done < target) {
        await p.evaluate(async (n) => {
          for (let i = 0; i < 10; i++) {
            window.lib.span(n);
            await window.lib.flush();
            await new Promise((r) => setTimeout(r, 0));
          }
        }, MEMORY_BURST);
        await p.waitForTimeout(20);
        done += 10 * MEMORY_BURST;
      }
      await p.waitForTimeout(200);
      const k = target === 100_000 ? "100k" : "1M";
      out[`heap_${k}`] = await heap(cdp);
      out[`wasm_${k}`] = await p.evaluate(() => (window.lib.wasmBytes ? window.lib.wasmBytes() : 0));
    }
    const dropped = (await p.evaluate(() => window.lib.dropped())) - dropped0;
    if (dropped > 0) throw new Error(`${lib}: the memory run dropped ${dropped} spans`);
    return out;
  } finally {
    await close();
  }
}

/** Everything a game ships for each library, minified, gzip -9 and brotli. */
async function sizes() {
  const sum = async (paths) => {
    let gz = 0, br = 0, raw = 0;
    for (const f of paths) {
      const data = await readFile(f);
      raw += data.length;
      gz += gzipSync(data, { level: 9 }).length;
      br += brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
    }
    return { raw, gz, br };
  };
  return {
    pt: await sum([join(ptShip, "playtrace.js"), join(ptDir, "playtrace_wasm_bg.wasm")]),
    otel: await sum([otelShip]),
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// ---------------------------------------------------------------------------------------------

const samples = { pt: [], otel: [] };
try {
  if (process.argv.includes("--player-only")) {
    const player = await playerMinute(browser, origin, PLAYER_MINUTES);
    console.log(JSON.stringify(player, null, 2));
    process.exit(0);
  }
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 ? ["otel", "pt"] : ["pt", "otel"];
    for (const lib of order) {
      const r = await round(lib);
      r.fetch = await fetchCost(lib);
      r.ws = await wsCost(lib);
      r.export_fetch_gzip = lib === "pt" ? await gzipCost() : NaN;
      samples[lib].push(r);
    }
    process.stderr.write(`bench: round ${i + 1}/${ROUNDS} done\n`);
  }
  const mem = { pt: await memory("pt"), otel: await memory("otel") };
  process.stderr.write(`bench: ${PLAYER_MINUTES} minutes of play for the per-player figures\n`);
  const player = await playerMinute(browser, origin, PLAYER_MINUTES);
  const size = await sizes();

  const stat = (lib, f) => {
    const xs = samples[lib].map(f);
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  };
  const fig = (f, withFloor) => {
    const o = { playtrace: stat("pt", f), otel: stat("otel", f) };
    if (withFloor) o.floor = stat("pt", (r) => r.floor);
    return o;
  };
  const all = [...samples.pt, ...samples.otel];
  const bareCall = median(all.map((r) => r.fetch.bareCall));
  const bareSettle = median(all.map((r) => r.fetch.bareSettle));
  const results = {
    rounds: ROUNDS,
    span: { unit: "ns per span", ...fig((r) => r.span, true) },
    span_caller_time: { unit: "ns per span", ...fig((r) => r.span_caller_time) },
    span_total: { unit: "ns of main-thread CPU per span", ...fig((r) => r.span_total) },
    nested: { unit: "ns per span", ...fig((r) => r.nested) },
    frame: { unit: "ns per tracer.frame() call", ...fig((r) => r.frame) },
    floor: { unit: "ns per loop step", playtrace: stat("pt", (r) => r.floor), otel: stat("otel", (r) => r.floor) },
    fetch_call: { unit: "µs added per call", ...fig((r) => r.fetch.call), bare: bareCall },
    fetch_settle: { unit: "µs added per call, settled", ...fig((r) => r.fetch.settle), bare: bareSettle },
    ws_send: { unit: "µs added per send in an action", ...fig((r) => r.ws.send) },
    ws_receive: { unit: "µs added per received message with context", ...fig((r) => r.ws.receive) },
    encode: { unit: "ns per span, 512-span body", ...fig((r) => r.encode) },
    export_fetch: { unit: "ns of main-thread CPU per span, a 150-span body by fetch", ...fig((r) => r.export_fetch) },
    export_beacon: { unit: "ns of main-thread CPU per span, a 150-span body by sendBeacon", ...fig((r) => r.export_beacon) },
    export_fetch_gzip: { unit: "ns of main-thread CPU per span, a 150-span body gzipped, by fetch", ...fig((r) => r.export_fetch_gzip) },
    encode_bytes: { unit: "bytes per span", ...fig((r) => r.encode_bytes) },
    size: { unit: "bytes shipped", playtrace: size.pt, otel: size.otel },
    memory: { unit: "bytes", playtrace: mem.pt, otel: mem.otel },
    ready: { unit: "ms from page start, cold", ...fig((r) => r.ready) },
    ready_plain: { unit: "ms from page start, cold, a plain page", ...fig((r) => r.ready_plain) },
    player_minute: { unit: `per player-minute, ${PLAYER_MINUTES} min visible then closed`, playtrace: player.pt, otel: player.otel },
  };
  await writeFile(join(root, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");

  const n = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "-");
  const cell = (s, d) => (Number.isFinite(s.median) ? `${n(s.median, d)} (${n(s.min, d)}-${n(s.max, d)})` : "-");
  const rows = [];
  const row = (name, f, d = 0, note = "") => {
    const ratio = f.otel.median / f.playtrace.median;
    rows.push([name, cell(f.playtrace, d), cell(f.otel, d), Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "-", note]);
  };
  row("span (ns)", results.span, 0, `floor ${cell(results.span.floor, 0)}`);
  row("span_caller_time (ns)", results.span_caller_time, 0, `${(results.span.otel.median / results.span_caller_time.playtrace.median).toFixed(1)}x OTel's span`);
  row("span_total (ns CPU)", results.span_total);
  row("nested (ns)", results.nested);
  row("frame() (ns)", results.frame, 1, "OTel has no frame API");
  row("fetch call (µs added)", results.fetch_call, 1, `bare ${n(bareCall, 1)}`);
  row("fetch settle (µs added)", results.fetch_settle, 1, `bare ${n(bareSettle, 1)}`);
  row("ws send (µs added)", results.ws_send, 2, "OTel by hand");
  row("ws receive (µs added)", results.ws_receive, 2, "OTel by hand");
  row("encode (ns/span)", results.encode);
  row("encode (bytes/span)", results.encode_bytes);
  row("flush by fetch (ns CPU/span)", results.export_fetch, 0, "the transport of a page that stays");
  row("flush by beacon (ns CPU/span)", results.export_beacon, 0, "playtrace as a page goes away; OTel's is its fetch");
  row("flush by fetch, gzip (ns CPU/span)", results.export_fetch_gzip, 0, "playtrace's default; OTel sends plain");
  rows.push(["size gzip -9 (bytes)", n(size.pt.gz), n(size.otel.gz), `${(size.otel.gz / size.pt.gz).toFixed(2)}x`, `brotli ${n(size.pt.br)} vs ${n(size.otel.br)}`]);
  rows.push(["memory after 100k", `wasm ${n(mem.pt.wasm_100k)}, heap ${n(mem.pt.heap_100k)}`, `heap ${n(mem.otel.heap_100k)}`, "", ""]);
  rows.push(["memory after 1M", `wasm ${n(mem.pt.wasm_1M)}, heap ${n(mem.pt.heap_1M)}`, `heap ${n(mem.otel.heap_1M)}`, "", ""]);
  row("ready (ms)", results.ready, 1, "bundled as a game ships it");
  row("ready, plain page (ms)", results.ready_plain, 1, "no bundler: the package's module and wasm; OTel's bundle");
  // Per player-minute, and what a million players cost the collectors.
  const pm = (name, f, d = 0, note = "") => {
    const a = f(player.pt), b = f(player.otel);
    rows.push([name, n(a, d), n(b, d), a > 0 ? `${(b / a).toFixed(2)}x` : "-", note]);
  };
  pm("spans /player-min", (x) => x.spans, 1);
  pm("requests /player-min", (x) => x.calls, 2, "bodies and preflights; the bar is 3x");
  pm("preflights /player-min", (x) => x.preflights, 2);
  pm("body bytes sent /player-min", (x) => x.bodyBytes, 0, `the bar is 4x; playtrace ${Math.round(player.pt.gzippedShare * 100)}% gzipped`);
  pm("bodies gzip -9 /player-min", (x) => x.gzipBytes);
  pm("header bytes /player-min", (x) => x.headerBytes);
  pm("1M players: requests/s", (x) => (x.calls * 1e6) / 60);
  pm("1M players: MB/s", (x) => ((x.bodyBytes + x.headerBytes) * 1e6) / 60 / 1e6, 1, "bodies and headers");
  const head = ["figure", "playtrace median (min-max)", "OpenTelemetry JS", "OTel / playtrace", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  console.log(`${ROUNDS} rounds, each library in fresh pages of one Chromium, alternating`);
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log("written: bench/results.json");
} finally {
  await browser.close();
  server.close();
}
