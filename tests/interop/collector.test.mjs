// playtrace against a real OpenTelemetry Collector: a page on one origin sends its beacons to the
// collector on another (the CORS preflight, with the credentials a beacon carries, must pass),
// and every span the collector decoded and wrote out is compared, field by field, with the span
// playtrace sent: IDs, parent, name, kind, times, typed attributes, events, links, status, flags,
// trace state, dropped counts, resource and scope.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pageAndCollector } from "./servers.mjs";

const s = pageAndCollector();

// OTLP JSON with the proto3 defaults written out, and lists in a fixed order, so that two
// encoders of the same span compare equal.
const sorted = (kvs) => (kvs || []).map((kv) => ({ key: kv.key, value: kv.value })).sort((a, b) => (a.key < b.key ? -1 : 1));
const canon = ({ span: s, resource, scope }) => ({
  traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || "", traceState: s.traceState || "",
  flags: s.flags || 0, name: s.name, kind: s.kind || 0,
  startTimeUnixNano: String(s.startTimeUnixNano), endTimeUnixNano: String(s.endTimeUnixNano),
  attributes: sorted(s.attributes), droppedAttributesCount: s.droppedAttributesCount || 0,
  events: (s.events || []).map((e) => ({ name: e.name, timeUnixNano: String(e.timeUnixNano), attributes: sorted(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount || 0 })),
  droppedEventsCount: s.droppedEventsCount || 0,
  links: (s.links || []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState || "", flags: l.flags || 0,
    attributes: sorted(l.attributes), droppedAttributesCount: l.droppedAttributesCount || 0 })),
  droppedLinksCount: s.droppedLinksCount || 0,
  status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || "" },
  resource: sorted(resource && resource.attributes),
  scope: { name: (scope && scope.name) || "", version: (scope && scope.version) || "" },
});

test("every span reaches a real collector across origins, field by field as playtrace sent it", async () => {
  const page = await s.h.page();
  const out = await page.evaluate(async (endpoint) => {
    // What playtrace hands the browser, read back from the bodies of its requests (the
    // exporter keeps the fetch it finds at init, so this goes in first).
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
    const tracer = window.pt.init({
      serviceName: "interop-web", serviceVersion: "1.2.3", environment: "test", endpoint,
      resourceAttributes: { "game.build": 7781 }, flushIntervalMs: 100,
    });
    const loading = tracer.startSpan("loading-screen");
    loading.end();
    const match = tracer.startSpan("match", { attributes: {
      s: "text", i: 42, d: 1.5, b: true, sa: ["a", "b"], ia: [1, 2], da: [0.5, 1.5], ba: [true, false],
    } });
    const round = tracer.startSpan("round", { parent: match, kind: "producer",
      links: [{ context: loading, attributes: { "link.reason": "after loading" } }] });
    round.addEvent("goal", { player: "ada", score: 3 });
    round.setStatus({ code: "error", message: "overtime" });
    round.end();
    const crowded = tracer.startSpan("crowded", { parent: match });
    for (let i = 0; i < 140; i++) crowded.setAttribute(`k${i}`, i);
    for (let i = 0; i < 140; i++) crowded.addEvent(`e${i}`);
    crowded.end();
    match.setStatus({ code: "ok" });
    match.end();
    tracer.flush();
    // The body is handed to fetch once gzipped, a moment after the flush.
    for (let i = 0; i < 100 && tracer.stats().exported < 4; i++) await new Promise((r) => setTimeout(r, 20));
    return { bodies: await Promise.all(sent), encodings, stats: tracer.stats() };
  }, `${s.col.url}/v1/traces`);
  await page.context().close();

  const sentSpans = out.bodies.flatMap((b) => JSON.parse(b).resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource, scope: ss.scope })))));
  assert.equal(sentSpans.length, 4, "four spans sent");
  // They went by fetch with credentials, as a closing page's beacon carries them: the
  // collector's 2xx, read by the page, proves the credentialed preflight passed.
  assert.equal(out.stats.exported, 4);
  assert.deepEqual(out.encodings, ["gzip"], "sent gzipped, and the Collector took it");
  assert.ok(out.stats.fetchKeepalive >= 1);
  assert.equal(out.stats.beaconed, 0);
  assert.equal(out.stats.droppedSendFailed, 0);

  const arrived = await s.col.waitFor((spans) => sentSpans.every((s) => spans.some((a) => a.span.spanId === s.span.spanId)));
  for (const s of sentSpans) {
    const a = arrived.find((x) => x.span.spanId === s.span.spanId);
    assert.deepEqual(canon(a), canon(s), `span ${s.span.name} arrived as it was sent`);
  }
  // And what was sent is what the game did, so the comparison covers every field kind.
  const by = (name) => canon(arrived.find((x) => x.span.name === name));
  const match = by("match"), round = by("round"), crowded = by("crowded"), loading = by("loading-screen");
  assert.equal(round.parentSpanId, match.spanId);
  assert.equal(round.kind, 4, "PRODUCER");
  assert.deepEqual(round.links.map((l) => [l.spanId, l.attributes[0].value.stringValue]), [[loading.spanId, "after loading"]]);
  assert.deepEqual(round.status, { code: 2, message: "overtime" });
  assert.deepEqual(round.events.map((e) => [e.name, e.attributes.map((kv) => kv.key)]), [["goal", ["player", "score"]]]);
  assert.deepEqual(match.attributes.find((kv) => kv.key === "ia").value, { arrayValue: { values: [{ intValue: "1" }, { intValue: "2" }] } });
  assert.deepEqual(match.attributes.find((kv) => kv.key === "d").value, { doubleValue: 1.5 });
  assert.ok(crowded.droppedAttributesCount > 0 && crowded.droppedEventsCount > 0, "dropped counts travel");
  assert.ok(match.resource.some((kv) => kv.key === "game.build" && kv.value.intValue === "7781"));
  assert.equal(match.scope.name, "playtrace");
  assert.equal(match.flags & 1, 1, "sampled");
});
