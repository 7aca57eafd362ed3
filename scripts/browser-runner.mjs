// The runner cargo calls for the browser suite (CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER):
//   node scripts/browser-runner.mjs <test.wasm> [harness args]
// wasm-bindgen-test-runner serves the test page (its interactive mode, NO_HEADLESS) on a free
// port of 127.0.0.1; Chromium, driven by playwright-core as in the e2e suite, opens it through
// a proxy (below); the page's output is printed once the suite ends, and the exit code is the
// suite's. PLAYTRACE_BROWSER_RUN_S bounds a run (default 120 s).

import { spawn } from "node:child_process";
import { createServer as createHttpServer, request } from "node:http";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const [wasm, ...args] = process.argv.slice(2);
const limitMs = Number(process.env.PLAYTRACE_BROWSER_RUN_S || 120) * 1000;

/** A free port on 127.0.0.1 (taken, then released for the runner). */
const port = await new Promise((resolve, reject) => {
  const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

const runner = spawn("wasm-bindgen-test-runner", [wasm, ...args], {
  env: { ...process.env, NO_HEADLESS: "1", WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${port}` },
  stdio: ["ignore", "pipe", "inherit"],
});
let browser;
let output = ""; // the page's output so far, printed once the suite ends (or is cut off)
const pending = new Set(); // the page's requests not answered yet, named when a run is cut off
let ended = false;
const finish = async (code, why) => {
  if (ended) return;
  ended = true;
  // First: the runner shares cargo's output pipe, so while it lives the suite's `tee` waits.
  runner.kill("SIGKILL");
  process.stdout.write(output.endsWith("\n") || output === "" ? output : `${output}\n`);
  if (why) process.stderr.write(`browser-runner: ${why}\n`);
  await browser?.close().catch(() => {});
  process.exit(code);
};
setTimeout(() => {
  const waiting = pending.size > 0 ? `; the page was still waiting for ${[...pending].join(", ")}` : "";
  finish(124, `no result within ${limitMs / 1000} s${waiting}`);
}, limitMs);
runner.on("exit", (code) => finish(code || 1, `wasm-bindgen-test-runner exited (${code}) before the tests ended`));

// The runner prints the page's address once it serves it (after running wasm-bindgen).
await new Promise((resolve) => {
  let seen = "";
  runner.stdout.on("data", (chunk) => {
    seen += chunk;
    if (/available at http:/.test(seen)) resolve();
  });
});

// The page is loaded through a proxy that gives every request its own connection to the
// runner's server, closed after it. Loaded straight from that server (under ChromeDriver or
// playwright-core alike), the page waited forever for some of its modules about one run in
// two on 2 cores, which made the suite hang; through the proxy it has not.
const proxy = createHttpServer((req, res) => {
  const headers = { ...req.headers, connection: "close" };
  pending.add(req.url);
  res.on("close", () => pending.delete(req.url));
  const upstream = request({ host: "127.0.0.1", port, path: req.url, method: req.method, headers, agent: false }, (r) => {
    res.writeHead(r.statusCode || 502, r.headers);
    r.pipe(res);
  });
  upstream.on("error", () => res.writeHead(502).end());
  req.pipe(upstream);
});
await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${proxy.address().port}/`;

browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage();
await page.goto(url);
while (!ended) {
  // Rejects once `finish` has closed the browser.
  output = (await page.textContent("#output").catch(() => output)) || "";
  const result = output.match(/test result: (\w+)/);
  if (result) await finish(result[1] === "ok" ? 0 : 1);
  await new Promise((r) => setTimeout(r, 100));
}
