// Frames in headless Chromium, with real animation frames: an action carries the frames it
// spanned and a long-frame event for the heavy one; the browser's Long Animation Frame entry
// for that frame becomes the action's child span with the script it blames; jank outside
// actions arrives as one summary span; and a game that feeds no frames gets no frame
// attributes at all.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { attr, start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
});
after(async () => {
  await h.stop();
});

const spansOf = (service) => h.spansOf(service);

const eventAttr = (event, key) => {
  const v = (event.attributes || []).find((a) => a.key === key)?.value;
  return v && (v.doubleValue ?? v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined));
};

/** Runs a requestAnimationFrame loop that feeds `tracer.frame` until `stop()`. */
const FEED = `window.feedFrames = (tracer) => {
  let on = true;
  const loop = (t) => { if (!on) return; tracer.frame(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  return () => { on = false; };
};
window.frames = (n) => new Promise((resolve) => {
  const step = () => (n-- <= 0 ? resolve() : requestAnimationFrame(step));
  requestAnimationFrame(step);
});`;

test("an action carries its frames, a long-frame event and the Long Animation Frame with its script", async () => {
  const page = await h.page();
  await page.addScriptTag({ url: "/heavy.js" });
  await page.addScriptTag({ content: FEED });
  const stats = await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "frames", flushIntervalMs: 100 });
    const stop = window.feedFrames(tracer);
    await window.frames(5);
    await tracer.action("boss.fight", undefined, async () => {
      await window.frames(10);
      await window.heavyNextFrame(120);
      await window.frames(10);
    });
    // The Long Animation Frame entry is reported after its frame.
    await window.frames(20);
    stop();
    tracer.flush();
    return tracer.stats();
  });
  assert.deepEqual(page.errors, []);
  await h.waitForSpans(() => spansOf("frames").some((x) => x.name === "long-animation-frame"));
  await page.context().close();
  const spans = spansOf("frames");
  const fight = spans.find((s) => s.name === "boss.fight");
  const count = attr(fight, "frames.count");
  assert.ok(count >= 20 && count <= 30, `frames.count ${count}: the frames that ended while the action was open`);
  // Animation frames begin on vsync, so a 120 ms task makes a frame of 7 vsyncs, about 116.7 ms.
  assert.ok(attr(fight, "frames.max_ms") >= 100, `frames.max_ms ${attr(fight, "frames.max_ms")}`);
  assert.ok(attr(fight, "frames.p50_ms") < 33.4, `frames.p50_ms ${attr(fight, "frames.p50_ms")}: most frames are short`);
  assert.ok(attr(fight, "frames.p95_ms") <= attr(fight, "frames.max_ms"));
  // The heavy frame, and on a busy machine perhaps another one late frame.
  const long = fight.events.filter((e) => e.name === "long-frame");
  assert.ok(long.length >= 1);
  assert.equal(attr(fight, "frames.long_count"), long.length, "every long frame is an event");
  const heavy = long.find((e) => eventAttr(e, "frame.duration_ms") >= 100);
  assert.ok(heavy, "the heavy frame is a long-frame event");
  const eventTime = BigInt(heavy.timeUnixNano);
  assert.ok(eventTime >= BigInt(fight.startTimeUnixNano) && eventTime <= BigInt(fight.endTimeUnixNano), "inside the action");

  const loaf = spans.find((s) => s.name === "long-animation-frame" && attr(s, "loaf.script.function") === "heavyFrame");
  assert.ok(loaf, "the heavy frame's Long Animation Frame");
  assert.equal(loaf.traceId, fight.traceId);
  assert.equal(loaf.parentSpanId, fight.spanId, "a child of the action it overlapped");
  assert.ok(attr(loaf, "loaf.duration_ms") >= 120, `loaf.duration_ms ${attr(loaf, "loaf.duration_ms")}`);
  assert.ok(attr(loaf, "loaf.blocking_duration_ms") > 0);
  assert.match(attr(loaf, "loaf.script.source_url"), /\/heavy\.js$/);
  assert.equal(attr(loaf, "loaf.script.invoker_type"), "user-callback");
  assert.ok(attr(loaf, "loaf.script.duration_ms") >= 120);
  assert.equal(stats.errorsRecorded, 0);
});

