// @ts-check
// `playtrace/phaser`: a Phaser 3 global plugin. Installed in the game config, it records what a
// Phaser game does with no code in the game:
//   - frames from Phaser's own loop (its `prestep` event: no second requestAnimationFrame);
//   - `game.boot`, from navigation start to the first scene's `create`, the child of the page's
//     server-rendered `<meta name="traceparent">` where there is one;
//   - `scene.start <key>` from a scene's start until its `create` has returned, and within it
//     `scene.load <key>`, from the loader's start to its `complete`, with a `load <type> <key>`
//     span per file (the file's request beneath it): key, type, path, bytes, and a failure as
//     error status and `error.type`;
//   - `action(name, pointerOrKeyOrEvent, fn)`: an action started from Phaser's input, with the
//     browser's Event Timing entry for input to result.
// Phaser is the game's (a peer dependency): this module never imports it.

import { getTracer } from "./playtrace.js";

// The tracer and span types are declared for the package (phaser.d.ts), not for these sources.
/** @typedef {any} Tracer */
/** @typedef {any} Span */

/** The scene part's key; the global plugin installs it into every scene. */
const SCENE_PART = "playtraceScene";

/** The global plugin of each Phaser game (its plugin manager), for the scene parts. */
const games = new WeakMap();

/** The browser event behind a Phaser input: a Pointer's `event`, a Key's `originalEvent`, or
 * the event itself. */
function browserEvent(input) {
  if (typeof Event !== "undefined" && input instanceof Event) return input;
  const inner = input && (input.event || input.originalEvent);
  return typeof Event !== "undefined" && inner instanceof Event ? inner : undefined;
}

/** The page's server-rendered trace context, if it has one: a parent the engine reads (its
 * `spanContext()`) when it starts the span, which is after the engine has loaded even where the
 * span was started before, when `extract` could not read a context yet. */
function pageParent(tracer) {
  if (typeof document === "undefined") return null;
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content");
  const traceparent = meta("traceparent");
  if (!traceparent) return null;
  const tracestate = meta("tracestate");
  const carrier = tracestate ? { traceparent, tracestate } : { traceparent };
  return { spanContext: () => tracer.extract(carrier) || {} };
}

/** A span that ends when `open.close()` is called: an action around a promise. */
function openAction(tracer, name, options) {
  /** @type {{ span: Span | undefined, close: () => void }} */
  const open = { span: undefined, close: () => {} };
  tracer.action(name, options, (span) => new Promise((resolve) => {
    open.span = span;
    open.close = () => resolve(undefined);
  })).catch(() => {});
  return open;
}

/** The bytes a loader file brought: its progress total, else its response's size. */
function fileBytes(file) {
  if (file.bytesTotal > 0) return file.bytesTotal;
  const r = file.xhrLoader && file.xhrLoader.response;
  if (!r) return file.bytesLoaded > 0 ? file.bytesLoaded : 0;
  return r.byteLength ?? r.size ?? (typeof r === "string" ? r.length : 0);
}

/** `file.src` as a path, and its host where it is on another origin. */
function fileWhere(file) {
  try {
    const url = new URL(file.src || file.url, location.href);
    return url.origin === location.origin ? { "url.path": url.pathname } : { "url.path": url.pathname, "server.address": url.hostname };
  } catch {
    return {};
  }
}

/** The Phaser plugin (see the top of this file and phaser.d.ts). */
export class PlaytracePlugin {
  /** @param {any} pluginManager Phaser's plugin manager */
  constructor(pluginManager) {
    this.pluginManager = pluginManager;
    this.game = pluginManager.game;
    /** @type {Tracer | undefined} */
    this.tracer = undefined;
    /** `game.boot`, open until the first scene's `create`. */
    this.boot = undefined;
    /** @param {number} time */
    this.onStep = (time) => this.tracer?.frame(time);
  }

  /** Phaser's plugin data: `{ tracer }`, else the tracer `init` returned. */
  init(data) {
    const tracer = (data && data.tracer) || getTracer();
    if (!tracer) {
      console.warn("[playtrace] the Phaser plugin found no tracer: call init() from playtrace before new Phaser.Game()");
      return;
    }
    this.tracer = tracer;
    games.set(this.pluginManager, this);
    this.pluginManager.installScenePlugin(SCENE_PART, PlaytraceScene, SCENE_PART);
    this.boot = openAction(tracer, "game.boot", { parent: pageParent(tracer), startTime: 0 });
  }

  start() {
    this.game.events.on("prestep", this.onStep);
  }

  stop() {
    this.game.events.off("prestep", this.onStep);
  }

  destroy() {
    this.stop();
    this.boot?.close();
    games.delete(this.pluginManager);
  }

  /**
   * Runs a player action started from Phaser's input (a Pointer, a Key, or the browser event):
   * `tracer.action` with that input's Event Timing entry, so the action measures input to
   * result. The promise resolves or rejects as `fn`'s does; a rejection that nobody awaits is
   * not reported as unhandled (the span has the error), so an input handler may ignore it.
   * @template T
   * @param {string} name
   * @param {unknown} input
   * @param {(span: Span) => T | Promise<T>} fn
   * @param {object} [options] `tracer.action`'s options (attributes, parent, links)
   * @returns {Promise<T>}
   */
  action(name, input, fn, options) {
    if (!this.tracer) return Promise.resolve().then(() => fn(/** @type {any} */ (undefined)));
    const event = browserEvent(input);
    const done = this.tracer.action(name, event ? { ...options, event } : options, fn);
    done.catch(() => {});
    return done;
  }

