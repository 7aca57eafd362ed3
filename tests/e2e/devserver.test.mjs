// The dev backend on its own, as `make devserver ORIGIN=...` starts it for a game served from
// somewhere else: it prints the endpoint to pass to init, the origins it answers CORS for and the
// viewer; a page of the allowed origin sends spans to it across origins (the browser's preflight
// included) and they are stored; a page of another origin is refused by CORS.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startProcess } from "../process.mjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "./harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
let h, server, printed, endpoint;

before(async () => {
  h = await start();
  const db = join(mkdtempSync(join(tmpdir(), "playtrace-devserver-")), "traces.sqlite");
  server = await startProcess(join(root, "scripts/devserver.sh"), [], {
    env: { PLAYTRACE_ADDR: "127.0.0.1:0", PLAYTRACE_DB: db, ORIGIN: `${h.origins.page},http://game.test:5173` },
    ready: /viewer\s+http\S+/, what: "the devserver", timeoutMs: 60000,
  });
  printed = server.output();
  endpoint = printed.match(/endpoint\s+(http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/)[1];
});

after(async () => {
  await server?.stop("SIGINT");
  await h.stop();
});

test("it prints the endpoint for init, the CORS origins and the viewer", () => {
  const base = endpoint.replace("/v1/traces", "");
  assert.match(printed, new RegExp(`CORS\\s+${h.origins.page}, http://game\\.test:5173`));
  assert.ok(printed.includes(`init({ endpoint: "${endpoint}", flushIntervalMs: 1000 })`), printed);
  assert.ok(printed.includes(`viewer    ${base}/viewer/`), printed);
  assert.ok(!/game\s+http/.test(printed), "no game is served");
});

test("a game on the allowed origin sends spans across origins; another origin is refused", async () => {
  const page = await h.page();
  const sent = await page.evaluate(async (endpoint) => {
    const tracer = window.pt.init({ serviceName: "my-vite-game", endpoint, instrument: { fetch: false } });
    const span = tracer.startSpan("first_level");
    span.setAttribute("level", 1);
    span.end();
    tracer.flush();
    for (let i = 0; i < 100 && tracer.stats().exported < 1; i++) await new Promise((r) => setTimeout(r, 20));
    const traceId = span.spanContext().traceId;
    tracer.shutdown();
    return { traceId, stats: tracer.stats() };
  }, endpoint);
  assert.equal(sent.stats.exported, 1);
  const base = endpoint.replace("/v1/traces", "");
  let trace;
  for (let i = 0; i < 100 && !trace; i++) {
    const list = await (await fetch(`${base}/api/traces`)).json();
    trace = list.find((t) => t.traceId === sent.traceId);
    if (!trace) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(trace, "the span is stored");
  assert.equal(trace.rootName, "first_level");
  assert.deepEqual(trace.services, ["my-vite-game"]);

  const preflight = (origin) => fetch(endpoint, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
  });
  assert.equal((await preflight("http://game.test:5173")).headers.get("access-control-allow-origin"), "http://game.test:5173");
  assert.equal((await preflight("http://elsewhere.test")).headers.get("access-control-allow-origin"), null);
});
