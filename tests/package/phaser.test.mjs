// playtrace/phaser in a real Phaser 3 game (phaser/main.js): phaser and Vite 7 pinned from the
// registry, the packed tarball installed, built with `vite build`, played in headless Chromium
// against a receiver that is the collector and the game's API. The plugin must record the boot
// (a child of the page's server-rendered traceparent), each scene's start and load with a span
// per loader file (a missing one as an error), frames on an action started from Phaser's input,
// and leave no loader request as a stray root trace. Without the plugin, the same game shows
// what `background` does with the loader's requests.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../e2e/harness.mjs";
import { attr, listen, receiver, run, serveStatic, spansOf, weight, write } from "./project.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const tarball = resolve(root, process.env.PLAYTRACE_TARBALL || "");
const dir = join(root, "target", "setups", "phaser");
const PAGE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PAGE_SPAN = "00f067aa0ba902b7";
// A 1x1 PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

let browser, receiverServer, receiverUrl, server, origin;
const state = { bodies: [], api: [] };
const requests = [];

before(async () => {
  assert.ok(process.env.PLAYTRACE_TARBALL && existsSync(tarball), `no tarball at ${tarball}: run scripts/package.sh`);
  mkdirSync(dir, { recursive: true });
  const manifest = JSON.stringify({ name: "game-phaser", private: true, type: "module", devDependencies: { phaser: "3.90.0", vite: "7.3.8" } }, null, 2);
  if (!existsSync(join(dir, "package.json")) || readFileSync(join(dir, "package.json"), "utf8") !== manifest
    || !existsSync(join(dir, "node_modules", ".package-lock.json"))) {
    writeFileSync(join(dir, "package.json"), manifest);
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  }
  run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", tarball], dir);
  rmSync(join(dir, "dist"), { recursive: true, force: true });
  write(dir, "index.html", `<!doctype html>
<html><head><meta charset="utf-8"><title>phaser</title><link rel="icon" href="data:,">
<meta name="traceparent" content="00-${PAGE_TRACE}-${PAGE_SPAN}-01"></head>
<body><div id="game"></div><script type="module" src="/main.js"></script></body></html>
`);
  write(dir, "main.js", readFileSync(join(here, "phaser", "main.js"), "utf8"));
  mkdirSync(join(dir, "public", "assets"), { recursive: true });
  writeFileSync(join(dir, "public", "assets", "logo.png"), Buffer.from(PNG, "base64"));
  write(dir, "public/assets/level.json", JSON.stringify({ tiles: Array.from({ length: 64 }, (_, i) => i % 7) }));
  write(dir, "public/assets/menu.json", JSON.stringify({ items: ["play", "options"] }));
  run("node_modules/.bin/vite", ["build", "--logLevel", "warn"], dir);
  receiverServer = receiver(state, { "/api/score": { score: 7 } });
  receiverUrl = `http://127.0.0.1:${await listen(receiverServer)}`;
  server = serveStatic(join(dir, "dist"), requests);
  origin = `http://127.0.0.1:${await listen(server)}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  receiverServer?.close();
  server?.close();
});

/** Plays the game with `query`; returns the spans it sent and what the page reported. */
async function play(query, click) {
  const before = state.bodies.length;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${origin}/?receiver=${encodeURIComponent(receiverUrl)}&${query}`);
    await page.waitForFunction(() => window.menuReady === true, null, { timeout: 30000 });
    if (click) {
      const box = await page.locator("canvas").boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => window.score !== undefined, null, { timeout: 10000 });
    }
    const mine = () => spansOf(state.bodies.slice(before));
    const done = (spans) => spans.some((s) => s.name === "scene.load Menu" || (!click && s.kind === 3 && String(attr(s, "url.full")).endsWith("/menu.json")))
      && (!click || spans.some((s) => s.name === "menu.play"));
    const until = Date.now() + 15000;
    while (Date.now() < until && !done(mine())) await new Promise((r) => setTimeout(r, 100));
    // The page hides: everything still queued goes.
    await page.close();
    await new Promise((r) => setTimeout(r, 300));
    return { spans: mine(), errors };
  } finally {
    await context.close();
  }
}

const assetRequests = (spans) => spans.filter((s) => s.kind === 3 && String(attr(s, "url.full")).includes("/assets/"));

