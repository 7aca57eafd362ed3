// `make core-floor`: what src/core alone weighs in a wasm, at opt-level "z", behind a numeric
// boundary with no browser layer (bench/core-floor), built as the shipped wasm is. Two builds: every rule the product has,
// and a minimal tracer (text and number attributes, both formats, the exporter). Prints each
// gzip -9 and brotli, beside the package's default import as `make size` counts it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const crate = path.join(root, 'bench/core-floor');
const wasmOpt = path.join(root, 'node_modules/.bin/wasm-opt');
const work = fs.mkdtempSync('/tmp/core-floor-');

/** `wasm` without its custom sections (getrandom's wasm-bindgen metadata, names). */
function withoutCustomSections(wasm) {
  const kept = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const start = at++;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      size |= (byte & 127) << shift;
      if (!(byte & 128)) break;
    }
    if (wasm[start] !== 0) kept.push(wasm.subarray(start, at + size));
    at += size;
  }
  return Buffer.concat(kept);
}

function build(features) {
  // The toolchain and options the shipped wasm is built with (scripts/wasm-toolchain.sh).
  const cargo = `source ${path.join(root, 'scripts/wasm-toolchain.sh')} && wasm_cargo "$@"`;
  execFileSync('bash', ['-c', cargo, 'cargo', 'build', '--quiet', '--release', '--target', 'wasm32-unknown-unknown', ...features], {
    cwd: crate,
    stdio: 'inherit',
  });
  const built = path.join(crate, 'target/wasm32-unknown-unknown/release/core_floor.wasm');
  const opt = path.join(work, 'opt.wasm');
  execFileSync(wasmOpt, ['-Oz', '--converge', '--strip-debug', '--strip-producers', '-o', opt, built]);
  const wasm = withoutCustomSections(fs.readFileSync(opt));
  return {
    raw: wasm.length,
    gzip: zlib.gzipSync(wasm, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(wasm, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const rows = [
  ['src/core, every rule', build(['--features', 'all-rules'])],
  ['src/core, minimal tracer', build([])],
];
fs.rmSync(work, { recursive: true, force: true });
console.log('| wasm at opt-level "z" | raw (B) | gzip -9 (B) | brotli (B) |');
console.log('|---|---|---|---|');
for (const [name, s] of rows) console.log(`| ${name} | ${s.raw} | ${s.gzip} | ${s.brotli} |`);
