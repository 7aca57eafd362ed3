// playtrace as the bench bundles it: the package entry, plus the engine's exports (its wasm
// memory is one of the figures). The package is the one scripts/bench.sh builds.
export { default, init } from "../target/bench/pkg/playtrace.js";
export { default as engineExports } from "../target/bench/pkg/playtrace_wasm.js";