test("the plugin records the boot, each scene's start and load with its files, and frames on an action", { timeout: 120000 }, async (t) => {
  const { spans, errors } = await play("plugin=1", true);
  const named = (name) => spans.find((s) => s.name === name);
  const names = spans.map((s) => s.name).join(", ");
  const boot = named("game.boot");
  assert.ok(boot, `no game.boot; have ${names}`);
  assert.equal(boot.traceId, PAGE_TRACE, "the boot joins the page's server-rendered trace");
  assert.equal(boot.parentSpanId, PAGE_SPAN);

  const startBoot = named("scene.start Boot");
  const loadBoot = named("scene.load Boot");
  assert.ok(startBoot && loadBoot, `no Boot scene spans; have ${names}`);
  assert.equal(startBoot.parentSpanId, boot.spanId, "the first scene starts within the boot");
  assert.equal(loadBoot.parentSpanId, startBoot.spanId);
  assert.equal(attr(loadBoot, "phaser.scene.key"), "Boot");
  assert.equal(attr(loadBoot, "phaser.load.files"), 4);
  assert.equal(attr(loadBoot, "phaser.load.failed"), 2);
  assert.ok(attr(loadBoot, "phaser.load.bytes") > 0);
  assert.ok(BigInt(boot.endTimeUnixNano) >= BigInt(loadBoot.endTimeUnixNano), "the boot ends at the first scene's create, after its load");

  // (A Long Animation Frame during the load is its child too.)
  const files = spans.filter((s) => s.parentSpanId === loadBoot.spanId && s.name !== "long-animation-frame");
  assert.deepEqual(files.map((s) => s.name).sort(), ["load image logo", "load image missing", "load image offline", "load json level"]);
  const file = (key) => files.find((s) => attr(s, "phaser.file.key") === key);
  assert.equal(attr(file("logo"), "phaser.file.type"), "image");
  assert.equal(attr(file("logo"), "url.path"), "/assets/logo.png");
  assert.equal(attr(file("logo"), "phaser.file.bytes"), Buffer.from(PNG, "base64").length);
  assert.equal(file("logo").status?.code ?? 0, 0);
  const missing = file("missing");
  assert.equal(missing.status.code, 2, "a file that failed is an error");
  assert.equal(attr(missing, "error.type"), "404");
  assert.equal(attr(missing, "phaser.file.retries"), undefined, "an HTTP error is not retried");
  const offline = file("offline");
  assert.equal(offline.status.code, 2);
  assert.equal(attr(offline, "error.type"), "load_failed");
  assert.equal(attr(offline, "phaser.file.retries"), 2, "the loader's two retries, on the file's one span");
  assert.equal(attr(offline, "server.address"), "127.0.0.1");
  // No loader request is a root of its own: each one traced is under its file's span (those
  // made before the engine loaded are not traced: XHRs are not watched meanwhile).
  assert.ok(assetRequests(spans).every((r) => spans.some((f) => f.spanId === r.parentSpanId && f.name.startsWith("load "))),
    "every loader request is under its file's span");
  assert.ok(!spans.some((s) => s.name === "background"), "no loader request went to the background group");

  const startMenu = named("scene.start Menu");
  const loadMenu = named("scene.load Menu");
  assert.ok(startMenu && loadMenu, `no Menu scene spans; have ${names}`);
  assert.equal(startMenu.parentSpanId, undefined, "a later scene starts its own trace");
  assert.equal(loadMenu.parentSpanId, startMenu.spanId);
  assert.equal(spans.filter((s) => s.parentSpanId === loadMenu.spanId && s.name !== "long-animation-frame").map((s) => s.name).join(), "load json menu");

  // The action from Phaser's input: frames from Phaser's loop, input to result, its request.
  const action = named("menu.play");
  assert.ok(action, `no menu.play; have ${names}`);
  assert.ok(attr(action, "frames.count") >= 1, "frames from Phaser's own loop");
  assert.ok(attr(action, "action.result_frame_ms") > 0, "input to result from the pointer's event");
  const request = spans.find((s) => s.kind === 3 && s.parentSpanId === action.spanId);
  assert.ok(request && String(attr(request, "url.full")).endsWith("/api/score"));
  assert.match(state.api.at(-1).traceparent, new RegExp(`^00-${action.traceId}-${request.spanId}-0[13]$`));
  assert.deepEqual(errors, []);
  t.diagnostic(`phaser + vite 7: ${weight(join(dir, "dist"), requests)}`);

  // Started once the engine has loaded, every file's request is traced, as the file's child.
  const late = await play("plugin=1&ready=1", false);
  const lateFiles = late.spans.filter((s) => s.name.startsWith("load "));
  assert.equal(lateFiles.length, 5, `file spans: ${lateFiles.map((s) => s.name)}`);
  for (const f of lateFiles.filter((s) => attr(s, "phaser.file.key") !== "offline")) {
    const request = late.spans.find((s) => s.kind === 3 && s.parentSpanId === f.spanId);
    assert.ok(request, `no request under ${f.name}`);
    assert.ok(String(attr(request, "url.full")).endsWith(attr(f, "url.path")));
  }
  assert.equal(assetRequests(late.spans).length, 4);
  assert.deepEqual(late.errors, []);
});

test("without the plugin, the loader's requests are one background trace by default, one trace each with background: trace", { timeout: 120000 }, async (t) => {
  // Without the page's traceparent, whose page load would be the parent of early requests, and
  // once the engine has loaded: XHRs made before are not traced.
  const grouped = await play("plugin=0&meta=0&ready=1", false);
  const groupedAssets = assetRequests(grouped.spans);
  assert.equal(groupedAssets.length, 4, `asset requests: ${groupedAssets.map((s) => attr(s, "url.full")).join(" ")}`);
  const groupedTraces = new Set(groupedAssets.map((s) => s.traceId));
  const background = grouped.spans.filter((s) => s.name === "background");
  assert.ok(background.length >= 1 && groupedAssets.every((s) => background.some((b) => b.spanId === s.parentSpanId)),
    "every asset request is under a background span");
  const separate = await play("plugin=0&meta=0&ready=1&background=trace", false);
  const separateAssets = assetRequests(separate.spans);
  const separateTraces = new Set(separateAssets.map((s) => s.traceId));
  assert.equal(separateTraces.size, separateAssets.length, "each its own trace");
  assert.ok(separateAssets.every((s) => s.parentSpanId === undefined));
  assert.ok(groupedTraces.size < separateTraces.size);
  assert.deepEqual([...grouped.errors, ...separate.errors], []);
  t.diagnostic(`the loader's ${groupedAssets.length} requests without the plugin: ${groupedTraces.size} trace(s) with background "span" (the default), ${separateTraces.size} with "trace"`);
});
