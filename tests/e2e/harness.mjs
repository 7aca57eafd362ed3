// End-to-end harness: local HTTP servers on 127.0.0.1 (the page's origin, an allowed origin and
// a third-party origin, each echoing the headers it receives), and Debian's Chromium driven by
// playwright-core. The servers close when the tests finish; nothing else is reachable.

import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const pkgDir = join(root, "pkg");

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

/** A request body as an OTLP/HTTP receiver reads it: gunzipped when it says it is gzip, as
 * playtrace sends what goes by fetch. */
export function plainBody(req, raw) {
  return /gzip/.test(req.headers["content-encoding"] || "") ? gunzipSync(raw) : raw;
}

/** A server that echoes what it receives, collects OTLP bodies, and serves the test page. */
function makeServer(name, state) {
  return createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    state.requests.push({ server: name, method: req.method, path: url.pathname + url.search, headers: req.headers });
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Allow-Credentials", "true");
      res.setHeader("Timing-Allow-Origin", origin);
      if (req.headers["access-control-request-headers"]) {
        res.setHeader("Access-Control-Allow-Headers", req.headers["access-control-request-headers"]);
      }
    }
    if (req.method === "OPTIONS") return res.writeHead(204).end();
    if (url.pathname === "/v1/traces") {
      try {
        state.bodies.push(JSON.parse(plainBody(req, body).toString("utf8")));
      } catch {
        return res.writeHead(400).end("not JSON");
      }
      return res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
    if (url.pathname.startsWith("/status/")) {
      return res.writeHead(Number(url.pathname.slice(8))).end("status");
    }
    if (url.pathname === "/slow") {
      setTimeout(() => res.writeHead(200).end("late"), 2000);
      return;
    }
    if (url.pathname === "/delay") {
      const ms = Number(url.searchParams.get("ms") || 100);
      setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("done"), ms);
      return;
    }
    if (url.pathname === "/echo") {
      const echo = { method: req.method, headers: req.headers, bodyLength: body.length, rawHeaders: req.rawHeaders };
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(echo));
    }
    if (url.pathname === "/worker.js") {
      // A module worker that traces a fetch and reports what the server echoed.
      const js = `import wasmInit, * as pt from "/pkg/playtrace.js";
        await wasmInit();
        const tracer = pt.init({ serviceName: "worker" });
        const echo = await (await fetch("/echo?tag=worker")).json();
        for (let i = 0; i < 100 && tracer.stats().spansEnded < 1; i++) await new Promise((r) => setTimeout(r, 20));
        tracer.flush();
        for (let i = 0; i < 100 && tracer.stats().exported < 1; i++) await new Promise((r) => setTimeout(r, 20));
        postMessage({ traceparent: echo.headers.traceparent, stats: tracer.stats() });`;
      return res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    }
    if (url.pathname === "/heavy.js") {
      // A game script with a deliberately heavy frame: the Long Animation Frame blames it.
      const js = `window.heavyNextFrame = (ms) => new Promise((resolve) => {
        requestAnimationFrame(function heavyFrame() {
          const until = performance.now() + ms;
          while (performance.now() < until) {}
          resolve();
        });
      });`;
      return res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    }
    if (url.pathname === "/early") {
      // The package as a game uses it: init at once, before the engine has loaded. The page's
      // script (in the query string) runs first; `window.done` is what it hands back.
      const script = url.searchParams.get("script") || "";
      const html = `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module">
        import * as pt from "/pkg/playtrace.js";
        window.pt = pt;
        ${script}
      </script></body></html>`;
      return res.writeHead(200, { "content-type": "text/html" }).end(html);
    }
    if (url.pathname === "/") {
      const meta = url.searchParams.get("meta");
      const head = meta ? `<meta name="traceparent" content="${meta}">` : "";
      // `?sockets`: the page imports playtrace/websocket too, as a game with sockets does.
      const sockets = url.searchParams.has("sockets") ? `import "/pkg/websocket.js";` : "";
      const html = `<!doctype html><html><head>${head}</head><body><script type="module">
        ${sockets}
        import wasmInit, * as pt from "/pkg/playtrace.js";
        await wasmInit();
        window.pt = pt;
        // A request body as text, gzipped or not: what a test reads back of what playtrace sent.
        window.bodyText = (init) => {
          const gzipped = init.headers && init.headers["content-encoding"] === "gzip";
          const stream = new Blob([init.body]).stream();
          return new Response(gzipped ? stream.pipeThrough(new DecompressionStream("gzip")) : stream).text();
        };
        window.ready = true;
      </script></body></html>`;
      return res.writeHead(200, { "content-type": "text/html" }).end(html);
    }
    if (url.pathname.startsWith("/pkg/")) {
      const file = normalize(join(pkgDir, url.pathname.slice(5)));
      if (!file.startsWith(pkgDir)) return res.writeHead(403).end();
      try {
        const data = await readFile(file);
        return res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" }).end(data);
      } catch {
        return res.writeHead(404).end();
      }
    }
    res.writeHead(404).end("not found");
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

/** Debian's headless Chromium, as every browser test here runs it. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
  });
}

/** Starts the three servers and the browser. */
export async function start() {
  const state = { requests: [], bodies: [] };
  const servers = { page: makeServer("page", state), allowed: makeServer("allowed", state), other: makeServer("other", state) };
  const origins = {};
  for (const [k, s] of Object.entries(servers)) origins[k] = await listen(s);
  const browser = await launch();
  return {
    state,
    origins,
    browser,
    /** A fresh page on the page origin, with playtrace loaded as `window.pt` (and
     * playtrace/websocket with `sockets`). */
    async page(meta, sockets = false) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e));
      const query = new URLSearchParams();
      if (meta) query.set("meta", meta);
      if (sockets) query.set("sockets", "");
      await page.goto(`${origins.page}/${query.size ? `?${query}` : ""}`);
      await page.waitForFunction(() => window.ready === true);
      page.errors = errors;
      return page;
    },
    /** A fresh page on the page origin running `script` as its first module script. */
    async early(script) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      await page.goto(`${origins.page}/early?script=${encodeURIComponent(script)}`);
      await page.waitForFunction(() => window.done !== undefined, null, { timeout: 10000 });
      page.errors = errors;
      return page;
    },
    /** Every span the collector received, OTLP JSON. */
    spans() {
      return state.bodies.flatMap((b) => (b.resourceSpans || []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    },
    /** The spans of one service (tests that share a receiver tell theirs apart by it). */
    spansOf(service) {
      return state.bodies.flatMap((b) => b.resourceSpans || [])
        .filter((r) => r.resource.attributes.some((a) => a.key === "service.name" && a.value.stringValue === service))
        .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    },
    /** Waits until `predicate(spans)` holds (the exporter sends asynchronously). */
    async waitForSpans(predicate, ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (predicate(this.spans())) return this.spans();
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`spans never matched; have ${this.spans().map((s) => s.name).join(", ")}`);
    },
    async stop() {
      await browser.close();
      for (const s of Object.values(servers)) s.close();
    },
  };
}

/** An attribute's value (OTLP AnyValue unwrapped). */
export function attr(span, key) {
  const kv = (span.attributes || []).find((a) => a.key === key);
  if (!kv) return undefined;
  const v = kv.value;
  return v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue);
}
