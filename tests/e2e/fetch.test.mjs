// fetch and XHR instrumentation in headless Chromium, against real local endpoints that echo the
// headers they receive: which requests carry trace headers, what the client spans record, and
// that the game's own calls behave exactly as without playtrace.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { attr, start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
});
after(async () => {
  await h.stop();
});

const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-3]$/;

/** Opens a page, runs `init(config)` there, then `scenario` (a function run in the page). */
async function run(config, scenario, arg, meta) {
  const page = await h.page(meta);
  const result = await page.evaluate(
    async ({ config, src, arg }) => {
      const tracer = window.pt.init(config);
      const fn = new Function("tracer", "pt", "arg", `return (${src})(tracer, pt, arg);`);
      const out = await fn(tracer, window.pt, arg);
      // A flush closes the group of requests made outside actions (its span ends with its last
      // request); client spans end once Resource Timing has reported the request. Wait for all.
      tracer.flush();
      for (let i = 0; i < 100; i++) {
        const st = tracer.stats();
        if (st.spansStarted - st.sampledOut === st.spansEnded) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      tracer.flush();
      return out;
    },
    { config, src: scenario.toString(), arg },
  );
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
  await page.context().close();
  return result;
}

const spanOf = (spans, tag) => spans.find((s) => s.kind === 3 && String(attr(s, "url.full")).includes(tag));

test("every call shape gets exactly one traceparent naming its own span, and keeps its meaning", async () => {
  const out = await run({ serviceName: "shapes" }, async () => {
    const results = {};
    const echo = (tag) => `/echo?tag=${tag}`;
    const caller = { "x-caller": "1" };
    const initObj = { headers: caller };
    const before = JSON.stringify(initObj);
    const hdrs = new Headers({ "x-caller": "2" });
    const calls = {
      string: () => fetch(echo("string")),
      url: () => fetch(new URL(echo("url"), location.href)),
      request: () => fetch(new Request(echo("request"), { headers: { "x-caller": "3" } })),
      requestInit: () => fetch(new Request(echo("requestInit"), { method: "POST", body: "abc" }), { headers: { "x-caller": "4" } }),
      object: () => fetch(echo("object"), initObj),
      headers: () => fetch(echo("headers"), { headers: hdrs }),
      pairs: () => fetch(echo("pairs"), { headers: [["x-caller", "5"]] }),
      post: () => fetch(echo("post"), { method: "post", body: "hello world", headers: caller }),
      detached: () => { const f = window.fetch; return f(echo("detached")); },
      windowCall: () => window.fetch.call(undefined, echo("windowCall")),
    };
    for (const [name, call] of Object.entries(calls)) {
      const res = await call();
      results[name] = { isResponse: res instanceof Response, status: res.status, echo: await res.json() };
    }
    results.initUnchanged = JSON.stringify(initObj) === before;
    results.headersUnchanged = [...hdrs.keys()].join(",") === "x-caller";
    return results;
  });
  const spans = await h.waitForSpans((s) => s.filter((x) => x.kind === 3).length >= 10);
  for (const [name, r] of Object.entries(out).filter(([k]) => !k.endsWith("Unchanged"))) {
    assert.ok(r.isResponse && r.status === 200, `${name}: the Response is returned untouched`);
    const tp = r.echo.headers.traceparent;
    assert.match(tp, TP, `${name}: one valid traceparent`);
    assert.equal(r.echo.rawHeaders.filter((x) => x.toLowerCase() === "traceparent").length, 1, `${name}: exactly one`);
    const span = spanOf(spans, `tag=${name}`);
    assert.ok(span, `${name}: a client span`);
    assert.equal(tp.match(TP)[2], span.spanId, `${name}: parent-id is the fetch span's ID`);
    assert.equal(tp.match(TP)[1], span.traceId);
  }
  assert.equal(out.object.echo.headers["x-caller"], "1");
  assert.equal(out.request.echo.headers["x-caller"], "3");
  assert.equal(out.requestInit.echo.headers["x-caller"], "4");
  assert.equal(out.requestInit.echo.method, "POST");
  assert.equal(out.requestInit.echo.bodyLength, 3, "the Request's body is sent intact");
  assert.equal(out.headers.echo.headers["x-caller"], "2");
  assert.equal(out.pairs.echo.headers["x-caller"], "5");
  assert.equal(out.post.echo.bodyLength, 11);
  assert.ok(out.initUnchanged, "the caller's init object is not mutated");
  assert.ok(out.headersUnchanged, "the caller's Headers are not mutated");
  const post = spanOf(spans, "tag=post");
  assert.equal(post.name, "POST");
  assert.equal(attr(post, "http.request.method"), "POST");
  assert.equal(attr(post, "http.response.status_code"), 200);
  assert.equal(attr(post, "server.address"), "127.0.0.1");
  assert.equal(attr(post, "server.port"), Number(new URL(h.origins.page).port));
  assert.ok(attr(post, "url.full").startsWith(`${h.origins.page}/echo?tag=post`));
  const phases = (post.events || []).map((e) => e.name);
  assert.ok(phases.includes("request") && phases.includes("download"), `Resource Timing phases: ${phases}`);
});

test("allowed origins get trace headers, other origins none, and a caller's traceparent is kept", async () => {
  const out = await run(
    { serviceName: "origins", propagateTo: [h.origins.allowed] },
    async (tracer, pt, o) => {
      const get = async (url, init) => (await (await fetch(url, init)).json()).headers;
      return {
        allowed: await get(`${o.allowed}/echo?tag=allowed`),
        other: await get(`${o.other}/echo?tag=other`),
        own: await get("/echo?tag=own", { headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } }),
      };
    },
    h.origins,
  );
  assert.match(out.allowed.traceparent, TP);
  assert.equal(out.other.traceparent, undefined, "no trace headers for a third party");
  const allowedSpan = spanOf(await h.waitForSpans((s) => spanOf(s, "tag=allowed")), "tag=allowed");
  assert.equal(out.allowed.traceparent.match(TP)[2], allowedSpan.spanId, "parent-id is the fetch span's ID");
  assert.equal(h.state.requests.filter((r) => r.server === "other" && r.method === "OPTIONS").length, 0, "so no preflight");
  assert.equal(out.own.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=other") && spanOf(s, "tag=own"));
  assert.ok(spanOf(spans, "tag=other"), "a third-party call is still traced, without headers");
});

test("a propagateTo RegExp gives trace headers to the URLs it matches only", async () => {
  const out = await run(
    { serviceName: "patterns", propagateTo: [/tag=pattern/] },
    async (tracer, pt, o) => {
      const get = async (url) => (await (await fetch(url)).json()).headers;
      return { matched: await get(`${o.allowed}/echo?tag=pattern`), plain: await get(`${o.allowed}/echo?tag=plain`) };
    },
    h.origins,
  );
  assert.match(out.matched.traceparent, TP);
  assert.equal(out.plain.traceparent, undefined, "a URL the RegExp does not match gets none");
});

test("a fetch after two awaits in an action is its child; outside it is grouped; explicit parents win", async () => {
  const out = await run({ serviceName: "actions" }, async (tracer) => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const ids = {};
    const value = await tracer.action("buy_item", { attributes: { "item.id": 7 } }, async (span) => {
      ids.action = span.spanContext().spanId;
      await sleep(5);
      await sleep(5);
      tracer.startSpan("manual_after_await").end();
      await fetch("/echo?tag=in-action");
      const other = tracer.startSpan("explicit");
      ids.explicit = other.spanContext().spanId;
      await fetch("/echo?tag=explicit-parent", { playtraceParent: other });
      other.end();
      tracer.withSpan(other, () => { void fetch("/echo?tag=with-span"); });
      return "bought";
    });
    await fetch("/echo?tag=outside");
    // Overlapping actions: the second click while the first still waits is its own trace.
    let firstDone;
    const first = tracer.action("first_click", {}, () => new Promise((r) => { firstDone = r; }));
    await tracer.action("second_click", {}, async () => {});
    firstDone();
    await first;
    let rejected;
    try {
      await tracer.action("failing", {}, async () => { await sleep(1); throw new Error("out of stock"); });
    } catch (e) {
      rejected = e.message;
    }
    await sleep(50);
    return { ids, value, rejected };
  });
  assert.equal(out.value, "bought", "action resolves with the callback's value");
  assert.equal(out.rejected, "out of stock", "and rejects with its error");
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=outside") && s.some((x) => x.name === "failing") && spanOf(s, "tag=with-span") && s.some((x) => x.name === "first_click"));
  const action = spans.find((s) => s.name === "buy_item");
  assert.equal(action.spanId, out.ids.action);
  assert.equal(spanOf(spans, "tag=in-action").parentSpanId, action.spanId, "child after two awaits");
  assert.equal(spans.find((s) => s.name === "manual_after_await").parentSpanId, action.spanId, "startSpan follows the same rule");
  assert.equal(spanOf(spans, "tag=in-action").traceId, action.traceId);
  assert.equal(spanOf(spans, "tag=explicit-parent").parentSpanId, out.ids.explicit, "explicit parent wins");
  assert.equal(spanOf(spans, "tag=with-span").parentSpanId, out.ids.explicit, "withSpan wins");
  const group = spans.find((s) => s.spanId === spanOf(spans, "tag=outside").parentSpanId);
  assert.equal(group?.name, "background", "outside any action, under the background group");
  assert.equal(group.parentSpanId, undefined, "which is a root");
  assert.equal(spans.find((s) => s.name === "second_click").parentSpanId, undefined, "an action never nests in another");
  const failing = spans.find((s) => s.name === "failing");
  assert.equal(failing.status.code, 2);
  assert.equal(failing.status.message, "out of stock");
  assert.ok(failing.events.some((e) => e.name === "exception"));
});

