// Bundles the package's JS into the few files a page loads, minified (esbuild, then terser):
//   playtrace.js   the entry (src/package/playtrace.js), the wasm loader and early recorder, the
//                  wasm-bindgen glue and every JS module the engine imports: one module, so a
//                  plain page loads this file and the wasm, not a chain of a dozen modules.
//                  Beside the public API it exports what playtrace/websocket needs of the engine
//                  (X, put, useSockets), undeclared in playtrace.d.ts.
//   websocket.js   the subpath playtrace/websocket: WebSocket tracing, importing the engine
//                  from ./playtrace.js so both share one instance.
//   debug.js       `debug`'s texts and preflight probe, imported by the entry only when it runs.
//   phaser.js      the subpath playtrace/phaser: the Phaser plugin, importing the entry.
// The inline copy of the wasm (playtrace_inline.js) stays a file of its own, imported only
// where the .wasm file cannot be fetched.
// The wasm's imports and exports get short names, in the wasm (OUT_DIR's) and in the JS: wasm-
// bindgen names each `./playtrace_wasm_bg.js` import `__wbg_<name>_<16 hex digits>`, about 45
// bytes that gzip cannot shrink much, written once in the wasm and once in the glue; exports
// are named once in the wasm and again wherever the JS calls them.
//   node scripts/bundle-pkg.mjs STAGING_DIR OUT_DIR
// STAGING_DIR holds what wasm-bindgen wrote (playtrace_wasm.js, snippets/) and src/package's JS.
import { build } from "esbuild";
import { minify } from "terser";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";

const [staging, out] = process.argv.slice(2);
const snippets = join(staging, "snippets", readdirSync(join(staging, "snippets"))[0], "src", "web");

