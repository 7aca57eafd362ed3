// playtrace as the bench bundles it: the package entry, plus the engine's exports (its wasm
// memory is one of the figures). The package is the one scripts/bench.sh builds.
export { default, init } from "../target/bench/pkg/playtrace.js";
// The ws figures trace sockets: what a game with sockets imports beside the entry.
import "../target/bench/pkg/websocket.js";
import { X } from "../target/bench/pkg/playtrace.js";
// The engine's wasm exports, bound by init (the memory figures read the memory's size).
export const engineExports = async () => ({ get memory() { return X.memory; } });
