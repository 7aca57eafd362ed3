// @ts-check
// Reads `init`'s config object for the engine (config.rs): each key's JS type, with an Error that
// names the key when it is wrong. Each value is given to the engine at its place in CONFIG_KEYS
// (`core::layout::CONFIG_KEYS`, checked equal by tests/boundary_constants.rs) through the numeric
// boundary (`pt_config`): a text, a number (a choice as its index, a boolean as 1 or 0), or a
// list (a sampler's numbers, a URL list's texts); the resource's attributes as PENDING. A URL
// list's RegExps stay here, with the fetch wrapper (http.js `usePatterns`). The engine
// (core::config) applies the defaults and checks ranges and combinations, with the same kind of
// Error.

import { absolute, usePatterns } from "./http.js";
import { X, put, setValue, giveItems, PENDING } from "./boundary.js";

const CONFIG_KEYS = "serviceName,serviceVersion,environment,endpoint,format,compression,sampler,queueSize,batchSize,batchBytes,flushIntervalMs,spanTimeoutMs,attributeValueLengthLimit,enabled,debug,captureErrors,frameBudgetMs,observeFrames,longAnimationFrames,inputTiming,credentials,resourceAttributes,instrument,propagateTo,ignoreUrls,redactQueryParams,background,fetch,xhr,webSocket";
const KEYS = CONFIG_KEYS.split(",");
// pt_config's kinds of value.
const CONFIG_NUMBER = 0, CONFIG_TEXT = 1, CONFIG_LIST = 2;
/** What each config key is, by its place in KEYS (the keys after these are the engine's slots
 * only): s string, b boolean, n number, w whole number, c a choice (CHOICES), u URLs, l strings,
 * S the sampler, a attributes, i the instrumentations. */
const TYPES = "ssssccSwwwwwwbbbnbbbcaiuulc";
const RULES = {
  s: "must be a string",
  b: "must be true or false",
  n: "must be a number",
  w: "must be a whole number from 0 to 4294967295",
  u: "must be an array of strings and RegExps",
  l: "must be an array of strings",
};
/** @type {Record<string, string[]>} */
const CHOICES = {
  format: ["otlp", "zipkin", "console"],
  compression: ["gzip", "none"],
  credentials: ["include", "omit"],
  background: ["span", "trace", "none"],
};
/** The sampler types, by the code config.rs reads. */
const SAMPLERS = ["always", "never", "ratio", "rate-limited", "parent-based", "session"];

/** An Error for `key`, worded as the engine words its own. */
const fail = (key, problem) => new Error(`playtrace config: ${key}: ${problem}`);

/** A plain object: not an array, a function or a primitive. */
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** The own keys of `o` with a value other than undefined, with their values. */
const entries = (o) => Object.entries(o).filter((e) => e[1] !== undefined);

/** `v` if it is what `type` (a TYPES letter) says, else an Error naming `key`. */
function typed(key, v, type) {
  const ok =
    type === "s" ? typeof v === "string"
    : type === "b" ? typeof v === "boolean"
    : type === "n" ? typeof v === "number"
    : type === "w" ? Number.isInteger(v) && v >= 0 && v <= 4294967295
    : Array.isArray(v) && (type === "u" || v.every((s) => typeof s === "string"));
  if (!ok) throw fail(key, RULES[type]);
  return v;
}

/** A sampler as [type code, rate, ...]: a parent-based one is followed by its root's pair. */
function sampler(key, v) {
  if (typeof v === "string" && ["always", "never", "parent-based"].includes(v)) return [SAMPLERS.indexOf(v), NaN];
  if (!isObject(v)) throw fail(key, 'must be "always", "never", "parent-based" or {type, rate, root}');
  let type, rate = NaN, root = [];
  for (const [k, value] of entries(v)) {
    const sub = `${key}.${k}`;
    if (k === "type") type = typed(sub, value, "s");
    else if (k === "rate") rate = typed(sub, value, "n");
    else if (k === "root") root = sampler(sub, value);
    else throw fail(sub, "is not a sampler option");
  }
  const code = SAMPLERS.indexOf(type);
  if (code < 0) throw fail(`${key}.type`, "must be always, never, ratio, rate-limited, parent-based or session");
  if (rate !== rate && [2, 3, 5].includes(code)) throw fail(`${key}.rate`, "is required for this sampler");
  return code === 4 ? [code, rate, ...root] : [code, rate];
}