test("redaction, ignoreUrls and the exporter's own endpoint", async () => {
  await run(
    { serviceName: "redact", redactQueryParams: ["token"], ignoreUrls: [/\/status\/418/, `${h.origins.page}/echo?tag=ignored`] },
    async () => {
      await fetch("/echo?tag=redact&sig=s3cret&token=t0k&level=3");
      await fetch("/echo?tag=ignored");
      await fetch("/status/418");
      await fetch("http://user:pass@127.0.0.1:1/echo?tag=creds").catch(() => {});
    },
  );
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=redact") && s.some((x) => String(attr(x, "url.full")).includes("creds")));
  assert.equal(attr(spanOf(spans, "tag=redact"), "url.full"), `${h.origins.page}/echo?tag=redact&sig=REDACTED&token=REDACTED&level=3`);
  assert.ok(spans.find((x) => String(attr(x, "url.full")).includes("creds")).attributes.some((a) => a.value.stringValue === "http://REDACTED:REDACTED@127.0.0.1:1/echo?tag=creds"));
  assert.ok(!spanOf(spans, "tag=ignored"), "ignored by string prefix");
  assert.ok(!spans.some((s) => String(attr(s, "url.full")).includes("/status/418")), "ignored by RegExp");
  assert.ok(!spans.some((s) => String(attr(s, "url.full")).includes("/v1/traces")), "the exporter is never traced");
  const echoed = h.state.requests.find((r) => r.path === "/echo?tag=ignored");
  assert.equal(echoed.headers.traceparent, undefined, "an ignored call carries no headers");
});

