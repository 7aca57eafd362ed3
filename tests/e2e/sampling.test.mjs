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

test("init touches no storage; every body carries the tab's session ID, the same after a reload", async () => {
  const context = await h.browser.newContext();
  const page = await context.newPage();
  const visit = async () => {
    await page.goto(`${h.origins.page}/`);
    await page.waitForFunction(() => window.ready === true);
    return page.evaluate(async () => {
      // Storage's first touch costs a page milliseconds: init leaves it for later.
      const touched = [];
      for (const name of ["getItem", "setItem", "removeItem"]) {
        const real = Storage.prototype[name];
        Storage.prototype[name] = function (...args) {
          touched.push(`${this === sessionStorage ? "session" : "local"}.${name}`);
          return real.apply(this, args);
        };
      }
      const tracer = window.pt.init({ serviceName: "session-id", flushIntervalMs: 60000, longAnimationFrames: false });
      const atInit = [...touched];
      tracer.startSpan("one").end();
      tracer.flush();
      await tracer.shutdown();
      return { atInit, touched, session: sessionStorage.getItem("playtrace.session.id") };
    });
  };
  const first = await visit();
  const second = await visit();
  await context.close();
  for (const v of [first, second]) {
    assert.deepEqual(v.atInit, [], "init touched no storage");
    assert.ok(v.touched.includes("session.getItem"), `the session was read before the body was written: ${v.touched}`);
  }
  assert.match(first.session, /^[0-9a-f]{32}$/);
  assert.equal(second.session, first.session, "one session for the tab, across a reload");
  await h.waitForSpans(() => h.spansOf("session-id").length >= 2);
  const sessions = h.state.bodies.flatMap((b) => b.resourceSpans || [])
    .filter((r) => r.resource.attributes.some((a) => a.key === "service.name" && a.value.stringValue === "session-id"))
    .map((r) => r.resource.attributes.find((a) => a.key === "session.id")?.value.stringValue);
  assert.deepEqual(sessions, [first.session, first.session], "each body carries the session's ID");
});