/** A `propagateTo` string as the browser normalises it: `https://API.example.com:443` is the
 * origin `https://api.example.com`; anything with a path stays a prefix, as written. */
function originOrPrefix(text) {
  try {
    const url = new URL(text);
    if (url.pathname === "/" && !url.search && !url.hash) return url.origin;
  } catch {
    // Not an absolute URL: a prefix.
  }
  return text;
}

/** Gives the engine `value` for the key at `slot` (pt_config). */
function give(slot, value) {
  if (typeof value === "string") return X.pt_config(slot, put(value), CONFIG_TEXT);
  if (!Array.isArray(value)) return X.pt_config(slot, +value, CONFIG_NUMBER);
  giveItems(value);
  X.pt_config(slot, value.length, CONFIG_LIST);
}

/**
 * Reads `config` and gives the engine its values, or throws an Error naming the first key of a
 * wrong type.
 * @param {any} config
 */
export function readConfig(config) {
  if (!isObject(config)) throw fail("config", "must be an object with a serviceName");
  const slot = (key) => KEYS.indexOf(key);
  /** @type {RegExp[][]} */
  const patterns = [[], []]; // propagateTo's, ignoreUrls'
  let named = false;
  for (const [key, v] of entries(config)) {
    const type = TYPES[slot(key)];
    let value = v;
    if (type === undefined) throw fail(key, "is not a playtrace option");
    if (type === "c") {
      value = CHOICES[key].indexOf(v);
      if (value < 0) {
        const quoted = CHOICES[key].map((c) => `"${c}"`);
        throw fail(key, `must be ${quoted.slice(0, -1).join(", ")} or ${quoted.pop()}`);
      }
    } else if (type === "S") value = sampler(key, v);
    else if (type === "a" || type === "i") {
      if (!isObject(v)) {
        throw fail(key, type === "i" ? "must be an object such as { fetch: true, xhr: true }" : "must be an object of attributes");
      }
      for (const [name, item] of entries(v)) {
        const sub = `${key}.${name}`;
        if (type === "a") {
          // The resource's attributes go to the engine now, as PENDING; init takes them.
          if (!setValue(PENDING, name, item)) throw fail(sub, "is not a string, number, boolean or homogeneous array");
        } else {
          if (!["fetch", "xhr", "webSocket"].includes(name)) throw fail(sub, "is not an instrumentation (fetch, xhr, webSocket)");
          give(slot(name), typed(sub, item, "b"));
        }
      }
      continue;
    } else if (type === "u") {
      const texts = [];
      typed(key, v, type).forEach((item, i) => {
        if (typeof item === "string") texts.push(key === "ignoreUrls" ? item : originOrPrefix(item));
        else if (item instanceof RegExp) patterns[key === "ignoreUrls" ? 1 : 0].push(item);
        else throw fail(`${key}[${i}]`, "must be a string or a RegExp");
      });
      value = texts;
    } else typed(key, v, type);
    give(slot(key), value);
    named ||= key === "serviceName";
  }
  if (!named) throw fail("serviceName", "is required");
  usePatterns(patterns[0], patterns[1]);
}

/**
 * `endpoint` resolved against the page, as the engine sends to it, written to the string area:
 * its absolute URL, or "" where it is not http(s). Returns its length, or -1 where it is no URL
 * at all.
 * @param {string} endpoint
 */
export function resolveUrl(endpoint) {
  const href = absolute(endpoint);
  return href === undefined ? -1 : put(/^https?:/.test(href) ? href : "");
}
