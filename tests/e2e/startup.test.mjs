// The package's synchronous start-up in headless Chromium: a game calls `init` and records spans
// before the wasm engine has loaded; all of it must reach the collector as if the engine had
// been there, and nothing may throw into the page.

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

test("what the game records before the engine loads is replayed with its times, parents and outcome", async () => {
  const page = await h.early(`
    const tracer = pt.init({ serviceName: "early", flushIntervalMs: 100 });
    const frame = tracer.startSpan("frame-1", { attributes: { n: 1 } });
    const physics = tracer.withSpan(frame, () => tracer.startSpan("physics"));
    physics.addEvent("collide", { who: "coin" });
    physics.setStatus({ code: "error", message: "tunnelled" });
    physics.end();
    frame.updateName("frame-one");
    frame.end();
    const early = { ctx: frame.spanContext(), stats: tracer.stats(), recording: physics.isRecording(),
      same: pt.getTracer() === tracer };
    tracer.setBaggage("player.tier", "gold");
    // One action fails before the engine loads; another is still open when it does.
    const failed = tracer.action("boot", undefined, () => { throw new Error("no save file"); }).catch((e) => e.message);
    let release;
    const open = tracer.action("load-level", undefined, () => new Promise((r) => { release = r; }));
    // A start-up request inside an action, before the engine: traced, without trace headers.
    const config = tracer.action("load-config", undefined, () => fetch("/echo?tag=early").then((r) => r.json()));
    // One that gets no response: the browser refuses its method.
    let refusedAt;
    const refused = fetch("/echo?tag=refused", { method: "CONNECT" }).then(() => "answered", (e) => { refusedAt = Date.now(); return e.name; });
    const loaded = await pt.ready();
    const configEcho = await config; // settled first: the newest open action parents requests
    const echo = await (await fetch("/echo?tag=level")).json();
    release("level ready");
    const result = {
      early, failed: await failed, opened: await open, readySame: loaded === tracer,
      ctx: frame.spanContext(), statsKeys: Object.keys(tracer.stats()), traceparent: echo.headers.traceparent,
      baggage: echo.headers.baggage, earlyTraceparent: configEcho.headers.traceparent ?? "none",
      refused: await refused, refusedAt,
    };
    // The request's span ends once Resource Timing has reported it.
    for (let i = 0; i < 100; i++) {
      const st = tracer.stats();
      // Eight spans: frame-one, physics, boot, load-config, load-level and the three requests.
      if (st.spansStarted >= 8 && st.spansStarted - st.sampledOut === st.spansEnded) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    tracer.flush();
    window.done = result;
  `);
  const out = await page.evaluate(() => window.done);
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // Before the engine: no IDs yet, every counter zero, the same tracer throughout.
  assert.equal(out.early.ctx.traceId, "0".repeat(32));
  assert.equal(out.early.recording, false, "an ended span is not recording");
  assert.ok(out.early.same && out.readySame);
  assert.deepEqual(Object.keys(out.early.stats), out.statsKeys, "the same counters before and after");
  assert.ok(Object.values(out.early.stats).every((v) => v === 0));
  assert.equal(out.failed, "no save file");
  assert.equal(out.opened, "level ready");

  const spans = await h.waitForSpans((s) => ["frame-one", "physics", "boot", "load-level"].every((n) => s.some((x) => x.name === n))
    && s.some((x) => x.kind === 3 && String(attr(x, "url.full")).includes("tag=level")));
  const by = (name) => spans.find((s) => s.name === name);
  const frame = by("frame-one"), physics = by("physics"), boot = by("boot"), level = by("load-level");
  // After the engine: the span the game holds has the IDs it was sent with.
  assert.equal(out.ctx.traceId, frame.traceId);
  assert.equal(out.ctx.spanId, frame.spanId);
  assert.equal(attr(frame, "n"), 1);
  assert.equal(physics.parentSpanId, frame.spanId);
  assert.equal(physics.traceId, frame.traceId);
  assert.deepEqual(physics.events.map((e) => [e.name, e.attributes[0].value.stringValue]), [["collide", "coin"]]);
  assert.deepEqual([physics.status.code, physics.status.message], [2, "tunnelled"]);
  assert.ok(BigInt(physics.startTimeUnixNano) >= BigInt(frame.startTimeUnixNano));
  assert.ok(BigInt(physics.endTimeUnixNano) <= BigInt(frame.endTimeUnixNano));
  // The failed action: its exception and error status, recorded before the engine existed.
  assert.deepEqual([boot.status.code, boot.status.message], [2, "no save file"]);
  const exception = boot.events.find((e) => e.name === "exception");
  assert.equal(attr(exception, "exception.message"), "no save file");
  assert.ok(BigInt(exception.timeUnixNano) <= BigInt(boot.endTimeUnixNano), "at the failure, not at the replay");
  // The open action became the engine's: the parent of the game's request, ended after it.
  const request = spans.find((s) => s.kind === 3 && String(attr(s, "url.full")).includes("tag=level"));
  assert.equal(request.parentSpanId, level.spanId);
  assert.equal(out.traceparent.split("-")[2], request.spanId);
  assert.ok(BigInt(level.endTimeUnixNano) >= BigInt(request.endTimeUnixNano));
  assert.equal(attr(request, "playtrace.span.ended_by_pagehide"), undefined);
  assert.equal(out.baggage, "player.tier=gold");

  // The request made before the engine: its span under its action, with its outcome and timing.
  const config = spans.find((s) => s.name === "load-config");
  const early = await h.waitForSpans((s) => s.some((x) => x.kind === 3 && String(attr(x, "url.full")).includes("tag=early")));
  const first = early.find((s) => s.kind === 3 && String(attr(s, "url.full")).includes("tag=early"));
  assert.equal(out.earlyTraceparent, "none", "it went out without trace headers");
  assert.equal(first.parentSpanId, config.spanId);
  assert.equal(attr(first, "playtrace.before_ready"), true);
  assert.equal(attr(first, "http.response.status_code"), 200);
  assert.ok(first.events.some((e) => e.name === "download"), "its Resource Timing phases");
  assert.ok(BigInt(first.startTimeUnixNano) >= BigInt(config.startTimeUnixNano));
  assert.ok(BigInt(first.endTimeUnixNano) <= BigInt(config.endTimeUnixNano));
  // The one without a response: its error, and the time it failed at, not the replay's.
  assert.equal(out.refused, "TypeError");
  const refused = early.find((s) => String(attr(s, "url.full")).includes("tag=refused"));
  assert.equal(attr(refused, "error.type"), "TypeError");
  assert.equal(attr(refused, "playtrace.before_ready"), true);
  assert.equal(refused.status.code, 2);
  const endedMs = Number(BigInt(refused.endTimeUnixNano) / 1_000_000n);
  assert.ok(Math.abs(endedMs - out.refusedAt) <= 25, `ended at its failure (${endedMs - out.refusedAt} ms), not at the replay`);
  // The engine's own download is not the game's request.
  assert.deepEqual(early.filter((s) => s.kind === 3).map((s) => new URL(attr(s, "url.full")).search).sort(), ["?tag=early", "?tag=level", "?tag=refused"]);
});