test("errors, aborts and status codes", async () => {
  const out = await run({ serviceName: "errors" }, async () => {
    const r404 = await fetch("/status/404?tag=e404");
    const r500 = await fetch("/status/500?tag=e500");
    let network;
    await fetch("http://127.0.0.1:1/echo?tag=refused").catch((e) => { network = e.name; });
    const ctl = new AbortController();
    const pending = fetch("/slow?tag=aborted", { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    let aborted;
    await pending.catch((e) => { aborted = e.name; });
    // The same for XHR: an abort, and a request that fails.
    const xhrEnd = (url, abort) => new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open("GET", url);
      x.addEventListener("loadend", () => resolve(x.status));
      x.send();
      if (abort) setTimeout(() => x.abort(), 20);
    });
    const xhrAborted = await xhrEnd("/slow?tag=xhr-aborted", true);
    const xhrRefused = await xhrEnd("http://127.0.0.1:1/echo?tag=xhr-refused", false);
    return { s404: r404.status, s500: r500.status, network, aborted, xhrAborted, xhrRefused };
  });
  assert.deepEqual(out, { s404: 404, s500: 500, network: "TypeError", aborted: "AbortError", xhrAborted: 0, xhrRefused: 0 },
    "results reach the caller untouched");
  const spans = await h.waitForSpans((s) => ["tag=aborted", "tag=refused", "tag=e500", "tag=xhr-aborted", "tag=xhr-refused"]
    .every((tag) => spanOf(s, tag)));
  for (const [tag, code] of [["e404", 404], ["e500", 500]]) {
    const s = spanOf(spans, tag);
    assert.equal(attr(s, "http.response.status_code"), code);
    assert.equal(attr(s, "error.type"), String(code));
    assert.equal(s.status.code, 2);
  }
  const refused = spanOf(spans, "tag=refused");
  assert.equal(attr(refused, "error.type"), "TypeError");
  assert.equal(refused.status.code, 2);
  for (const tag of ["tag=aborted", "tag=xhr-aborted"]) {
    const aborted = spanOf(spans, tag);
    assert.ok(aborted.events.some((e) => e.name === "abort"), `${tag}: the abort is recorded`);
    assert.equal(aborted.status, undefined, `${tag}: but is not an error`);
  }
  const xhrRefused = spanOf(spans, "tag=xhr-refused");
  assert.equal(attr(xhrRefused, "error.type"), "error", "XHR says only that it failed");
  assert.equal(xhrRefused.status.code, 2);
});

