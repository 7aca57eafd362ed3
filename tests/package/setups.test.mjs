// The packed tarball in fresh projects, one per setup (setups.mjs): installed from the
// registry at pinned versions, built with each tool's plain command, loaded in headless
// Chromium, and traced into a local receiver. Each setup must deliver the first frame's span
// (recorded before the engine loaded), and an action whose fetch carried `traceparent` to the
// API with the fetch span's IDs; its declarations must compile under `strict`.
//
// Projects live in target/setups/ and keep their node_modules between runs; only the tarball is
// installed afresh. scripts/package.sh builds the tarball first (PLAYTRACE_TARBALL names it).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../e2e/harness.mjs";
import { SETUPS } from "./setups.mjs";
import { attr, listen, receiver, run, serveStatic, spansOf, weight, write } from "./project.mjs";
import { startProcess } from "../process.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const tarball = resolve(root, process.env.PLAYTRACE_TARBALL || "");
const projects = join(root, "target", "setups");

/** A fresh project for `setup` (its bundler installed once), with this run's tarball in it. */
function prepare(setup) {
  const dir = join(projects, setup.name);
  mkdirSync(dir, { recursive: true });
  const manifest = JSON.stringify({ name: `game-${setup.name}`, private: true, type: "module", devDependencies: setup.devDependencies }, null, 2);
  const manifestPath = join(dir, "package.json");
  const changed = !existsSync(manifestPath) || readFileSync(manifestPath, "utf8") !== manifest;
  if (changed || !existsSync(join(dir, "node_modules", ".package-lock.json"))) {
    writeFileSync(manifestPath, manifest);
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  }
  // The tarball changes with every build; install it without recording it.
  run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", tarball], dir);
  // A build's output folder starts empty, so what it holds is this build's (webpack, for one,
  // leaves the hashed files of earlier builds beside the new ones).
  if (setup.root !== ".") rmSync(join(dir, setup.root), { recursive: true, force: true });
  write(dir, setup.entry, readFileSync(join(here, "game", "main.js"), "utf8"));
  for (const [path, text] of Object.entries(setup.files)) write(dir, path, text);
  copyFileSync(join(here, "game", "check.ts"), join(dir, "check.ts"));
  copyFileSync(join(here, "game", "tsconfig.json"), join(dir, "tsconfig.json"));
  return dir;
}

const freePort = async () => { const s = createServer(); const p = await listen(s); s.close(); return p; };

/** A bundler's dev server on `port`, ready once it prints its own address. */
function devServer(cmd, cwd, port) {
  const args = cmd.slice(1).map((a) => (a === "PORT" ? String(port) : a));
  return startProcess(cmd[0], args, { cwd, ready: new RegExp(`127\\.0\\.0\\.1:${port}`), what: "the dev server" });
}


let browser, state, receiverServer, receiverUrl;
const dirs = new Map();

