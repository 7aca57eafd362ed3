// @ts-check
// `debug` only, loaded when it first has something to say or to probe: the texts of what it
// says, and timed POSTs of an empty export that tell whether the endpoint's CORS preflight is
// kept between sends (the engine's core `preflight` judges; a page cannot see a preflight
// itself). Shipped beside the engine's modules by scripts/build-pkg.sh, outside what a page
// loads by default.

// What `debug` says of each decision, indexed by the engine's codes (core::diagnostics'
// `Decision`, in its order; tests/boundary_constants.rs checks the names).
export const TEXTS = [
  /* SampledOut */ "a span was sampled out (or tracing is disabled): it is not recorded, and its context still propagates with the sampled flag off",
  /* DroppedQueueFull */ "a span was dropped: the queue already holds queueSize spans (stats().droppedQueueFull); raise queueSize or send more often",
  /* DroppedTooLarge */ "a span was dropped: even trimmed it does not fit one body of batchBytes (stats().droppedTooLarge)",
  /* Trimmed */ "a span was trimmed to fit one body of batchBytes, largest attributes first (stats().trimmed)",
  /* TransportFallback */ "a body did not go by sendBeacon",
  /* SendFailed */ "spans were dropped after sending failed (stats().droppedSendFailed)",
  /* Persisted */ "the page went away before spans could be sent: kept in localStorage for the next visit",
  /* NotPropagated */ "no trace headers on a request: only the page's own origin and propagateTo get them (another origin would need them allowed by CORS)",
  /* GzipRefused */ "the endpoint's CORS refused a gzipped body: bodies go plain from now on. If plain ones pass, allow the Content-Encoding header (the Collector's cors: allowed_headers)",
  /* PreflightRepeats */ "each request to the endpoint needs a CORS preflight of its own: the preflight's answer has no Access-Control-Max-Age (the Collector's cors: max_age: 7200)",
];

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `done(simpleMs, freshMs, warmMs, laterMs)` (NaN for a request that failed). */
export async function probe(fetch, url, body, type, credentials, laterMs, done) {
  const key = `${url}${url.includes("?") ? "&" : "?"}playtrace-preflight=${Math.random().toString(36).slice(2)}`;
  const timed = async (target, simple) => {
    const t0 = performance.now();
    try {
      // A simple request (`no-cors`, text/plain) is never preflighted: the baseline.
      await fetch.call(globalThis, target, simple
        ? { method: "POST", body, mode: "no-cors", credentials: "omit", headers: { "content-type": "text/plain" } }
        : { method: "POST", body, headers: { "content-type": type }, credentials: credentials ? "include" : "omit" });
      return performance.now() - t0;
    } catch {
      return NaN;
    }
  };
  const simple = await timed(`${key}-simple`, true);
  const fresh = await timed(key);
  const warm = await timed(key);
  await wait(laterMs / 2);
  await timed(`${key}-open`, true); // keeps the connection open: a new one would cost the later request
  await wait(laterMs / 2);
  done(simple, fresh, warm, await timed(key));
}
