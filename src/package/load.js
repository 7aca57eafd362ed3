// @ts-check
// Finds and compiles playtrace's wasm the way every setup understands, with no bundler plugin:
//  1. `new URL("./playtrace_wasm_bg.wasm", import.meta.url)`: Vite and webpack emit the file
//     and rewrite the URL; a plain page or a CDN serves it beside this module. Compiled while it
//     downloads (compileStreaming), or from its bytes where the server's MIME type is not
//     application/wasm.
//  2. Where that file is not there (esbuild and Rollup do not copy it, Vite's dev server
//     pre-bundles this module away from it, an `iife` bundle has no import.meta.url), the copy
//     inside playtrace_inline.js: the same wasm, gzipped, loaded by a dynamic import that
//     bundlers split into a chunk fetched only then.

// This module imports nothing, and the entry imports it first: on a page, the wasm's request
// goes out as soon as the package's code starts running, before the glue and the rest of the
// bundle are evaluated, rather than after them. (Not where there is no document: a worker, or a
// server rendering the game's modules; there `loadEngine` requests it.)

let requested; // Promise<Response>: the wasm's request, made once

function request() {
  // Throws without import.meta.url (an iife bundle) or where the URL cannot be formed.
  if (requested === undefined) requested = fetch(new URL("./playtrace_wasm_bg.wasm", import.meta.url));
  return requested;
}

if (typeof document !== "undefined") {
  try {
    request().catch(() => {}); // a failure is loadEngine's to handle, by the inline copy
  } catch {
    // no URL: loadEngine falls back to the inline copy
  }
}

async function fromUrl() {
  const response = await request();
  const url = response.url;
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  if (typeof WebAssembly.compileStreaming === "function" && (response.headers.get("content-type") || "").startsWith("application/wasm")) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function fromInline() {
  const { default: base64 } = await import("./playtrace_inline.js");
  const bytes = typeof Uint8Array.fromBase64 === "function"
    ? Uint8Array.fromBase64(base64)
    : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const wasm = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")));
  return WebAssembly.compile(await wasm.arrayBuffer());
}

/**
 * Loads the engine and instantiates it with `initEngine` (the glue's). Resolves with where the
 * wasm came from ("url" or "inline"); rejects only when neither works (wasm disallowed by the
 * page's CSP, say).
 * @param {(options: { module_or_path: WebAssembly.Module }) => Promise<unknown>} initEngine
 */
export async function loadEngine(initEngine) {
  let module, source = "url";
  try {
    module = await fromUrl();
  } catch {
    source = "inline";
    module = await fromInline();
  }
  await initEngine({ module_or_path: module });
  return source;
}
