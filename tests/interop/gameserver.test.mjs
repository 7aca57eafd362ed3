// playtrace in front of a Go game server instrumented the way studios do it: the OpenTelemetry
// Go SDK, otelhttp, the W3C trace-context and baggage propagators and a parent-based sampler,
// exporting to the same real collector as the page. The collector must hold one trace in which
// the server's span is a child of playtrace's fetch span, the page's baggage reaches the
// server intact, and a trace the browser did not sample leaves no server span. The collector
// sends everything on to Jaeger v2, whose own query API must return that same trace. A page
// also sends gzipped bodies straight to Jaeger's own OTLP/HTTP receiver.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { start } from "../e2e/harness.mjs";
import { collector, gameServer, jaeger } from "./servers.mjs";

let h, jg, col, api, played;
before(async () => {
  h = await start();
  jg = await jaeger([h.origins.page]);
  col = await collector([h.origins.page], jg.otlp);
  api = await gameServer(col.url, h.origins.page);
});
after(async () => {
  await api?.stop();
  await col?.stop();
  await jg?.stop();
  await h?.stop();
});

/** Runs a player action that fetches a level from the game server, in a fresh page. */
async function playLevel(config, level) {
  const page = await h.page();
  const out = await page.evaluate(async ({ config, url }) => {
    const tracer = window.pt.init(config);
    tracer.setBaggage("player.tier", "gold+vip 1");
    let fetchSpan;
    const level = await tracer.action("load-level", undefined, async (span) => {
      fetchSpan = span.spanContext().traceId;
      return (await fetch(url)).json();
    });
    for (let i = 0; i < 100; i++) {
      const st = tracer.stats();
      if (st.spansStarted - st.sampledOut === st.spansEnded) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    tracer.flush();
    return { level, traceId: fetchSpan, stats: tracer.stats() };
  }, { config, url: `${api.url}/api/level/${level}` });
  assert.deepEqual(page.errors, []);
  await page.context().close();
  return out;
}

test("the Go server's span joins the browser's trace under the fetch span, with the page's baggage", async () => {
  const out = await playLevel({ serviceName: "interop-web", endpoint: `${col.url}/v1/traces`, propagateTo: [api.url], flushIntervalMs: 100 }, 3);
  played = out;
  assert.equal(out.level.level, "3");
  assert.equal(out.level.traceId, out.traceId, "the server continued the browser's trace");
  assert.equal(out.level.sampled, true);
  assert.equal(out.level.tier, "gold+vip 1", "baggage arrives as the page set it");

  const spans = await col.waitFor((s) => s.some((x) => x.span.traceId === out.traceId && x.span.kind === 2)
    && s.some((x) => x.span.traceId === out.traceId && x.span.kind === 3));
  const trace = spans.filter((x) => x.span.traceId === out.traceId);
  const service = (x) => x.resource.attributes.find((kv) => kv.key === "service.name").value.stringValue;
  const action = trace.find((x) => x.span.name === "load-level");
  const client = trace.find((x) => x.span.kind === 3);
  const server = trace.find((x) => x.span.kind === 2);
  assert.deepEqual([service(action), service(client), service(server)], ["interop-web", "interop-web", "game-server"]);
  assert.equal(client.span.parentSpanId, action.span.spanId);
  assert.equal(server.span.parentSpanId, client.span.spanId, "the server span's parent is playtrace's fetch span");
  assert.equal(server.span.name, "GET /api/level/3");
  assert.deepEqual(server.span.attributes.find((kv) => kv.key === "game.player_tier").value, { stringValue: "gold+vip 1" });
  assert.equal(server.scope.name, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp");
});

test("a trace the browser did not sample leaves no server span, and still propagates", async () => {
  const out = await playLevel({ serviceName: "interop-web", endpoint: `${col.url}/v1/traces`, propagateTo: [api.url], sampler: "never" }, 4);
  assert.equal(out.level.traceId, out.traceId, "the server saw the browser's trace ID");
  assert.equal(out.level.sampled, false, "and its sampled flag, off");
  assert.equal(out.stats.exported, 0);
  // The server exports every 100 ms; give it ten times that to send a span it should not have.
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(col.spans().filter((x) => x.span.traceId === out.traceId), []);
  // The collector is alive and writing: level 3's trace is there.
  assert.ok(col.spans().some((x) => x.span.kind === 2));
});

test("Jaeger, behind the collector, returns the browser and server spans as one trace", async () => {
  assert.ok(played, "the first test played a level");
  let trace;
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${jg.url}/api/traces/${played.traceId}`);
    trace = res.ok ? (await res.json()).data?.[0] : undefined;
    if (trace && trace.spans.length >= 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(trace && trace.spans.length === 3, `Jaeger has the trace: ${JSON.stringify(trace)?.slice(0, 300)}`);
  const service = (span) => trace.processes[span.processID].serviceName;
  const parent = (span) => span.references.find((r) => r.refType === "CHILD_OF")?.spanID;
  const action = trace.spans.find((s) => s.operationName === "load-level");
  const client = trace.spans.find((s) => s.tags.some((t) => t.key === "span.kind" && t.value === "client"));
  const server = trace.spans.find((s) => s.tags.some((t) => t.key === "span.kind" && t.value === "server"));
  assert.deepEqual([service(action), service(client), service(server)], ["interop-web", "interop-web", "game-server"]);
  assert.equal(parent(action), undefined, "the action is the root");
  assert.equal(parent(client), action.spanID);
  assert.equal(parent(server), client.spanID);
});

test("a page sends gzipped bodies straight to Jaeger's own OTLP/HTTP receiver", async () => {
  const page = await h.page();
  const out = await page.evaluate(async (endpoint) => {
    const encodings = [];
    const realFetch = window.fetch;
    window.fetch = (url, init) => {
      if (String(url) === endpoint && init && init.body) encodings.push(init.headers["content-encoding"] || "identity");
      return realFetch(url, init);
    };
    const tracer = window.pt.init({ serviceName: "jaeger-direct", endpoint, instrument: { fetch: false, xhr: false }, longAnimationFrames: false });
    const span = tracer.startSpan("boss-fight", { attributes: { "boss.name": "hydra" } });
    span.end();
    tracer.flush();
    for (let i = 0; i < 100 && tracer.stats().exported < 1; i++) await new Promise((r) => setTimeout(r, 20));
    return { encodings, stats: tracer.stats(), traceId: span.spanContext().traceId };
  }, `${jg.http}/v1/traces`);
  await page.context().close();
  assert.deepEqual(out.encodings, ["gzip"]);
  assert.deepEqual([out.stats.exported, out.stats.bodiesGzipped, out.stats.sendFailures], [1, 1, 0]);
  let trace;
  for (let i = 0; i < 100 && !trace; i++) {
    const res = await fetch(`${jg.url}/api/traces/${out.traceId}`);
    trace = res.ok ? (await res.json()).data?.[0] : undefined;
    if (!trace) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(trace, "Jaeger has the trace");
  assert.equal(trace.spans[0].operationName, "boss-fight");
  assert.ok(trace.spans[0].tags.some((t) => t.key === "boss.name" && t.value === "hydra"));
});
