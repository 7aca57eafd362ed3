// The real servers of the interop tests, as processes on 127.0.0.1 and free ports, stopped by
// the tests: the OpenTelemetry Collector (OTLP/HTTP receiver with CORS, file exporter) and the
// Go game server. Their binaries come from scripts/interop-setup.sh (OTELCOL, GAMESERVER).

import { after, before } from "node:test";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../e2e/harness.mjs";
import { startProcess } from "../process.mjs";

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, args, ready, what) {
  return startProcess(cmd, args, { ready, what });
}

/**
 * An OTLP/HTTP receiver's settings as the README gives them: CORS for the game's `origins`,
 * gzipped bodies allowed, preflights kept two hours.
 */
function httpReceiver(port, origins) {
  return `      http:
        endpoint: 127.0.0.1:${port}
        cors:
          allowed_origins: ${JSON.stringify(origins)}
          allowed_headers: ["content-type", "content-encoding"]
          max_age: 7200`;
}

/**
 * The OpenTelemetry Collector: OTLP/HTTP in (CORS for `origins`), every span to a file and,
 * given `jaeger` (a gRPC host:port), on to Jaeger over OTLP.
 */
export async function collector(origins, jaeger) {
  const bin = process.env.OTELCOL;
  if (!bin || !existsSync(bin)) throw new Error("OTELCOL is not set: run the interop suite through scripts/test.sh");
  const dir = mkdtempSync(join(tmpdir(), "playtrace-otelcol-"));
  const port = await freePort();
  const out = join(dir, "traces.jsonl");
  const config = join(dir, "config.yaml");
  writeFileSync(config, `receivers:
  otlp:
    protocols:
${httpReceiver(port, origins)}
exporters:
  file:
    path: ${out}
    flush_interval: 50ms
${jaeger ? `  otlp/jaeger:
    endpoint: ${jaeger}
    tls:
      insecure: true
    sending_queue:
      enabled: false
` : ""}service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file${jaeger ? ", otlp/jaeger" : ""}]
`);
  const { stop } = await run(bin, ["--config", config], /Everything is ready/, "the collector");
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    /** Every ResourceSpans the collector wrote, as OTLP JSON. */
    resourceSpans() {
      if (!existsSync(out)) return [];
      return readFileSync(out, "utf8").split("\n").filter(Boolean).flatMap((line) => JSON.parse(line).resourceSpans || []);
    },
    /** Every span written, each with its resource and scope. */
    spans() {
      return this.resourceSpans().flatMap((rs) => (rs.scopeSpans || []).flatMap((ss) =>
        (ss.spans || []).map((span) => ({ span, resource: rs.resource, scope: ss.scope }))));
    },
    async waitFor(predicate, ms = 10000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const spans = this.spans();
        if (predicate(spans)) return spans;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the collector never got the spans; it has ${this.spans().map((s) => s.span.name).join(", ")}`);
    },
    stop,
  };
}

/** The Go game server (otelhttp, W3C propagators, parent-based sampler), exporting to `otlp`. */
export async function gameServer(otlp, origin) {
  const bin = process.env.GAMESERVER;
  if (!bin || !existsSync(bin)) throw new Error("GAMESERVER is not set: run the interop suite through scripts/test.sh");
  const { stop, match } = await run(bin, ["-otlp", otlp, "-allow-origin", origin], /listening (http:\/\/127\.0\.0\.1:\d+)/, "the game server");
  return { url: match[1], stop };
}

/** The Zipkin server (in-memory storage), answering CORS for `origin`. */
export async function zipkin(origin) {
  const jar = process.env.ZIPKIN_JAR;
  if (!jar || !existsSync(jar)) throw new Error("ZIPKIN_JAR is not set: run the interop suite through scripts/test.sh");
  const port = await freePort();
  const { stop } = await run("java", ["-jar", jar, `--armeria.ports[0].port=${port}`, "--armeria.ports[0].ip=127.0.0.1",
    "--armeria.ports[0].protocols=http", `--zipkin.query.allowed-origins=${origin}`], /Serving HTTP at|Started ZipkinServer/, "the Zipkin server");
  return { url: `http://127.0.0.1:${port}`, stop };
}

/**
 * Jaeger v2 with in-memory storage: OTLP/gRPC in at `otlp`, its own OTLP/HTTP receiver at
 * `http` (CORS for `origins`, as a game would send to it directly), its query API at `url`.
 */
export async function jaeger(origins = []) {
  const bin = process.env.JAEGER;
  if (!bin || !existsSync(bin)) throw new Error("JAEGER is not set: run the interop suite through scripts/test.sh");
  const dir = mkdtempSync(join(tmpdir(), "playtrace-jaeger-"));
  const [query, queryGrpc, otlp, http] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(dir, "config.yaml");
  writeFileSync(config, `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${otlp}
${httpReceiver(http, origins)}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`);
  const { stop } = await run(bin, ["--config", config], /Everything is ready/, "Jaeger");
  return { url: `http://127.0.0.1:${query}`, otlp: `127.0.0.1:${otlp}`, http: `http://127.0.0.1:${http}`, stop };
}

/**
 * For a test file: the e2e harness (the page's origin, Chromium) and a collector answering that
 * origin, started before its tests and stopped after; the returned object's `h` and `col` are
 * set once the tests run.
 */
export function pageAndCollector() {
  const s = {};
  before(async () => {
    s.h = await start();
    s.col = await collector([s.h.origins.page]);
  });
  after(async () => {
    await s.col?.stop();
    await s.h?.stop();
  });
  return s;
}