test("instrumenting and uninstrumenting leaves fetch and XHR exactly as they were", async () => {
  const page = await h.page();
  const out = await page.evaluate(() => {
    const f0 = window.fetch;
    const x0 = [XMLHttpRequest.prototype.open, XMLHttpRequest.prototype.send, XMLHttpRequest.prototype.setRequestHeader];
    const tracer = window.pt.init({ serviceName: "restore" });
    const wrapped = window.fetch !== f0 && XMLHttpRequest.prototype.open !== x0[0];
    const [f1, open1] = [window.fetch, XMLHttpRequest.prototype.open];
    window.pt.init({ serviceName: "restore" });
    const wrappedOnce = window.fetch === f1 && XMLHttpRequest.prototype.open === open1;
    tracer.shutdown();
    const restored = window.fetch === f0 && x0.every((m, i) => m === [XMLHttpRequest.prototype.open, XMLHttpRequest.prototype.send, XMLHttpRequest.prototype.setRequestHeader][i]);
    // Someone wrapped fetch after us: shutdown leaves their wrapper alone.
    const t2 = window.pt.init({ serviceName: "restore" });
    const ours = window.fetch;
    const theirs = (...a) => ours(...a);
    window.fetch = theirs;
    t2.shutdown();
    return { wrapped, wrappedOnce, restored, keptTheirs: window.fetch === theirs };
  });
  assert.deepEqual(out, { wrapped: true, wrappedOnce: true, restored: true, keptTheirs: true });
  await page.context().close();
});

