// Input to result in headless Chromium, with real input events (trusted clicks and key presses
// sent through the browser): an action started in a click handler carries the browser's Event
// Timing breakdown and the latency from the click to the first frame after it settled, which
// is longer than its fetch; an action started later from a queued key press names its event;
// an action no input started, or a tracer with `inputTiming: false`, carries none of it.

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

const ms = (span) => Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;

/** A page with a Buy button whose click handler works 40 ms, then starts an action with a fetch. */
async function shop(config) {
  const page = await h.page();
  await page.evaluate((config) => {
    window.tracer = window.pt.init(config);
    const button = document.createElement("button");
    button.id = "buy";
    button.textContent = "Buy";
    button.style.cssText = "width: 200px; height: 60px";
    document.body.append(button);
    button.addEventListener("click", () => {
      const until = performance.now() + 40;
      while (performance.now() < until) {}
      window.bought = window.tracer.action("shop.buy", undefined, async () => {
        await (await fetch("/delay?ms=150")).text();
      });
    });
  }, config);
  return page;
}

test("a click's action has the Event Timing breakdown and a result frame later than its fetch", async () => {
  const page = await shop({ serviceName: "input", flushIntervalMs: 100 });
  await page.click("#buy");
  await page.waitForFunction(() => window.bought !== undefined);
  await page.evaluate(() => window.bought);
  await h.waitForSpans(() => spansOf("input").some((s) => s.name === "shop.buy"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
  const spans = spansOf("input");
  const buy = spans.find((s) => s.name === "shop.buy");
  const get = spans.find((s) => s.name === "GET" && s.parentSpanId === buy.spanId);
  assert.ok(get, "the fetch is the action's child");
  assert.equal(attr(buy, "input.type"), "click");
  const delay = attr(buy, "input.delay_ms");
  const processing = attr(buy, "input.processing_ms");
  const presentation = attr(buy, "input.presentation_delay_ms");
  assert.ok(delay >= 0 && delay < 1000, `input.delay_ms ${delay}`);
  assert.ok(processing >= 39, `input.processing_ms ${processing}: the handler worked 40 ms`);
  assert.ok(presentation >= 0, `input.presentation_delay_ms ${presentation}`);
  assert.ok(attr(buy, "input.duration_ms") >= processing);
  assert.ok(attr(buy, "input.interaction_id") > 0);
  const result = attr(buy, "action.result_frame_ms");
  const wait = attr(buy, "action.result_frame_wait_ms");
  // What the user sees, in order, without wall-clock margins (a loaded machine stretches them):
  // the click, the handler's 40 ms, the action with its fetch, the action settling, its frame.
  assert.ok(wait >= 0 && wait <= result, `action.result_frame_wait_ms ${wait}`);
  assert.ok(result > ms(get), `action.result_frame_ms ${result} > fetch ${ms(get)}`);
  assert.ok(result - wait >= ms(buy) + 39, `to settling (${result - wait} ms) covers the handler and the action (${ms(buy)})`);
  // The span ends when the action settled (after its fetch), not at the frame.
  const end = (s) => BigInt(s.endTimeUnixNano);
  assert.ok(end(buy) >= end(get), "the action ends after its fetch");
});

test("an action started later from a queued key press names that event", async () => {
  const page = await h.page();
  await page.evaluate(() => {
    window.tracer = window.pt.init({ serviceName: "queued", flushIntervalMs: 100 });
    const queue = [];
    addEventListener("keydown", (e) => {
      const until = performance.now() + 20;
      while (performance.now() < until) {}
      queue.push(e);
    });
    // The game's frame loop handles input two frames later, outside the event's dispatch.
    window.moved = new Promise((resolve) => {
      const loop = () => {
        const e = queue.shift();
        if (e === undefined) return requestAnimationFrame(loop);
        requestAnimationFrame(() => requestAnimationFrame(() => {
          resolve(window.tracer.action("player.move", { event: e }, () => new Promise((r) => setTimeout(r, 30))));
        }));
      };
      requestAnimationFrame(loop);
    });
  });
  await page.keyboard.press("ArrowRight");
  await page.evaluate(() => window.moved);
  await h.waitForSpans(() => spansOf("queued").some((s) => s.name === "player.move"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
  const move = spansOf("queued").find((s) => s.name === "player.move");
  assert.equal(attr(move, "input.type"), "keydown");
  assert.ok(attr(move, "input.processing_ms") >= 19, `input.processing_ms ${attr(move, "input.processing_ms")}`);
  const result = attr(move, "action.result_frame_ms");
  // Two frames of waiting, the 30 ms action and the result frame: more than the action alone.
  assert.ok(result > ms(move) + 20, `action.result_frame_ms ${result}, action ${ms(move)} ms`);
});

test("without an input event, or with inputTiming off, an action has no input attributes", async () => {
  const page = await h.page();
  await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "no-input", flushIntervalMs: 100 });
    await tracer.action("level.load", undefined, () => fetch("/delay?ms=20"));
  });
  await h.waitForSpans(() => spansOf("no-input").some((s) => s.name === "level.load"));
  await page.context().close();
  const load = spansOf("no-input").find((s) => s.name === "level.load");
  assert.equal(attr(load, "input.type"), undefined);
  assert.equal(attr(load, "action.result_frame_ms"), undefined);

  const off = await shop({ serviceName: "input-off", flushIntervalMs: 100, inputTiming: false });
  await off.click("#buy");
  await off.waitForFunction(() => window.bought !== undefined);
  await off.evaluate(() => window.bought);
  await h.waitForSpans(() => spansOf("input-off").some((s) => s.name === "shop.buy"));
  assert.deepEqual(off.errors, []);
  await off.context().close();
  const buy = spansOf("input-off").find((s) => s.name === "shop.buy");
  assert.equal(attr(buy, "input.type"), undefined);
  assert.equal(attr(buy, "action.result_frame_ms"), undefined);
});

test("an action still waiting for its result frame is sent when the tracer shuts down", async () => {
  const page = await shop({ serviceName: "input-shutdown", flushIntervalMs: 60000 });
  await page.click("#buy");
  await page.waitForFunction(() => window.bought !== undefined);
  // Shut down in the same task as the action settles: no animation frame has come yet.
  await page.evaluate(() => window.bought.then(() => window.tracer.shutdown()));
  await h.waitForSpans(() => spansOf("input-shutdown").some((s) => s.name === "shop.buy"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
  const buy = spansOf("input-shutdown").find((s) => s.name === "shop.buy");
  assert.equal(attr(buy, "input.type"), "click");
  assert.equal(attr(buy, "action.result_frame_ms"), undefined, "no frame came");
});

test("a bad inputTiming is named", async () => {
  const page = await h.page();
  const message = await page.evaluate(() => {
    try {
      window.pt.init({ serviceName: "bad", inputTiming: "yes" });
      return "no error";
    } catch (e) {
      return e.message;
    }
  });
  await page.context().close();
  assert.match(message, /inputTiming/);
});
