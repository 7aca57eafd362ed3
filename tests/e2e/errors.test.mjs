// Uncaught errors and unhandled rejections in headless Chromium, thrown for real: one thrown
// while a player action is open lands on that action as an `exception` event; a rejection with
// no action open becomes a short error span; repeats are counted, not recorded again; and with
// captureErrors: false nothing is recorded. The page's own error handling is untouched.

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

const eventAttr = (event, key) => {
  const v = (event.attributes || []).find((a) => a.key === key)?.value;
  return v && (v.stringValue ?? v.boolValue);
};

test("an uncaught error lands on the open action; a rejection without one is an error span; repeats are counted", async () => {
  const page = await h.page();
  const out = await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "errors", flushIntervalMs: 100 });
    const seenByGame = [];
    window.addEventListener("error", (e) => seenByGame.push(e.message));
    const throwLater = (message) => new Promise((resolve) => {
      setTimeout(() => { throw new TypeError(message); }, 0);
      setTimeout(resolve, 20);
    });
    await tracer.action("boss-fight", undefined, async () => {
      await throwLater("hitbox is undefined");
      // The same error from the same place, four more times: counted only.
      for (let i = 0; i < 4; i++) await throwLater("hitbox is undefined");
    });
    // No action open: an unhandled rejection.
    Promise.reject(new RangeError("level 99 does not exist"));
    await new Promise((r) => setTimeout(r, 50));
    tracer.flush();
    await new Promise((r) => setTimeout(r, 200));
    return { stats: tracer.stats(), seenByGame };
  });
  // The browser and the game's own handler saw every error, as without playtrace.
  assert.equal(out.seenByGame.length, 5);
  assert.equal(page.errors.length, 6, "five uncaught errors and one unhandled rejection reached the page");
  await page.context().close();
  assert.deepEqual([out.stats.errorsRecorded, out.stats.errorsSuppressed], [2, 4]);

  const spans = await h.waitForSpans((s) => s.some((x) => x.name === "boss-fight") && s.some((x) => x.name === "exception"));
  const fight = spans.find((s) => s.name === "boss-fight");
  const events = fight.events.filter((e) => e.name === "exception");
  assert.equal(events.length, 1, "one event, the repeats only counted");
  assert.equal(eventAttr(events[0], "exception.type"), "TypeError");
  assert.equal(eventAttr(events[0], "exception.message"), "hitbox is undefined");
  assert.match(eventAttr(events[0], "exception.stacktrace"), /TypeError: hitbox is undefined/);
  assert.equal(fight.status?.code ?? 0, 0, "the action's own outcome is left alone");
  const lone = spans.find((s) => s.name === "exception");
  assert.equal(eventAttr(lone.events[0], "exception.type"), "RangeError");
  assert.deepEqual([lone.status.code, lone.status.message], [2, "level 99 does not exist"]);
  assert.equal(attr(lone, "exception.type"), undefined, "the details are on the event");
});

test("thrown strings and rejected numbers are recorded; a value that throws when read breaks nothing", async () => {
  const page = await h.page();
  const out = await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "odd-throws", flushIntervalMs: 100 });
    setTimeout(() => { throw "out of mana"; }, 0);
    Promise.reject(404);
    const hostile = new Proxy({}, { get() { throw new Error("trap"); } });
    Promise.reject(hostile);
    await new Promise((r) => setTimeout(r, 50));
    tracer.flush();
    return tracer.stats();
  });
  assert.equal(out.errorsRecorded, 2, "the hostile value is not recorded, and nothing threw");
  const odd = (spans) => spans.filter((x) => x.name === "exception" && ["out of mana", "404"].includes(eventAttr(x.events[0], "exception.message")));
  const spans = odd(await h.waitForSpans((s) => odd(s).length >= 2));
  await page.context().close();
  const seen = spans.map((s) => [
    eventAttr(s.events[0], "exception.type"), eventAttr(s.events[0], "exception.message"), s.status.code]);
  assert.deepEqual(seen.sort(), [["Error", "out of mana", 2], ["UnhandledRejection", "404", 2]]);
});

test("captureErrors: false records nothing", async () => {
  const page = await h.page();
  const stats = await page.evaluate(async () => {
    const tracer = window.pt.init({ serviceName: "quiet", captureErrors: false });
    setTimeout(() => { throw new Error("ignored by playtrace"); }, 0);
    await new Promise((r) => setTimeout(r, 50));
    return tracer.stats();
  });
  assert.equal(page.errors.length, 1);
  await page.context().close();
  assert.deepEqual([stats.errorsRecorded, stats.errorsSuppressed], [0, 0]);
});
