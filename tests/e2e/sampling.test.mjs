// Session-consistent sampling in headless Chromium: a play session the sampler drops sends no
// span at all, across actions, fetches and a page hide, yet its requests still carry
// `traceparent` (sampled flag off) so servers can decide alike; a kept session sends
// everything with the flag on.

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

/** Plays a short session with `rate`, then hides the page; what the server saw and the stats. */
async function play(service, rate) {
  const page = await h.page();
  const out = await page.evaluate(async ([service, rate]) => {
    const tracer = window.pt.init({ serviceName: service, sampler: { type: "session", rate }, flushIntervalMs: 100 });
    const seen = [];
    for (const item of ["sword", "shield"]) {
      await tracer.action("buy", { attributes: { item } }, async () => {
        seen.push((await (await fetch(`/echo?item=${item}`)).json()).headers.traceparent);
      });
    }
    tracer.startSpan("frame").end();
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
    await new Promise((r) => setTimeout(r, 300));
    return { seen, stats: tracer.stats(), session: sessionStorage.getItem("playtrace.session.id") };
  }, [service, rate]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
  return out;
}

test("a dropped session sends nothing and still propagates; a kept one sends everything", async () => {
  const dropped = await play("dropped-session", 0);
  assert.equal(dropped.seen.length, 2);
  const flags = (tp) => parseInt(tp.slice(-2), 16);
  for (const tp of dropped.seen) {
    assert.match(tp, /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    assert.equal(flags(tp) & 1, 0, `${tp}: the sampled flag is off`);
  }
  assert.equal(dropped.stats.exported, 0);
  assert.equal(dropped.stats.sampledOut, 5, "two actions, their fetches and a frame");
  assert.ok(dropped.session, "the session has an ID");

  const kept = await play("kept-session", 1);
  for (const tp of kept.seen) assert.equal(flags(tp) & 1, 1, `${tp}: the sampled flag is on`);
  await h.waitForSpans(() => h.spansOf("kept-session").length >= 5);
  // The receiver saw the kept session's spans and never one of the dropped session's.
  assert.equal(h.spansOf("dropped-session").length, 0);
  assert.ok(h.state.requests.filter((r) => r.path === "/v1/traces").length >= 1);
});
