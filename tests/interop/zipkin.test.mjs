// playtrace's Zipkin v2 format against a real Zipkin server (the exec jar from Maven Central, in
// memory): a page on another origin sends to it directly, and the trace read back through
// Zipkin's own API, /api/v2/trace/{id}, is compared span by span, field by field, with what
// playtrace sent. Zipkin lowercases span and service names; nothing else may change. Zipkin's
// CORS does not allow Content-Encoding, so that page sends plain; one on Zipkin's own origin
// sends gzip, which Zipkin takes.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { start } from "../e2e/harness.mjs";
import { zipkin } from "./servers.mjs";

let h, zk;
before(async () => {
  h = await start();
  zk = await zipkin(h.origins.page);
});
after(async () => {
  await zk?.stop();
  await h?.stop();
});

// A Zipkin span with the optional fields written out, as Zipkin's model defines them.
const canon = (s) => ({
  traceId: s.traceId, id: s.id, parentId: s.parentId ?? null, name: (s.name ?? "").toLowerCase(), kind: s.kind ?? null,
  timestamp: s.timestamp, duration: s.duration,
  localEndpoint: { ...s.localEndpoint, serviceName: (s.localEndpoint?.serviceName ?? "").toLowerCase() },
  remoteEndpoint: s.remoteEndpoint ?? null,
  tags: s.tags ?? {}, annotations: (s.annotations ?? []).map((a) => ({ timestamp: a.timestamp, value: a.value })),
  shared: s.shared ?? false, debug: s.debug ?? false,
});

test("spans reach a real Zipkin server across origins and read back as they were sent", async () => {
  const page = await h.page();
  const out = await page.evaluate(async (endpoint) => {
    // What playtrace sends, read from the requests (the exporter uses the fetch the page had
    // at init, so this goes in first).
    const sent = [];
    const encodings = [];
    const realFetch = window.fetch;
    window.fetch = (url, init) => {
      if (String(url) === endpoint && init && init.body) {
        sent.push(window.bodyText(init));
        encodings.push(init.headers["content-encoding"] || "identity");
      }
      return realFetch(url, init);
    };
    const tracer = window.pt.init({ serviceName: "Interop-Web", serviceVersion: "1.2.3", format: "zipkin", endpoint,
      flushIntervalMs: 100, instrument: { fetch: false, xhr: false } });
    const match = tracer.startSpan("Match", { attributes: { map: "caves", players: 4, ratio: 0.75, ranked: true, tags: ["a", "b"] } });
    const request = tracer.startSpan("POST", { parent: match, kind: "client", attributes: { "http.request.method": "POST" } });
    request.addEvent("first_byte");
    request.setStatus({ code: "error", message: "503 from the API" });
    request.end();
    const consumer = tracer.startSpan("leaderboard.push", { parent: match, kind: "consumer" });
    consumer.end();
    match.end();
    tracer.flush();
    for (let i = 0; i < 100 && tracer.stats().exported < 3; i++) await new Promise((r) => setTimeout(r, 20));
    return { bodies: await Promise.all(sent), encodings, stats: tracer.stats(), traceId: match.spanContext().traceId };
  }, `${zk.url}/api/v2/spans`);
  await page.context().close();

  assert.equal(out.stats.exported, 3, `Zipkin accepted every span: ${JSON.stringify(out)}`);
  assert.deepEqual(out.encodings, ["identity"], "plain: Zipkin's CORS does not allow Content-Encoding");
  assert.equal(out.stats.beaconsSent, 0, "no beacon: Zipkin cannot allow credentials");
  const sent = out.bodies.flatMap((b) => JSON.parse(b));
  assert.equal(sent.length, 3);

  let stored = [];
  for (let i = 0; i < 100 && stored.length < 3; i++) {
    const res = await fetch(`${zk.url}/api/v2/trace/${out.traceId}`);
    stored = res.ok ? await res.json() : [];
    if (stored.length < 3) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(stored.length, 3, "the whole trace reads back");
  for (const s of sent) {
    const back = stored.find((x) => x.id === s.id);
    assert.ok(back, `span ${s.name} is in Zipkin`);
    assert.deepEqual(canon(back), canon(s), `span ${s.name} reads back as it was sent`);
  }
  // What was sent says what the game did.
  const post = canon(stored.find((x) => x.name === "post"));
  assert.equal(post.kind, "CLIENT");
  assert.equal(post.parentId, stored.find((x) => x.name === "match").id);
  assert.equal(post.tags.error, "503 from the API");
  assert.deepEqual(post.annotations.map((a) => a.value), ["first_byte"]);
  assert.equal(canon(stored.find((x) => x.name === "match")).tags.players, "4");
});

test("a Zipkin on the page's own origin takes playtrace's gzipped bodies", async () => {
  // The game's origin forwards /api/v2/spans to Zipkin as it is, as a reverse proxy in front of
  // a collector does; the page loads playtrace from the package's origin.
  const proxy = createServer(async (req, res) => {
    if (req.url === "/") {
      return res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><script type="module">
        import wasmInit, * as pt from "${h.origins.page}/pkg/playtrace.js";
        await wasmInit();
        window.pt = pt;
        window.ready = true;
      </script>`);
    }
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const upstream = await fetch(`${zk.url}${req.url}`, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
        headers: { "content-type": req.headers["content-type"] || "", ...(req.headers["content-encoding"] ? { "content-encoding": req.headers["content-encoding"] } : {}) } });
      res.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      // A request still on its way as the test ends (the closing page's) finds Zipkin gone.
      if (!res.headersSent) res.writeHead(502);
      res.end();
    }
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  const context = await h.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${proxy.address().port}/`);
    await page.waitForFunction(() => window.ready === true);
    const out = await page.evaluate(async () => {
      const encodings = [];
      const realFetch = window.fetch;
      window.fetch = (url, init) => {
        if (init && init.body) encodings.push(init.headers["content-encoding"] || "identity");
        return realFetch(url, init);
      };
      const tracer = window.pt.init({ serviceName: "same-origin", format: "zipkin", endpoint: "/api/v2/spans", compression: "gzip",
        instrument: { fetch: false, xhr: false } });
      const span = tracer.startSpan("zipped", { attributes: { level: "caves" } });
      span.end();
      tracer.flush();
      for (let i = 0; i < 100 && tracer.stats().exported < 1; i++) await new Promise((r) => setTimeout(r, 20));
      return { encodings, stats: tracer.stats(), traceId: span.spanContext().traceId };
    });
    assert.deepEqual(out.encodings, ["gzip"]);
    assert.deepEqual([out.stats.exported, out.stats.bodiesGzipped], [1, 1]);
    let stored = [];
    for (let i = 0; i < 100 && stored.length < 1; i++) {
      const res = await fetch(`${zk.url}/api/v2/trace/${out.traceId}`);
      stored = res.ok ? await res.json() : [];
      if (stored.length < 1) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(stored[0]?.name, "zipped");
    assert.equal(stored[0].tags.level, "caves");
  } finally {
    await context.close();
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  }
});
