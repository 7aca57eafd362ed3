// What the package suite's tests share: installing and building a project, serving its files,
// measuring what a build weighs, and reading the spans a receiver collected.

import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { plainBody } from "../e2e/harness.mjs";

const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json", ".png": "image/png" };

export function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
}

export function write(dir, path, text) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** Serves `dir` as static files on 127.0.0.1; `requests` collects the paths asked for. */
export function serveStatic(dir, requests) {
  return createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push(path);
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const data = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" }).end(data);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir, at = "") {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, join(at, e.name)) : [join(at, e.name)]);
}

/** What a build weighs: what the page fetched (what a player downloads) and the whole dist,
 * raw and gzip -9. The test game's own code is about 1 KB of it. */
export function weight(root, requests) {
  const sum = (files) => files.reduce((acc, f) => {
    const data = readFileSync(join(root, f));
    return { raw: acc.raw + data.length, gz: acc.gz + gzipSync(data, { level: 9 }).length };
  }, { raw: 0, gz: 0 });
  const all = filesUnder(root);
  const fetched = [...new Set(requests.map((p) => (p.endsWith("/") ? `${p}index.html` : p).slice(1)))].filter((f) => all.includes(f));
  const down = sum(fetched), dist = sum(all);
  return `a player downloads ${fetched.length} files, ${down.gz} bytes gzip (${down.raw} raw); the dist holds ${all.length} files, ${dist.raw} bytes (${dist.gz} gzip)`;
}

export const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
export const spansOf = (bodies) => bodies.flatMap((b) => (b.resourceSpans || []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
export const attr = (span, key) => {
  const v = (span.attributes || []).find((a) => a.key === key)?.value;
  return v && (v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue));
};

/** The game's collector and API on another origin, answering CORS as a real one does: OTLP
 * bodies go to `state.bodies`; `api` maps the API's paths to the JSON each answers, and the
 * headers of each API request go to `state.api`. */
export function receiver(state, api) {
  return createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const url = new URL(req.url, "http://x");
    if (req.headers.origin) {
      res.setHeader("Access-Control-Allow-Origin", req.headers.origin);
      res.setHeader("Access-Control-Allow-Credentials", "true");
      res.setHeader("Access-Control-Allow-Headers", "content-type, content-encoding, traceparent, tracestate, baggage");
      res.setHeader("Access-Control-Max-Age", "7200");
    }
    if (req.method === "OPTIONS") return res.writeHead(204).end();
    if (url.pathname === "/v1/traces") {
      state.bodies.push(JSON.parse(plainBody(req, Buffer.concat(chunks)).toString("utf8")));
      return res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
    if (Object.hasOwn(api, url.pathname)) {
      state.api.push(req.headers);
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(api[url.pathname]));
    }
    res.writeHead(404).end();
  });
}