  /** The first scene has been created: the game has booted. */
  booted() {
    this.boot?.close();
    this.boot = undefined;
  }
}

/** The plugin's part in each scene: its start, its loads and their files. */
class PlaytraceScene {
  /** @param {any} scene @param {any} pluginManager */
  constructor(scene, pluginManager) {
    this.scene = scene;
    this.owner = games.get(pluginManager);
    this.starting = undefined; // scene.start, open until create has returned
    this.loading = undefined; // scene.load, open until the loader's complete
    this.load = { files: 0, bytes: 0, failed: 0 };
    /** @type {Map<any, Span>} the loader's files in flight */
    this.files = new Map();
    scene.sys.events.once("boot", this.hook, this);
  }

  get key() {
    return this.scene.sys.settings.key;
  }

  hook() {
    const events = this.scene.sys.events;
    events.on("start", this.onStart, this);
    events.on("create", this.onCreate, this);
    events.on("shutdown", this.onStop, this);
    events.once("destroy", this.onStop, this);
    const loader = this.scene.sys.load;
    if (!loader) return;
    loader.on("start", this.onLoadStart, this);
    loader.on("addfile", this.onFileAdded, this);
    loader.on("load", this.onFileLoaded, this);
    loader.on("loaderror", this.onFileFailed, this);
    loader.on("complete", this.onLoadComplete, this);
  }

  onStart() {
    const tracer = this.owner && this.owner.tracer;
    if (!tracer) return;
    const parent = this.owner.boot && this.owner.boot.span;
    this.starting = openAction(tracer, `scene.start ${this.key}`, {
      attributes: { "phaser.scene.key": this.key },
      ...(parent ? { parent } : {}),
    });
  }

  onCreate() {
    this.starting?.close();
    this.starting = undefined;
    this.owner?.booted();
  }

  onStop() {
    this.endFiles("phaser.load.stopped");
    this.onLoadComplete();
    this.starting?.close();
    this.starting = undefined;
  }

  onLoadStart(loader) {
    const tracer = this.owner && this.owner.tracer;
    if (!tracer || loader.list.size === 0) return; // nothing to load: no span
    this.load = { files: 0, bytes: 0, failed: 0 };
    const parent = this.starting && this.starting.span;
    this.loading = openAction(tracer, `scene.load ${this.key}`, {
      attributes: { "phaser.scene.key": this.key },
      ...(parent ? { parent } : {}),
    });
  }

  /** A file joins the queue: its request will be made inside its own span. */
  onFileAdded(key, type, loader, file) {
    const tracer = this.owner && this.owner.tracer;
    if (!tracer || !file || typeof file.load !== "function" || Object.hasOwn(file, "load")) return;
    const original = file.load;
    const files = this.files;
    const scene = this;
    let retries = 0;
    file.load = function load() {
      // The loader calls it again to retry a failed file (`maxRetries`): one span, counted.
      let span = files.get(file);
      if (span) {
        span.setAttribute("phaser.file.retries", ++retries);
      } else {
        const parent = scene.loading && scene.loading.span;
        span = tracer.startSpan(`load ${type} ${key}`, {
          attributes: { "phaser.file.key": key, "phaser.file.type": type },
          ...(parent ? { parent } : {}),
        });
        files.set(file, span);
      }
      return tracer.withSpan(span, () => original.apply(file, arguments));
    };
  }

  onFileLoaded(file) {
    const span = this.files.get(file);
    if (!span) return;
    this.files.delete(file);
    const bytes = fileBytes(file);
    this.load.files += 1;
    this.load.bytes += bytes;
    span.setAttributes({ ...fileWhere(file), "phaser.file.bytes": bytes });
    span.end();
  }

  onFileFailed(file) {
    const span = this.files.get(file);
    if (!span) return;
    this.files.delete(file);
    const status = file.xhrLoader ? file.xhrLoader.status : 0;
    this.load.files += 1;
    this.load.failed += 1;
    span.setAttributes({ ...fileWhere(file), "error.type": status >= 400 ? String(status) : "load_failed" });
    span.setStatus({ code: "error", message: `could not load ${file.type} "${file.key}"${status ? ` (HTTP ${status})` : ""}` });
    span.end();
  }

  onLoadComplete() {
    if (!this.loading) return;
    const span = this.loading.span;
    span?.setAttributes({ "phaser.load.files": this.load.files, "phaser.load.bytes": this.load.bytes, "phaser.load.failed": this.load.failed });
    this.loading.close();
    this.loading = undefined;
  }

  /** Files still in flight when the scene stops: ended and marked. */
  endFiles(mark) {
    for (const span of this.files.values()) {
      span.setAttribute(mark, true);
      span.end();
    }
    this.files.clear();
  }

  destroy() {
    this.onStop();
  }
}

export default PlaytracePlugin;
