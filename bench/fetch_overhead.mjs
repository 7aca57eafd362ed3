// What the fetch wrapper costs per call: the same calls through the bare fetch and through the
// instrumented one, in one page and one run, with a fetch underneath that answers at once so
// the network does not drown the difference. Prints microseconds per call and their ratio.
//   node bench/fetch_overhead.mjs      (needs target/e2e-pkg: make e2e builds it)

import { start } from "../tests/e2e/harness.mjs";

const h = await start();
try {
  const page = await h.page();
  const result = await page.evaluate(async () => {
    const N = 20000;
    window.fetch = () => Promise.resolve(new Response(null, { status: 204 }));
    const bare = window.fetch;
    const timeCalls = async (f) => {
      // Sync cost of the calls, then the time until every promise settled.
      const t0 = performance.now();
      const pending = [];
      for (let i = 0; i < N; i++) pending.push(f(`/same-origin/item/${i}?level=3`, { headers: { "x-game": "1" } }));
      const t1 = performance.now();
      await Promise.all(pending);
      const t2 = performance.now();
      return { callUs: ((t1 - t0) * 1000) / N, settleUs: ((t2 - t0) * 1000) / N };
    };
    await timeCalls(bare); // warm-up
    const baseline = await timeCalls(bare);
    const tracer = window.pt.init({ serviceName: "bench", queueSize: 100000, batchSize: 100000, flushIntervalMs: 600000 });
    await timeCalls(window.fetch); // warm-up
    const traced = await timeCalls(window.fetch);
    tracer.shutdown();
    const sampledOut = window.pt.init({ serviceName: "bench", sampler: "never" });
    const unsampled = await timeCalls(window.fetch);
    sampledOut.shutdown();
    return { baseline, traced, unsampled };
  });
  const fmt = (x) => x.toFixed(2).padStart(8);
  console.log("per fetch call (µs)          call   settled");
  for (const [name, r] of Object.entries(result)) console.log(`${name.padEnd(24)} ${fmt(r.callUs)}  ${fmt(r.settleUs)}`);
  const over = (k) => (result[k].settleUs - result.baseline.settleUs).toFixed(2);
  console.log(`wrapper overhead, sampled: ${over("traced")} µs a call (${(result.traced.settleUs / result.baseline.settleUs).toFixed(1)}x the bare call)`);
  console.log(`wrapper overhead, sampled out: ${over("unsampled")} µs a call (${(result.unsampled.settleUs / result.baseline.settleUs).toFixed(1)}x)`);
} finally {
  await h.stop();
}
