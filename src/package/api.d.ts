/**
 * Starts tracing and returns the tracer, synchronously: call it once at start-up. The engine
 * (WebAssembly) loads in the background; what the game records before it is ready is kept and
 * sent. Calling `init` again returns the same tracer.
 *
 * Throws an `Error` naming the offending key for an invalid config once the engine is loaded
 * (after `await ready()` or `await load()`); before that, `ready()` rejects with that Error.
 */
export function init(config: PlaytraceConfig): Tracer;
/** The tracer `init` returned, if `init` was called. */
export function getTracer(): Tracer | undefined;
/**
 * Resolves with the tracer once the engine runs the config given to `init`. Rejects with
 * `init`'s Error for an invalid config, or when the engine could not load (a Content Security
 * Policy without `wasm-unsafe-eval`, say); the game keeps running either way. Await it before
 * requests that must carry trace headers at start-up: until then spans and `fetch` calls are
 * recorded, but IDs are not assigned yet, so requests go out without `traceparent` (their
 * spans carry `playtrace.before_ready`).
 */
export function ready(): Promise<Tracer | undefined>;
/** Starts loading the engine, without `init` (a page's import of the package already has); resolves
 * when it is loaded. Optional. */
export default function load(): Promise<void>;