/** Reads an unsigned LEB128 at `at`: [value, next position]. */
function leb(bytes, at) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}
function lebBytes(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const utf8 = (s) => [...lebBytes(Buffer.byteLength(s)), ...Buffer.from(s)];
/** Short identifiers: a..z, A..Z, then two letters. */
const shortName = (i) => {
  const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return i < abc.length ? abc[i] : abc[Math.floor(i / abc.length) - 1] + abc[i % abc.length];
};

/** The section `id` of `wasm`: where it starts (its id byte), where its content starts and
 * ends; with `replace`, a copy of `wasm` whose section holds the bytes `content` instead. */
function section(wasm, id) {
  let at = 8;
  while (at < wasm.length) {
    const [size, start] = leb(wasm, at + 1);
    const end = start + size;
    if (wasm[at] === id) {
      const replace = (content) => Buffer.concat([wasm.subarray(0, at), Buffer.from([id, ...lebBytes(content.length), ...content]), wasm.subarray(end)]);
      return { start, replace };
    }
    at = end;
  }
  throw new Error(`bundle: the wasm has no section ${id}`);
}

/** Renames the wasm's import modules to short keys, and the glue's own imports (the module
 * wasm-bindgen wrote, whose keys it lists) and our JS functions the wasm imports directly to
 * short names, in both files. */
function shortenImports(wasmPath, gluePath) {
  const wasm = readFileSync(wasmPath);
  let glue = readFileSync(gluePath, "utf8");
  const replace = (from, to, once) => {
    const parts = glue.split(from);
    if (parts.length < 2 || (once && parts.length !== 2)) throw new Error(`bundle: ${from} is in the glue ${parts.length - 1} times, not once`);
    glue = parts.join(to);
  };
  const modules = new Map();
  const direct = new Map(); // snippet module -> the names the wasm imports from it, in order
  const imports = section(wasm, 2);
  let [count, p] = leb(wasm, imports.start);
  const content = [...lebBytes(count)];
  let renamed = 0;
  const text = () => {
    const [len, from] = leb(wasm, p);
    p = from + len;
    return wasm.subarray(from, from + len).toString("utf8");
  };
  while (count-- > 0) {
    const module = text();
    const name = text();
    const descStart = p;
    const kind = wasm[p++];
    if (kind === 0 || kind === 4) p = leb(wasm, p + (kind === 4 ? 1 : 0))[1];
    else if (kind === 1 || kind === 2) {
      if (kind === 1) p++;
      const flags = wasm[p++];
      p = leb(wasm, p)[1];
      if (flags & 1) p = leb(wasm, p)[1];
    } else if (kind === 3) p += 2;
    else throw new Error(`bundle: import kind ${kind}`);
    if (!modules.has(module)) {
      modules.set(module, shortName(modules.size));
      // A module's key is there once for each namespace wasm-bindgen imports it as.
      replace(`${JSON.stringify(module)}:`, `${JSON.stringify(modules.get(module))}:`, false);
    }
    let short = name;
    if (module === "./playtrace_wasm_bg.js") {
      short = shortName(renamed++);
      replace(`${name}:`, `${short}:`, true);
    } else if (module.startsWith("./snippets/")) {
      // A function of our JS that the wasm calls directly, with no glue between.
      const names = direct.get(module) || [];
      short = shortName(names.length);
      names.push(name);
      direct.set(module, names);
    }
    content.push(...utf8(modules.get(module)), ...utf8(short), ...wasm.subarray(descStart, p));
  }
  // wasm-bindgen hands those modules to the wasm whole (`import * as importN`, sometimes twice
  // for one module), which keeps every export of theirs in the bundle under its full name. Each
  // becomes an object of the functions the wasm imports, under their short names.
  for (const [module, names] of direct) {
    const spaces = [...glue.matchAll(new RegExp(`^import \\* as (import\\d+) from ${JSON.stringify(module).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`, "gm"))];
    if (spaces.length === 0) throw new Error(`bundle: the glue does not import ${module} whole`);
    const [first, ...rest] = spaces.map((m) => m[1]);
    const aliases = names.map((n, i) => `${n} as ${first}_${i}`).join(", ");
    replace(spaces[0][0], `import { ${aliases} } from ${JSON.stringify(module)};\n`, true);
    for (const m of spaces.slice(1)) replace(m[0], "", true);
    const key = JSON.stringify(modules.get(module));
    const members = names.map((n, i) => `${shortName(i)}: ${first}_${i}`).join(", ");
    replace(`${key}: ${first},`, `${key}: { ${members} },`, true);
    for (const other of rest) replace(`        ${key}: ${other},\n`, "", true);
  }
  writeFileSync(wasmPath, imports.replace(content));
  writeFileSync(gluePath, glue);
}
shortenImports(join(out, "playtrace_wasm_bg.wasm"), join(staging, "playtrace_wasm.js"));

/** The glue's loader, cut to what the package uses: load.js always hands it a compiled
 * `WebAssembly.Module`, so wasm-bindgen's fetching, streaming and MIME fallbacks, `initSync` and
 * its deprecation warnings are never run, yet no minifier can tell (about 0.5 KB gzipped).
 * Fails if the glue is not laid out as wasm-bindgen 0.2.130 writes it. */
function trimLoader(gluePath) {
  const glue = readFileSync(gluePath, "utf8");
  const from = "async function __wbg_load(", to = "export { initSync, __wbg_init as default };";
  const start = glue.indexOf(from), end = glue.indexOf(to);
  if (start < 0 || end < start || glue.indexOf(from, start + 1) >= 0 || !glue.includes("function __wbg_finalize_init(instance, module)")) {
    throw new Error("bundle: the glue's loader is not laid out as expected");
  }
  writeFileSync(gluePath, `${glue.slice(0, start)}let __wbg_init_promise;
/** Instantiates the compiled engine, once. */
function __wbg_init({ module_or_path: module }) {
  if (__wbg_init_promise === undefined) {
    __wbg_init_promise = WebAssembly.instantiate(module, __wbg_get_imports()).then((instance) => __wbg_finalize_init(instance, module));
    __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
  }
  return __wbg_init_promise;
}

export { __wbg_init as default };
`);
}
trimLoader(join(staging, "playtrace_wasm.js"));

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
/** `SNIPPETS/x.js`, how src/package's modules import the engine's (src/web), resolved to
 * where wasm-bindgen put them. */
const fromSnippets = {
  name: "snippets",
  setup(b) {
    b.onResolve({ filter: /^SNIPPETS\// }, (args) => ({ path: join(snippets, args.path.slice("SNIPPETS/".length)) }));
  },
};

const common = { bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", logLevel: "warning" };

const entry = join(staging, "bundle-entry.js");
writeFileSync(entry, [
  'export * from "./playtrace.js";',
  'export { default } from "./playtrace.js";',
  `export { X, put, useSockets } from ${JSON.stringify(join(snippets, "boundary.js"))};`,
  "",
].join("\n"));
await build({
  ...common,
  entryPoints: [entry],
  outfile: join(out, "playtrace.js"),
  plugins: [beside({ "playtrace_inline.js": "playtrace_inline.js", "debug.js": "debug.js" }), fromSnippets],
});
await build({
  ...common,
  entryPoints: [join(staging, "websocket.js")],
  outfile: join(out, "websocket.js"),
  plugins: [beside({ "boundary.js": "playtrace.js" }), fromSnippets],
});
await build({ ...common, entryPoints: [join(snippets, "debug.js")], outfile: join(out, "debug.js") });
await build({
  ...common,
  entryPoints: [join(staging, "phaser.js")],
  outfile: join(out, "phaser.js"),
  plugins: [beside({ "playtrace.js": "playtrace.js" })],
});

/** Renames the wasm's exports short, in the wasm and where the bundles read them (`.name`
 * property reads of the exports object): all but the memory and the glue's own `init` and
 * `getTracer`, whose names other objects share. Fails if a long name is left anywhere. */
function shortenExports(wasmPath, jsPaths) {
  const keep = new Set(["memory", "init", "getTracer"]);
  const wasm = readFileSync(wasmPath);
  const exports = section(wasm, 7);
  let [count, p] = leb(wasm, exports.start);
  const content = [...lebBytes(count)];
  const renames = [];
  while (count-- > 0) {
    const [len, from] = leb(wasm, p);
    const name = wasm.subarray(from, from + len).toString("utf8");
    p = from + len;
    const descStart = p;
    p = leb(wasm, p + 1)[1];
    const short = keep.has(name) ? name : `$${shortName(renames.length)}`;
    if (short !== name) renames.push([name, short]);
    content.push(...utf8(short), ...wasm.subarray(descStart, p));
  }
  const js = jsPaths.map((f) => [f, readFileSync(f, "utf8")]);
  const word = (name) => new RegExp(`(?<![\\w$])${name}(?![\\w$])`, "g");
  for (const [name, short] of renames) {
    for (const entry of js) entry[1] = entry[1].replace(new RegExp(`\\.${name}(?![\\w$])`, "g"), `.${short}`);
  }
  for (const [name] of renames) {
    for (const [f, text] of js) {
      if (word(name).test(text)) throw new Error(`bundle: ${f} still names the export ${name}`);
    }
  }
  for (const [f, text] of js) writeFileSync(f, text);
  writeFileSync(wasmPath, exports.replace(content));
}
shortenExports(join(out, "playtrace_wasm_bg.wasm"), ["playtrace.js", "websocket.js", "debug.js"].map((f) => join(out, f)));

// Minified once more by terser, whose output of the same code is smaller than esbuild's,
// gzipped (376 bytes of the entry's 12,158, measured): esbuild bundles, terser compresses.
for (const f of ["playtrace.js", "websocket.js", "debug.js", "phaser.js"].map((f) => join(out, f))) {
  const { code } = await minify(readFileSync(f, "utf8"), { module: true, compress: { passes: 3 }, mangle: true });
  writeFileSync(f, code);
}
