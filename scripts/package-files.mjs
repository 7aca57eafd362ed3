// Writes the package's generated files into OUT_DIR, beside the engine wasm-bindgen wrote there:
//   playtrace_inline.js  the wasm, gzipped and base64-encoded, for setups that do not emit the
//                        .wasm file (playtrace.js imports it only then)
//   playtrace.d.ts       the public declarations: the types of src/web/types.rs and the entry's
//                        functions (src/package/api.d.ts)
//   websocket.d.ts       the declarations of playtrace/websocket (nothing: it is imported for
//                        its effect)
//   package.json         name, version, description, license and repository from Cargo.toml
//   node scripts/package-files.mjs OUT_DIR
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, constants } from "node:zlib";

const out = process.argv[2];
const root = new URL("..", import.meta.url).pathname;
const read = (p) => readFileSync(join(root, p), "utf8");

const wasm = readFileSync(join(out, "playtrace_wasm_bg.wasm"));
const gz = gzipSync(wasm, { level: constants.Z_BEST_COMPRESSION });
writeFileSync(join(out, "playtrace_inline.js"),
  `// playtrace_wasm_bg.wasm, gzipped, for setups that do not emit the .wasm file.\nexport default "${gz.toString("base64")}";\n`);

const types = read("src/web/types.rs").match(/r#"\n([\s\S]*?)"#;/);
if (!types) throw new Error("package: no TypeScript section in src/web/types.rs");
writeFileSync(join(out, "playtrace.d.ts"), types[1] + read("src/package/api.d.ts"));
// `import "playtrace/websocket";` exports nothing: it makes the tracer's WebSocket methods work.
writeFileSync(join(out, "websocket.d.ts"), "export {};\n");

const cargo = read("Cargo.toml");
const field = (key) => {
  const m = cargo.match(new RegExp(`^${key} = "([^"]*)"`, "m"));
  if (!m) throw new Error(`package: Cargo.toml has no ${key}`);
  return m[1];
};
const manifest = {
  name: field("name"),
  version: field("version"),
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: `git+${field("repository")}.git` },
  keywords: ["tracing", "opentelemetry", "otlp", "zipkin", "webassembly", "games", "traceparent"],
  type: "module",
  main: "./playtrace.js",
  module: "./playtrace.js",
  types: "./playtrace.d.ts",
  exports: {
    ".": { types: "./playtrace.d.ts", default: "./playtrace.js" },
    "./websocket": { types: "./websocket.d.ts", default: "./websocket.js" },
    "./package.json": "./package.json",
  },
  files: ["playtrace.js", "websocket.js", "preflight.js", "playtrace_wasm_bg.wasm", "playtrace_inline.js",
    "playtrace.d.ts", "websocket.d.ts", "README.md"],
  // `import "playtrace/websocket"` is imported for what it does as it loads: bundlers keep it.
  sideEffects: ["./websocket.js"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
