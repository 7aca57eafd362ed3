// Bundles the package's JS into the few files a page loads, minified as a bundler would:
//   playtrace.js   the entry (src/package/playtrace.js), the wasm loader and early recorder, the
//                  wasm-bindgen glue and every JS module the engine imports: one module, so a
//                  plain page loads this file and the wasm, not a chain of a dozen modules.
//                  Beside the public API it exports what playtrace/websocket needs of the engine
//                  (X, put, PARENT_IMPLICIT, useSockets), undeclared in playtrace.d.ts.
//   websocket.js   the subpath playtrace/websocket: WebSocket tracing, importing the engine
//                  from ./playtrace.js so both share one instance.
//   preflight.js   `debug`'s preflight probe, imported by the entry only when it runs.
// The inline copy of the wasm (playtrace_inline.js) stays a file of its own, imported only
// where the .wasm file cannot be fetched.
//   node scripts/bundle-pkg.mjs STAGING_DIR OUT_DIR
// STAGING_DIR holds what wasm-bindgen wrote (playtrace_wasm.js, snippets/) and src/package's JS.
import { build } from "esbuild";
import { readdirSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";

const [staging, out] = process.argv.slice(2);
const snippets = join(staging, "snippets", readdirSync(join(staging, "snippets"))[0], "src", "web");

/** Imports that stay imports of a file beside the bundle: `name` (a file name) -> `./target`. */
const beside = (names) => ({
  name: "beside",
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      const target = names[basename(args.path)];
      return target === undefined ? undefined : { path: `./${target}`, external: true };
    });
  },
});
const common = { bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", logLevel: "warning" };

const entry = join(staging, "bundle-entry.js");
writeFileSync(entry, [
  'export * from "./playtrace.js";',
  'export { default } from "./playtrace.js";',
  `export { X, put, PARENT_IMPLICIT, useSockets } from ${JSON.stringify(join(snippets, "boundary.js"))};`,
  "",
].join("\n"));
await build({
  ...common,
  entryPoints: [entry],
  outfile: join(out, "playtrace.js"),
  plugins: [beside({ "playtrace_inline.js": "playtrace_inline.js", "preflight.js": "preflight.js" })],
});
await build({
  ...common,
  entryPoints: [join(staging, "websocket.js")],
  outfile: join(out, "websocket.js"),
  plugins: [
    beside({ "boundary.js": "playtrace.js" }),
    {
      name: "snippets",
      setup(b) {
        b.onResolve({ filter: /^SNIPPETS\// }, (args) => ({ path: join(snippets, args.path.slice("SNIPPETS/".length)) }));
      },
    },
  ],
});
await build({ ...common, entryPoints: [join(snippets, "preflight.js")], outfile: join(out, "preflight.js") });