test("XMLHttpRequest follows the same rules", async () => {
  const out = await run({ serviceName: "xhr" }, async (tracer, pt, o) => {
    const send = (method, url, headers = {}) => new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open(method, url);
      for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
      x.onloadend = () => resolve({ status: x.status, body: x.responseText });
      x.send(method === "POST" ? "payload" : null);
    });
    const same = JSON.parse((await send("POST", "/echo?tag=xhr-same", { "x-caller": "6" })).body);
    const other = JSON.parse((await send("GET", `${o.other}/echo?tag=xhr-other`)).body);
    const own = JSON.parse((await send("GET", "/echo?tag=xhr-own", { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" })).body);
    const failed = await send("GET", "/status/503?tag=xhr-503");
    let actionId;
    await tracer.action("load_level", {}, async (span) => {
      actionId = span.spanContext().spanId;
      await new Promise((r) => setTimeout(r, 5));
      await send("GET", "/echo?tag=xhr-in-action");
    });
    return { same, other, own, failed: failed.status, actionId };
  }, h.origins);
  assert.match(out.same.headers.traceparent, TP);
  assert.equal(out.same.headers["x-caller"], "6");
  assert.equal(out.same.bodyLength, 7);
  assert.equal(out.other.headers.traceparent, undefined);
  assert.equal(out.own.headers.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "not duplicated");
  assert.equal(out.failed, 503);
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=xhr-in-action") && spanOf(s, "tag=xhr-503"));
  const same = spanOf(spans, "tag=xhr-same");
  assert.equal(out.same.headers.traceparent.match(TP)[2], same.spanId);
  assert.equal(same.name, "POST");
  assert.equal(attr(spanOf(spans, "tag=xhr-503"), "error.type"), "503");
  assert.equal(spanOf(spans, "tag=xhr-in-action").parentSpanId, out.actionId);
});

test("a <meta name=traceparent> makes the page load a child of the server's trace", async () => {
  const serverTp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  await run({ serviceName: "meta" }, async () => {}, undefined, serverTp);
  const spans = await h.waitForSpans((s) => s.some((x) => x.name === "documentLoad" && x.traceId === "4bf92f3577b34da6a3ce929d0e0e4736"));
  const load = spans.find((x) => x.name === "documentLoad" && x.traceId === "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(load.parentSpanId, "00f067aa0ba902b7");
  assert.ok(Number(load.endTimeUnixNano) >= Number(load.startTimeUnixNano));
});

test("in a worker, fetch is instrumented and spans are exported without sendBeacon", async () => {
  const page = await h.page();
  const out = await page.evaluate(() => new Promise((resolve, reject) => {
    const w = new Worker("/worker.js", { type: "module" });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(new Error(e.message));
  }));
  await page.context().close();
  assert.match(out.traceparent, TP);
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=worker"));
  assert.equal(out.traceparent.match(TP)[2], spanOf(spans, "tag=worker").spanId);
  assert.equal(out.stats.beaconsSent, 0, "workers have no sendBeacon");
  assert.ok(out.stats.fetchKeepalive >= 1, "so the body went by keepalive fetch");
});

test("a finished request still waiting for its Resource Timing when the page hides ends at its own end", async () => {
  await run({ serviceName: "settling" }, async () => {
    const response = await fetch("/echo?tag=settling");
    await response.text();
    // Leaving before the entry is looked for again (the wrapper looks 50 ms later).
    window.dispatchEvent(new PageTransitionEvent("pagehide"));
  });
  const spans = await h.waitForSpans((s) => spanOf(s, "tag=settling") !== undefined);
  const span = spanOf(spans, "tag=settling");
  assert.equal(attr(span, "playtrace.span.ended_by_pagehide"), undefined, "it was not open: it had finished");
  assert.equal(attr(span, "http.response.status_code"), 200);
});

test("requests outside actions: one background span per flush interval, one trace each, or none", async () => {
  const out = await run({ serviceName: "background" }, async (tracer) => {
    const xhr = (url) => new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open("GET", url);
      x.onloadend = resolve;
      x.send();
    });
    const headers = async (url, init) => (await (await fetch(url, init)).json()).headers;
    const first = await Promise.all([headers("/echo?tag=bg-a"), headers("/echo?tag=bg-b"), xhr("/echo?tag=bg-xhr")]);
    await headers("/echo?tag=bg-root", { playtraceParent: null });
    const span = tracer.startSpan("menu");
    await tracer.withSpan(span, () => headers("/echo?tag=bg-with-span"));
    span.end();
    tracer.flush(); // the next request opens a new group
    const second = await headers("/echo?tag=bg-after-flush");
    return { first: first[0].traceparent, second: second.traceparent };
  });
  // Its own service's spans: other tests' groups reach the same receiver.
  const mine = () => h.spansOf("background");
  await h.waitForSpans(() => spanOf(mine(), "tag=bg-after-flush") && mine().filter((x) => x.name === "background").length === 2);
  const spans = mine();
  const groups = spans.filter((s) => s.name === "background");
  const [first, second] = groups.sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
  for (const tag of ["bg-a", "bg-b", "bg-xhr"]) {
    assert.equal(spanOf(spans, `tag=${tag}`).parentSpanId, first.spanId, `${tag} in the first group`);
  }
  assert.equal(attr(first, "playtrace.background.requests"), 3);
  assert.equal(first.parentSpanId, undefined);
  assert.equal(out.first.split("-")[1], first.traceId, "the server joins the group's trace");
  assert.ok(BigInt(first.endTimeUnixNano) >= BigInt(spanOf(spans, "tag=bg-a").endTimeUnixNano), "the group ends with its last request");
  assert.equal(spanOf(spans, "tag=bg-root").parentSpanId, undefined, "a request given no parent is a root, never grouped");
  assert.equal(spanOf(spans, "tag=bg-with-span").parentSpanId, spans.find((s) => s.name === "menu").spanId, "withSpan is never grouped");
  assert.equal(spanOf(spans, "tag=bg-after-flush").parentSpanId, second.spanId, "a flush starts a new group");
  assert.notEqual(second.traceId, first.traceId);
  assert.equal(attr(second, "playtrace.background.requests"), 1);

  const each = await run({ serviceName: "bg-trace", background: "trace" }, async () => {
    const tp = async (tag) => (await (await fetch(`/echo?tag=${tag}`)).json()).headers.traceparent;
    return [await tp("each-a"), await tp("each-b")];
  });
  await h.waitForSpans(() => spanOf(h.spansOf("bg-trace"), "tag=each-a") && spanOf(h.spansOf("bg-trace"), "tag=each-b"));
  const roots = h.spansOf("bg-trace");
  assert.equal(spanOf(roots, "tag=each-a").parentSpanId, undefined);
  assert.notEqual(spanOf(roots, "tag=each-a").traceId, spanOf(roots, "tag=each-b").traceId, "each its own trace");
  assert.ok(!roots.some((s) => s.name === "background"));
  assert.match(each[0], TP);

  const none = await run({ serviceName: "bg-none", background: "none" }, async (tracer) => {
    const tp = async (tag) => (await (await fetch(`/echo?tag=${tag}`)).json()).headers.traceparent;
    const outside = await tp("none-outside");
    const inside = await tracer.action("shop", {}, () => tp("none-inside"));
    return { outside, inside, stats: tracer.stats() };
  });
  assert.equal(none.outside, undefined, "not traced: no traceparent");
  assert.match(none.inside, TP, "requests in actions are traced as ever");
  await h.waitForSpans(() => spanOf(h.spansOf("bg-none"), "tag=none-inside"));
  const traced = h.spansOf("bg-none");
  assert.ok(!spanOf(traced, "tag=none-outside"), "and no span");
});
