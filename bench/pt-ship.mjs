// What a game ships to use playtrace, measured for `size`: the package entry alone (no WebSocket
// tracing, which ships apart and OpenTelemetry JS has none of), bundled as the bench bundles it.
export { default, init } from "../target/bench/pkg/playtrace.js";
