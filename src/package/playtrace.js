// @ts-check
// playtrace's package entry. `init(config)` is synchronous: the game calls it at start-up and
// gets its tracer at once. The wasm engine loads meanwhile (load.js); what the game does before
// it is ready is recorded and replayed (early.js), so the first frame's spans are kept and
// nothing throws. Once the engine is loaded `init` goes straight to it, and a bad config throws
// there and then; before that, `ready()` rejects with the same Error.

// load.js first: evaluated first, it requests the wasm before the rest of the bundle runs.
import { loadEngine } from "./load.js";
import initEngine, { init as engineInit, getTracer as engineGetTracer } from "./playtrace_wasm.js";
import { EarlyTracer } from "./early.js";

let loading; // Promise<"url" | "inline">: the engine loading
let loaded = false;
let early; // the tracer `init` returned before the engine was ready
let started; // Promise<Tracer>: `init`'s config applied on the engine
let said = false; // the installed tracer said what a second `init` ignored

/** `init` while a tracer is installed returns it and applies nothing of `config`: says so, once
 * per tracer, naming the keys, and how to apply them. */
function sayIgnored(config) {
  if (said || config === null || typeof config !== "object") return;
  said = true;
  let keys = "";
  try {
    keys = Object.keys(config).join(", ");
  } catch {
    // a Proxy: the keys cannot be named
  }
  console.warn(`[playtrace] init() was called again while a tracer is installed; it returned that tracer and ignored: ${keys}. To apply another config, await tracer.shutdown() first, then call init() again.`);
}

/** Starts loading the engine (once); resolves when it is loaded, before any `init`. */
export default function load() {
  if (loading === undefined) {
    loading = loadEngine(initEngine);
    loading.then(() => { loaded = true; }, () => {});
  }
  return loading.then(() => undefined);
}

// A page imports playtrace to call `init` at start-up: the wasm's request goes out now, while
// the rest of the page's modules are evaluated, rather than once `init` is called. (Not where
// there is no document: a worker, or a server rendering the game's modules.)
if (typeof document !== "undefined") load();

/** The tracer the game holds for the engine's tracer `t`. */
function held(t) {
  return early !== undefined && early.t === t ? early : t;
}

/**
 * Starts tracing and returns the tracer. Before the engine is loaded the tracer records what
 * the game does and replays it when it is; a bad config then makes `ready()` reject.
 */
export function init(config) {
  if (loaded) {
    const installed = engineGetTracer() !== undefined;
    const t = held(engineInit(config));
    if (installed) sayIgnored(config);
    else said = false;
    started = Promise.resolve(t); // ready() resolves the tracer installed now, after a shutdown too
    return t;
  }
  if (early !== undefined) {
    sayIgnored(config);
    return early;
  }
  const tracer = new EarlyTracer();
  early = tracer;
  const given = config !== null && typeof config === "object" ? { ...config } : config;
  const since = performance.now();
  // fetch is watched as the engine will instrument it: unless the config turns that off.
  const off = given !== null && typeof given === "object" && (given.enabled === false || (given.instrument && given.instrument.fetch === false));
  load(); // first: its request for the wasm is ours, not the game's
  if (!off) tracer.watchFetch();
  started = loading.then(
    (source) => {
      let real;
      tracer.unwatch(); // the engine wraps fetch itself from here
      try {
        real = engineInit(given);
      } catch (error) {
        tracer.disable();
        console.error(`playtrace: init failed, nothing is traced: ${error && error.message}`);
        throw error;
      }
      const requests = tracer.requests;
      const replayed = tracer.spans - requests;
      tracer.replay(real);
      if (given && given.debug === true) {
        console.info(`playtrace: the engine loaded in ${Math.round(performance.now() - since)} ms (wasm ${source === "url" ? "file" : "copy inlined in the package, the file was not beside the module"}); ` +
          `${replayed} span(s) started before it were replayed; ${requests} request(s) made before it were traced without trace headers`);
      }
      return tracer;
    },
    (error) => {
      tracer.unwatch();
      tracer.disable();
      console.error(`playtrace: the wasm engine could not load, nothing is traced: ${error && error.message}`);
      throw error;
    },
  );
  started.catch(() => {}); // reported above; ready() hands the error to whoever asks
  return tracer;
}

/** The tracer `init` returned, if any. */
export function getTracer() {
  if (!loaded) return early;
  const t = engineGetTracer();
  return t === undefined ? undefined : held(t);
}

/**
 * Resolves with the tracer once the engine runs `init`'s config (at once if it already does);
 * rejects with `init`'s Error for a bad config, or if the engine could not load.
 */
export function ready() {
  if (started !== undefined) return started;
  return load().then(() => getTracer());
}