test("a request made before the engine loads, still waiting for its timing when the page leaves, is sent", async () => {
  const page = await h.early(`
    const tracer = pt.init({ serviceName: "leaving", flushIntervalMs: 60000 });
    const response = fetch("/slow?tag=leaving"); // answers after 2 s, long after the engine loaded
    await pt.ready();
    await (await response).text();
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
    window.done = true;
  `);
  await page.context().close();
  const spans = await h.waitForSpans((s) => s.some((x) => String(attr(x, "url.full")).includes("tag=leaving")));
  const span = spans.find((x) => String(attr(x, "url.full")).includes("tag=leaving"));
  assert.equal(attr(span, "http.response.status_code"), 200);
  assert.equal(attr(span, "playtrace.before_ready"), true);
});

test("an action started from an input before the engine loads keeps its input and its result frame", async () => {
  const page = await h.early(`
    const tracer = pt.init({ serviceName: "early-input", flushIntervalMs: 100 });
    // A key press the game handled itself, then an action answering it, before the engine runs.
    const press = new KeyboardEvent("keydown", { key: "ArrowUp" });
    let release;
    const move = tracer.action("jump", { event: press }, () => new Promise((r) => { release = r; }));
    await pt.ready();
    release();
    await move;
    await new Promise((r) => setTimeout(r, 300)); // the result frame, then the flush
    tracer.flush();
    window.done = { pressedAt: press.timeStamp };
  `);
  const spans = await h.waitForSpans((s) => s.some((x) => x.name === "jump"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
  const jump = spans.find((x) => x.name === "jump");
  assert.equal(attr(jump, "input.type"), "keydown");
  const duration = Number(BigInt(jump.endTimeUnixNano) - BigInt(jump.startTimeUnixNano)) / 1e6;
  assert.ok(attr(jump, "action.result_frame_ms") >= duration, `result frame ${attr(jump, "action.result_frame_ms")} after an action of ${duration} ms`);
});

test("a bad config before the engine loads: nothing throws, ready() rejects naming the key", async () => {
  const page = await h.early(`
    const tracer = pt.init({ serviceName: "bad", batchSize: -1 });
    const span = tracer.startSpan("lost");
    span.setAttribute("k", 1);
    span.end();
    let rejected;
    try { await pt.ready(); } catch (e) { rejected = e instanceof Error ? e.message : "not an Error"; }
    // Once the engine is loaded, init answers a bad config at once.
    let thrown;
    try { pt.init({ serviceName: "bad", flushIntervalMs: "soon" }); } catch (e) { thrown = e.message; }
    window.done = { rejected, thrown, recording: tracer.startSpan("after").isRecording(), stats: tracer.stats().spansStarted };
  `);
  const out = await page.evaluate(() => window.done);
  await page.context().close();
  assert.match(out.rejected, /batchSize/);
  assert.match(out.thrown, /flushIntervalMs/);
  assert.equal(out.recording, false);
  assert.equal(out.stats, 0);
  // The one thing said: why nothing is traced.
  assert.equal(page.errors.length, 1);
  assert.match(String(page.errors[0]), /playtrace: init failed, nothing is traced: .*batchSize/);
});
