// What playtrace does when the real collector is down, overloaded or rejects a body, as the
// game sees it in stats(): 429, 502, 503 and 504 and network errors are retried with backoff
// (Retry-After honoured), a 400 never is, a status that keeps failing is given up after four
// retries, an endpoint that does not answer keeps its spans waiting (bounded) rather than
// dropping them, and nothing throws into the page. Statuses the collector gives only under load (503, 429) come from a small proxy in
// front of it, which forwards everything else; the 400 is the collector's own answer to a body
// the proxy corrupted. The page sends with credentials "omit" (fetch), the transport whose
// outcome the page can see: a beacon reports nothing back.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import { plainBody } from "../e2e/harness.mjs";
import { freePort, pageAndCollector } from "./servers.mjs";

const s = pageAndCollector();

/**
 * A proxy to the collector that answers the first requests (not preflights) with `script`'s
 * statuses: [status, headers] or "corrupt" (forwarded with its body broken), then forwards.
 */
async function faultProxy(script) {
  const target = new URL(s.col.url);
  const seen = [];
  const carried = []; // the span names of each POST, in order
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let body = Buffer.concat(chunks);
    const step = req.method === "POST" ? script.shift() : undefined;
    if (req.method === "POST") {
      seen.push(step === undefined ? "forwarded" : Array.isArray(step) ? step[0] : step);
      try {
        carried.push(JSON.parse(plainBody(req, body).toString("utf8")).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((x) => x.spans.map((sp) => sp.name))));
      } catch {
        carried.push([]);
      }
    }
    if (Array.isArray(step)) {
      res.writeHead(step[0], { "Access-Control-Allow-Origin": req.headers.origin || "*", ...step[1] }).end("injected");
      return;
    }
    if (step === "corrupt") body = Buffer.concat([body.subarray(0, body.length / 2), Buffer.from("}{")]);
    const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    upstream.end(body);
  });
  const port = await new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
  return { url: `http://127.0.0.1:${port}`, seen, carried, close: () => server.close() };
}

/** Sends one span from a fresh page to `endpoint` and waits until its body is settled. */
async function sendOne(endpoint, name, settled) {
  const page = await s.h.page();
  const stats = await page.evaluate(async ({ endpoint, name, settled }) => {
    // Only the one span: on a loaded machine a long animation frame would add a `jank` span
    // in a body of its own, and its retry would count in the stats asserted here.
    const tracer = window.pt.init({
      serviceName: "failures",
      endpoint,
      credentials: "omit",
      longAnimationFrames: false,
      instrument: { fetch: false, xhr: false },
    });
    tracer.startSpan(name).end();
    tracer.flush();
    const done = new Function("s", `return ${settled};`);
    for (let i = 0; i < 400 && !done(tracer.stats()); i++) await new Promise((r) => setTimeout(r, 50));
    return tracer.stats();
  }, { endpoint, name, settled });
  assert.deepEqual(page.errors, [], "nothing thrown into the page");
  await page.context().close();
  return stats;
}

const arrived = (name) => s.col.spans().some((x) => x.span.name === name);

test("503 with Retry-After, then 429: retried, honouring the delay, and delivered once", async () => {
  const proxy = await faultProxy([[503, { "Retry-After": "1" }], [429, { "Retry-After": "0" }]]);
  const t0 = Date.now();
  const stats = await sendOne(`${proxy.url}/v1/traces`, "after-overload", "s.exported + s.droppedSendFailed >= 1");
  const took = Date.now() - t0;
  proxy.close();
  assert.deepEqual(proxy.seen, [503, 429, "forwarded"]);
  assert.deepEqual([stats.retries, stats.exported, stats.droppedSendFailed], [2, 1, 0]);
  assert.ok(took >= 1000, `Retry-After: 1 was honoured (${took} ms)`);
  await s.col.waitFor(() => arrived("after-overload"));
});

test("502 and 504 are retried too", async () => {
  const proxy = await faultProxy([[502, {}], [504, {}]]);
  const stats = await sendOne(`${proxy.url}/v1/traces`, "after-gateway", "s.exported + s.droppedSendFailed >= 1");
  proxy.close();
  assert.deepEqual(proxy.seen, [502, 504, "forwarded"]);
  assert.deepEqual([stats.retries, stats.exported], [2, 1]);
  await s.col.waitFor(() => arrived("after-gateway"));
});

test("a body the collector rejects with 400 is dropped and counted, never retried", async () => {
  const proxy = await faultProxy(["corrupt"]);
  const stats = await sendOne(`${proxy.url}/v1/traces`, "rejected", "s.exported + s.droppedSendFailed >= 1");
  // Time for a retry that must not come.
  await new Promise((r) => setTimeout(r, 1500));
  proxy.close();
  // The page may send other bodies later (its page-load span, what is queued when it closes);
  // the rejected one is never among them.
  assert.equal(proxy.seen[0], "corrupt", "answered 400 by the collector");
  assert.deepEqual(proxy.carried.filter((names) => names.includes("rejected")).length, 1, "the rejected body is never sent again");
  assert.deepEqual([stats.retries, stats.exported, stats.droppedSendFailed], [0, 0, 1]);
  assert.ok(!arrived("rejected"));
});

test("a collector that is down: retried with backoff, its span kept waiting, never counted as exported", async () => {
  const port = await freePort(); // nothing listens there
  // Once the third attempt has failed (reading at the second retry raced that attempt: it could
  // still be in flight). The span is kept: waiting for its next try, or in it.
  const stats = await sendOne(`http://127.0.0.1:${port}/v1/traces`, "lost", "s.retries >= 2 && s.sendFailures >= 3");
  assert.deepEqual([stats.exported, stats.droppedSendFailed, stats.beaconed], [0, 0, 0]);
  assert.equal(stats.waiting + stats.sending, 1, JSON.stringify(stats));
});

test("a collector that keeps answering 503: four retries, then given up and counted", async () => {
  const proxy = await faultProxy(Array.from({ length: 5 }, () => [503, { "Retry-After": "0" }]));
  const stats = await sendOne(`${proxy.url}/v1/traces`, "overloaded", "s.droppedSendFailed >= 1");
  proxy.close();
  assert.deepEqual([stats.retries, stats.exported, stats.droppedSendFailed], [4, 0, 1], "four retries, then no more");
});
