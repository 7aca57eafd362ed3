// What one player costs the collectors: a synthetic game (a frame loop, an action with one fetch
// every 2 s) visible for a few minutes, then closed, sending to a receiver on another origin
// that answers CORS as the README's collector settings do. Both libraries at their defaults run
// side by side in pages of one Chromium; the receiver counts what reaches it.

import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";

const TICK_MS = 2_000; // an action with one fetch, every 2 s

/** The game's page for `lib` (`pt` or `otel`), sending to `endpoint`. */
export function gamePage(lib, endpoint) {
  const game = lib === "pt"
    ? `
    import load, * as pt from "/pt/playtrace.js";
    await load();
    const tracer = pt.init({ serviceName: "game", endpoint: ${JSON.stringify(endpoint)} });
    const loop = (t) => { tracer.frame(t); requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
    setInterval(() => {
      tracer.action("tick", undefined, () => fetch("/api/item").then((r) => r.json())).catch(() => {});
    }, ${TICK_MS});`
    : `
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/otel.js"; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
    const { tracer } = benchOtel.setup(${JSON.stringify(endpoint)}, []);
    const loop = () => requestAnimationFrame(loop);
    requestAnimationFrame(loop);
    setInterval(() => {
      tracer.startActiveSpan("tick", (span) => fetch("/api/item").then((r) => r.json()).catch(() => {}).finally(() => span.end()));
    }, ${TICK_MS});`;
  return `<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
  ${game}
  window.ready = true;
</script></body></html>`;
}

/** Spans in an OTLP JSON body. */
function spanCount(json) {
  let n = 0;
  for (const rs of json.resourceSpans || []) for (const ss of rs.scopeSpans || []) n += (ss.spans || []).length;
  return n;
}

/** A receiver on its own origin counting, per path, requests, preflights and bytes. */
async function receiver(gameOrigin) {
  const seen = new Map();
  const of = (path) => {
    if (!seen.has(path)) seen.set(path, { requests: 0, preflights: 0, bodyBytes: 0, plainBytes: 0, gzipBytes: 0, headerBytes: 0, spans: 0, gzipped: 0 });
    return seen.get(path);
  };
  const cors = {
    "access-control-allow-origin": gameOrigin,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "content-type, content-encoding",
    "access-control-max-age": "7200",
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const c = of(path);
    let headerBytes = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) headerBytes += req.rawHeaders[i].length + req.rawHeaders[i + 1].length + 4;
    if (req.method === "OPTIONS") {
      c.preflights++;
      c.headerBytes += headerBytes;
      return res.writeHead(204, cors).end();
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const gzipped = /gzip/i.test(req.headers["content-encoding"] || "");
    const plain = gzipped ? gunzipSync(raw) : raw;
    c.requests++;
    c.headerBytes += headerBytes;
    c.bodyBytes += raw.length;
    c.plainBytes += plain.length;
    c.gzipBytes += gzipSync(plain, { level: 9 }).length;
    if (gzipped) c.gzipped++;
    try {
      c.spans += spanCount(JSON.parse(plain.toString("utf8")));
    } catch {}
    // PLAYER_DUMP=dir keeps the last body of each library, to see what a span carries.
    if (process.env.PLAYER_DUMP) writeFileSync(`${process.env.PLAYER_DUMP}/${path.split("/")[1]}.json`, plain);
    res.writeHead(200, { ...cors, "content-type": "application/json" }).end("{}");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://localhost:${server.address().port}`, seen: (path) => of(path), close: () => server.close() };
}

/**
 * Per player-minute figures for both libraries, run side by side for `minutes` of visible play
 * and closed; `gameOrigin` serves `/game/<lib>?endpoint=...` (see `gamePage`) and `/api/item`.
 */
export async function playerMinute(browser, gameOrigin, minutes) {
  const rx = await receiver(gameOrigin);
  try {
    const pages = [];
    for (const lib of ["pt", "otel"]) {
      const context = await browser.newContext();
      const p = await context.newPage();
      const errors = [];
      p.on("pageerror", (e) => errors.push(e));
      const endpoint = `${rx.url}/${lib}/v1/traces`;
      await p.goto(`${gameOrigin}/game/${lib}?endpoint=${encodeURIComponent(endpoint)}`);
      await p.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
      if (errors.length) throw new Error(`${lib}: ${errors[0]}`);
      const visible = await p.evaluate(() => document.visibilityState);
      if (visible !== "visible") throw new Error(`${lib}: the game page is ${visible}`);
      pages.push({ lib, p, context });
    }
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    // Closed as a player closes the tab: pagehide sends what is left.
    await Promise.all(pages.map(({ p }) => p.close({ runBeforeUnload: true })));
    await new Promise((r) => setTimeout(r, 3_000));
    await Promise.all(pages.map(({ context }) => context.close()));
    const out = {};
    for (const lib of ["pt", "otel"]) {
      const c = rx.seen(`/${lib}/v1/traces`);
      const per = (x) => x / minutes;
      out[lib] = {
        spans: per(c.spans),
        requests: per(c.requests),
        preflights: per(c.preflights),
        calls: per(c.requests + c.preflights),
        bodyBytes: per(c.bodyBytes),
        plainBytes: per(c.plainBytes),
        gzipBytes: per(c.gzipBytes),
        headerBytes: per(c.headerBytes),
        gzippedShare: c.requests ? c.gzipped / c.requests : 0,
      };
    }
    return out;
  } finally {
    rx.close();
  }
}
