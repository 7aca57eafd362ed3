// Writes the package's generated files into OUT_DIR, beside the engine wasm-bindgen wrote there:
//   playtrace_inline.js  the wasm, gzipped and base64-encoded, for setups that do not emit the
//                        .wasm file (playtrace.js imports it only then)
//   playtrace.d.ts       the public declarations: the types of src/web/types.rs and the entry's
//                        functions (src/package/api.d.ts)
//   websocket.d.ts       the declarations of playtrace/websocket (nothing: it is imported for
//                        its effect)
//   phaser.d.ts          the declarations of playtrace/phaser, the Phaser plugin
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
writeFileSync(join(out, "phaser.d.ts"), `import type { ActionOptions, Span, Tracer } from "./playtrace.js";

/**
 * The Phaser 3 plugin: \`plugins: { global: [{ key: "playtrace", plugin: PlaytracePlugin, start: true }] }\`
 * in the game config, after \`init\`. Frames come from Phaser's loop; \`game.boot\`, \`scene.start <key>\`,
 * \`scene.load <key>\` and a \`load <type> <key>\` span per loader file are recorded with no code in
 * the game. In a scene: \`this.plugins.get("playtrace").action("jump", pointer, fn)\`.
 */
export declare class PlaytracePlugin {
  constructor(pluginManager: unknown);
  /** The tracer: the plugin data's \`tracer\`, else the one \`init\` returned. */
  tracer: Tracer | undefined;
  init(data?: { tracer?: Tracer }): void;
  start(): void;
  stop(): void;
  destroy(): void;
  /**
   * A player action started from Phaser's input (a Pointer, a Key or the browser event), with
   * its Event Timing entry for input to result. Resolves or rejects as \`fn\`'s promise does; a
   * rejection nobody awaits is not reported as unhandled (the span has the error).
   */
  action<T>(name: string, input: unknown, fn: (span: Span) => T | Promise<T>, options?: ActionOptions): Promise<T>;
}
export default PlaytracePlugin;
`);

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
    "./phaser": { types: "./phaser.d.ts", default: "./phaser.js" },
    "./package.json": "./package.json",
  },
  files: ["playtrace.js", "websocket.js", "debug.js", "phaser.js", "playtrace_wasm_bg.wasm", "playtrace_inline.js",
    "playtrace.d.ts", "websocket.d.ts", "phaser.d.ts", "README.md"],
  // playtrace/phaser is a plugin for the game's own Phaser; nothing else needs it.
  peerDependencies: { phaser: ">=3.60.0" },
  peerDependenciesMeta: { phaser: { optional: true } },
  // `import "playtrace/websocket"` is imported for what it does as it loads: bundlers keep it.
  sideEffects: ["./websocket.js"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
