// What the package's JS imports from the engine's glue (written by wasm-bindgen into the
// package as playtrace_wasm.js): its declarations, for the type check of the lint suite.
export default function initEngine(options: { module_or_path: WebAssembly.Module }): Promise<unknown>;
export function init(config: unknown): any;
export function getTracer(): any;
