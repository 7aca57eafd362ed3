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

import initEngine from "./playtrace_wasm.js";

async function fromUrl() {
  // Throws without import.meta.url (an iife bundle) or where the URL cannot be formed.
  const url = new URL("./playtrace_wasm_bg.wasm", import.meta.url);
  const response = await fetch(url);
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
 * Loads and instantiates the engine. Resolves with where the wasm came from ("url" or
 * "inline"); rejects only when neither works (wasm disallowed by the page's CSP, say).
 */
export async function loadEngine() {
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