before(async () => {
  assert.ok(process.env.PLAYTRACE_TARBALL && existsSync(tarball), `no tarball at ${tarball}: run scripts/package.sh`);
  state = { bodies: [], api: [] };
  receiverServer = receiver(state, { "/api/level/1": { id: 1, name: "caves" } });
  receiverUrl = `http://127.0.0.1:${await listen(receiverServer)}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  receiverServer?.close();
});

test("the declarations carry no internal wording", () => {
  const dts = readFileSync(join(root, "pkg", "playtrace.d.ts"), "utf8");
  for (const word of ["pt_", "__wbg", "InitInput", "InitOutput", "initSync", "scratch", "boundary", "snippet", "TODO", "FIXME"]) {
    assert.ok(!dts.includes(word), `playtrace.d.ts mentions ${word}`);
  }
  // A span handle is internal; "unhandled rejections" is not.
  assert.doesNotMatch(dts, /\bhandles?\b/i, "playtrace.d.ts mentions a handle");
  assert.match(dts, /action<T>\(name: string, options: ActionOptions \| undefined, fn: \(span: Span\) => T \| Promise<T>\): Promise<T>;/);
  assert.match(dts, /export interface ActionOptions extends SpanOptions \{/);
  assert.match(dts, /instrumentWebSocket<S extends WebSocket>\(ws: S, hooks\?: WebSocketHooks\): S;/);
});

for (const setup of SETUPS) {
  test(`${setup.name}: builds from the tarball and sends a first-frame span and a traced fetch`, { timeout: 300000 }, async (t) => {
    const project = setup.project || setup.name;
    let dir = dirs.get(project);
    if (dir === undefined) {
      dir = prepare(SETUPS.find((s) => s.name === project));
      dirs.set(project, dir);
      // The declarations, as the installed package's exports map resolves them, under strict.
      run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], dir);
    }
    let server, dev, origin;
    const requests = [];
    if (setup.dev) {
      const port = await freePort();
      dev = await devServer(setup.dev, dir, port);
      origin = `http://127.0.0.1:${port}`;
    } else {
      if (setup.build) run(setup.build[0], setup.build.slice(1), dir);
      server = serveStatic(resolve(dir, setup.root), requests);
      origin = `http://127.0.0.1:${await listen(server)}`;
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [], infos = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
      if (m.type() === "info") infos.push(m.text());
    });
    try {
      const before = state.bodies.length;
      await page.goto(`${origin}/?receiver=${encodeURIComponent(receiverUrl)}`);
      await page.waitForFunction(() => window.level !== undefined || window.failure !== undefined, null, { timeout: 20000 });
      assert.equal(await page.evaluate(() => window.failure), undefined);
      assert.deepEqual(await page.evaluate(() => window.level), { id: 1, name: "caves" });
      // `import "playtrace/websocket"` survived the bundler (the package marks it a side effect).
      assert.equal(await page.evaluate(() => window.socketTraced), true, "the socket was not traced");

      const title = setup.project || setup.name;
      const mine = () => spansOf(state.bodies.slice(before));
      const until = Date.now() + 10000;
      while (Date.now() < until && !(mine().some((s) => s.name === "boot") && mine().some((s) => s.kind === 3))) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const spans = mine();
      const boot = spans.find((s) => s.name === "boot");
      const action = spans.find((s) => s.name === "load-level");
      const request = spans.find((s) => s.kind === 3 && s.parentSpanId === action?.spanId);
      assert.ok(boot, `no boot span; have ${spans.map((s) => s.name).join(", ")}`);
      assert.equal(attr(boot, "game.setup"), title);
      assert.deepEqual(boot.events.map((e) => e.name), ["assets.requested"]);
      assert.ok(action && request, `no action with a fetch span; have ${spans.map((s) => s.name).join(", ")}`);
      assert.equal(request.traceId, action.traceId);
      assert.equal(attr(request, "http.request.method"), "GET");
      assert.equal(attr(request, "http.response.status_code"), 200);
      assert.ok(BigInt(boot.startTimeUnixNano) <= BigInt(action.startTimeUnixNano), "boot keeps the time it started");
      // The API saw the fetch span's own context.
      const api = state.api.at(-1);
      assert.match(api.traceparent, new RegExp(`^00-${request.traceId}-${request.spanId}-0[13]$`));

      const loaded = infos.find((t) => t.startsWith("playtrace: the engine loaded"));
      assert.ok(loaded, `no debug line about loading; console said: ${infos.join(" | ")}`);
      assert.ok(loaded.includes(setup.wasm === "file" ? "(wasm file)" : "inlined"), loaded);
      assert.match(loaded, /1 span\(s\) started before it were replayed/);
      if (setup.wasm === "file" && !setup.dev) {
        // Fetched once: on the plain page the engine's request takes the page's preload.
        assert.equal(requests.filter((p) => p.endsWith(".wasm")).length, 1, `the .wasm file was not fetched once: ${requests.join(" ")}`);
      }
      if (!setup.dev) t.diagnostic(`${setup.name}: ${weight(resolve(dir, setup.root), requests)}`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      server?.close();
      await dev?.stop();
    }
  });
}

test("the tarball holds the package and nothing else", () => {
  const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
  // One module for the entry (the glue and the engine's JS bundled in), the subpaths', debug's
  // texts and probe, the wasm and its inline copy.
  assert.deepEqual(listing, ["package/README.md", "package/debug.js", "package/package.json", "package/phaser.d.ts",
    "package/phaser.js", "package/playtrace.d.ts", "package/playtrace.js", "package/playtrace_inline.js",
    "package/playtrace_wasm_bg.wasm", "package/websocket.d.ts", "package/websocket.js"]);
  const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
  for (const key of ["name", "version", "license", "repository", "exports", "types"]) assert.ok(manifest[key], `package.json has no ${key}`);
  assert.equal(manifest.exports["."].types, "./playtrace.d.ts");
  assert.deepEqual(manifest.exports["./websocket"], { types: "./websocket.d.ts", default: "./websocket.js" });
  assert.deepEqual(manifest.sideEffects, ["./websocket.js"]);
  assert.deepEqual(manifest.exports["./phaser"], { types: "./phaser.d.ts", default: "./phaser.js" });
  assert.deepEqual(manifest.peerDependenciesMeta, { phaser: { optional: true } }, "Phaser is the game's, never installed for it");
  assert.ok(statSync(tarball).size < 400000);
});
