// @ts-check
// `debug` only, loaded then: timed POSTs of an empty export that tell whether the endpoint's
// CORS preflight is kept between sends (the engine's core `preflight` judges; a page cannot see
// a preflight itself). Shipped beside the engine's modules by scripts/build-pkg.sh, outside what
// a page loads by default.

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