test("jank outside actions arrives as one summary span, not a span per frame", async () => {
  const page = await h.page();
  await page.addScriptTag({ url: "/heavy.js" });
  await page.addScriptTag({ content: FEED });
  await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "jank", flushIntervalMs: 60000, frameBudgetMs: 50 });
    const stop = window.feedFrames(tracer);
    await window.frames(3);
    await window.heavyNextFrame(80);
    await window.frames(3);
    await window.heavyNextFrame(100);
    await window.frames(20);
    stop();
    tracer.flush();
  });
  await h.waitForSpans(() => spansOf("jank").some((x) => x.name === "jank"));
  await page.context().close();
  const spans = spansOf("jank");
  const jank = spans.filter((s) => s.name === "jank");
  assert.equal(jank.length, 1);
  const [j] = jank;
  assert.ok(attr(j, "frames.long_count") >= 2, "the two heavy frames are over the 50 ms budget");
  assert.ok(attr(j, "frames.count") >= 25);
  // requestAnimationFrame timestamps are vsync times, so a 100 ms frame may read 99.9.
  assert.ok(attr(j, "frames.max_ms") >= 90, `frames.max_ms ${attr(j, "frames.max_ms")}`);
  // Two frames, each over the budget: their total is more than the longest and the budget.
  assert.ok(attr(j, "frames.long_ms") > attr(j, "frames.max_ms") + 50, `frames.long_ms ${attr(j, "frames.long_ms")}`);
  assert.ok(attr(j, "loaf.count") >= 2, `loaf.count ${attr(j, "loaf.count")}`);
  assert.ok(attr(j, "loaf.max_ms") >= 90, `loaf.max_ms ${attr(j, "loaf.max_ms")}`);
  assert.ok(attr(j, "loaf.blocking_ms") > 0);
  assert.equal(j.parentSpanId ?? "", "", "its own trace");
  assert.equal(spans.filter((s) => s.name === "long-animation-frame").length, 0, "outside actions: only in the summary");
});

test("a game that feeds no frames gets no frame attributes, and frame() before init is harmless", async () => {
  const page = await h.page();
  await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "no-frames", flushIntervalMs: 100, longAnimationFrames: false });
    await tracer.action("menu.open", undefined, () => new Promise((r) => setTimeout(r, 50)));
    tracer.flush();
  });
  await h.waitForSpans(() => spansOf("no-frames").some((x) => x.name === "menu.open"));
  await page.context().close();
  const spans = spansOf("no-frames");
  const menu = spans.find((s) => s.name === "menu.open");
  assert.equal(attr(menu, "frames.count"), undefined);
  assert.deepEqual(menu.events ?? [], []);

  // Frames fed while the engine is still loading are dropped, and nothing throws.
  const early = await h.early(`const tracer = pt.init({ serviceName: "early-frames" });
    tracer.frame(1); tracer.frame();
    await pt.ready();
    tracer.frame(); tracer.frame("not a number");
    window.done = tracer.stats().spansStarted;`);
  assert.deepEqual(early.errors, []);
  assert.equal(await early.evaluate(() => window.done), 0);
  await early.context().close();
});

test("observeFrames: true feeds frames with no tracer.frame() call; a bad frameBudgetMs is named", async () => {
  const page = await h.page();
  await page.addScriptTag({ content: FEED });
  const thrown = await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "observed", flushIntervalMs: 100, observeFrames: true });
    await tracer.action("walk", undefined, () => window.frames(12));
    tracer.flush();
    tracer.shutdown();
    try {
      window.pt.init({ serviceName: "bad", frameBudgetMs: 0 });
      return "no error";
    } catch (e) {
      return e.message;
    }
  });
  assert.match(thrown, /frameBudgetMs/);
  await h.waitForSpans(() => spansOf("observed").some((x) => x.name === "walk"));
  await page.context().close();
  const walk = spansOf("observed").find((s) => s.name === "walk");
  const count = attr(walk, "frames.count");
  assert.ok(count >= 10 && count <= 16, `frames.count ${count}`);
  assert.ok(attr(walk, "frames.max_ms") > 0);
});
