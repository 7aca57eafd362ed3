// The gzipped wasm, base64 (scripts/package-files.mjs writes playtrace_inline.js): its
// declaration, for the type check of the lint suite.
declare const base64: string;
export default base64;
