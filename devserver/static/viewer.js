// The trace viewer's script, served from /viewer/viewer.js: the page's Content-Security-Policy
// allows scripts from the devserver only, never inline.
const palette = ["#6fd3ff", "#f5c542", "#9be37a", "#f59ac2", "#c4a3ff", "#ffb36b"];
const colours = new Map();
const colour = (service) => {
  if (!colours.has(service)) colours.set(service, palette[colours.size % palette.length]);
  return colours.get(service);
};
const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];
const STATUSES = ["unset", "ok", "error"];
// Durations to 0.1 ms, and in seconds from 10 s on: the clocks behind them are no finer.
const ms = (ns) => (Math.abs(ns) >= 1e10 ? `${(ns / 1e9).toFixed(1)} s` : `${(ns / 1e6).toFixed(1)} ms`);
/** How long ago `ns` (Unix time) was: "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
const ago = (ns, nowMs = Date.now()) => {
  const s = Math.max(0, (nowMs - ns / 1e6) / 1000);
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
};
/** A double as a reader wants it: 0.1 for milliseconds (keys ending in `ms`), else six digits. */
const shown = (key, v) => {
  if (typeof v !== "number" || Number.isInteger(v) || !Number.isFinite(v)) return v;
  return /ms$/.test(key) ? Number(v.toFixed(1)) : Number(v.toPrecision(6));
};
const roundedJson = (o) => JSON.stringify(o, (k, v) => shown(k, v));
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
/** The path of a URL attribute value, without its query. */
const pathOf = (url) => {
  try { return new URL(url, "http://x").pathname; } catch { return ""; }
};
/** A span's name, with its route or URL path where the name is a bare HTTP method ("GET"). */
function spanLabel(span) {
  if (!HTTP_METHODS.has(span.name)) return span.name;
  const a = span.attributes || {};
  const where = a["http.route"] || a["url.path"] || pathOf(a["url.full"] || a["http.url"] || a["http.target"] || "");
  return where ? `${span.name} ${where}` : span.name;
}
/** A CORS preflight's server span: it precedes the request it asks for and carries no context. */
const isPreflight = (span) => span.kind === 2 && (span.attributes?.["http.request.method"] ?? span.attributes?.["http.method"] ?? span.name.split(" ")[0]) === "OPTIONS";
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
// Resource and scope attributes are shown once per service, not on every span.
const isShared = (key) => key.startsWith("resource.") || key.startsWith("otel.scope.");

// ----- the trace list and its filters -------------------------------------------------------

let traces = [];
let current; // { trace, rows }

function filters() {
  const min = parseFloat($("f-min").value);
  return { service: $("f-service").value, name: $("f-name").value.trim().toLowerCase(),
    error: $("f-error").checked, minNs: Number.isFinite(min) ? min * 1e6 : 0,
    trace: $("f-trace").value.trim().toLowerCase(), preflights: $("f-preflight").checked };
}

function renderList() {
  const f = filters();
  const shown = traces.filter((t) => (!f.service || t.services.includes(f.service))
    && (!f.name || (t.rootName || "").toLowerCase().includes(f.name))
    && (!f.error || t.error) && t.durationNs >= f.minNs && t.traceId.startsWith(f.trace)
    && !(f.preflights && /^OPTIONS( |$)/.test(t.rootName || "")));
  const id = current && current.trace.traceId;
  $("traces").replaceChildren(...shown.map((t) => {
    const a = el("a", { href: `#trace=${t.traceId}`, className: t.traceId === id ? "current" : "" },
      el("b", { textContent: t.rootName || t.traceId.slice(0, 8) }));
    a.dataset.traceId = t.traceId;
    if (t.error) a.append(el("span", { className: "err", textContent: "!" }));
    const when = el("time", { className: "ago", textContent: ago(t.startNs), title: new Date(t.startNs / 1e6).toString() });
    when.dateTime = new Date(t.startNs / 1e6).toISOString();
    a.append(el("small", {}, when, ` · ${ms(t.durationNs)} · ${t.spanCount} span${t.spanCount === 1 ? "" : "s"} · ${t.services.join(" · ")}`));
    return a;
  }));
  if (shown.length === 0) $("traces").append(el("div", { className: "empty", textContent: traces.length ? "No trace matches the filters." : "No traces yet." }));
  if (current) dimRows();
}

async function loadList() {
  traces = (await (await fetch("/api/traces?limit=200")).json()).sort((a, b) => b.startNs - a.startNs);
  const services = [...new Set(traces.flatMap((t) => t.services))].sort();
  const select = $("f-service");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", textContent: "all" }), ...services.map((s) => el("option", { value: s, textContent: s })));
  select.value = services.includes(chosen) ? chosen : "";
  renderList();
}

// ----- one trace ------------------------------------------------------------------------------

/** The spans whose work decides when `span` ends: latest-ending child first, then backwards. */
function criticalPath(span, into) {
  into.add(span.spanId);
  let cursor = span.endNs;
  const children = [...span.children].sort((a, b) => b.endNs - a.endNs);
  for (const c of children) {
    if (c.startNs >= cursor) continue;
    if (Math.min(c.endNs, span.endNs) <= cursor) {
      criticalPath(c, into);
      cursor = c.startNs;
    }
  }
  return into;
}

/** A round step for about one tick every 70 px. */
function tickStep(totalNs, widthPx) {
  const wanted = Math.max(1, Math.floor(widthPx / 70));
  const raw = totalNs / wanted;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
}

function tickLabel(ns, step) {
  const v = ns / 1e6;
  const digits = step >= 1e6 ? 0 : Math.min(3, Math.ceil(-Math.log10(step / 1e6)));
  return `${v.toFixed(digits)} ms`;
}

function drawAxis(total) {
  const axis = $("axis");
  const step = tickStep(total, axis.clientWidth || 600);
  const ticks = [];
  for (let t = 0; t <= total + 1; t += step) {
    const left = (t / total) * 100;
    const tick = el("div", { className: `tick${left > 95 ? " end" : ""}` }, el("span", { textContent: tickLabel(t, step) }));
    tick.style.left = `calc(${left}% - ${left / 100}px)`; // a tick at the end stays inside
    ticks.push(tick);
  }
  axis.replaceChildren(...ticks);
  // From the end backwards, a label that would touch the one after it is left out (its tick
  // line stays): the last label, the trace's length, is always shown.
  let next;
  for (const tick of ticks.reverse()) {
    const label = tick.querySelector("span").getBoundingClientRect();
    if (next !== undefined && label.right + 8 > next.left) tick.querySelector("span").hidden = true;
    else next = label;
  }
}

function drawServices(rows) {
  const byService = new Map();
  for (const { span } of rows) {
    const entry = byService.get(span.service) || { resource: new Map(), scopes: new Set() };
    for (const [k, v] of Object.entries(span.attributes || {})) {
      if (k.startsWith("resource.")) entry.resource.set(k.slice(9), [v, span.attributeTypes?.[k]]);
    }
    const scope = span.attributes?.["otel.scope.name"];
    if (scope) entry.scopes.add(`${scope}${span.attributes["otel.scope.version"] ? ` ${span.attributes["otel.scope.version"]}` : ""}`);
    byService.set(span.service, entry);
  }
  const blocks = [...byService].map(([service, e]) => el("div", { className: "service-block" },
    el("span", { className: "service", textContent: service, style: `background:${colour(service)}` }),
    el("span", { textContent: e.scopes.size ? `scope ${[...e.scopes].join(", ")}` : "no scope reported" }),
    attributeTable([...e.resource].map(([k, [v, t]]) => [k, v, t]))));
  $("services").replaceChildren(el("summary", { textContent: `Resources and scopes (${byService.size} service${byService.size === 1 ? "" : "s"})` }), ...blocks);
}

function attributeTable(entries) {
  const table = el("table", {}, el("tr", {}, el("th", { textContent: "attribute" }), el("th", { textContent: "value" }), el("th", { textContent: "type" })));
  for (const [k, v, type] of entries) {
    table.append(el("tr", {}, el("td", { textContent: k }),
      el("td", { className: "value", textContent: typeof v === "string" ? v : roundedJson(shown(k, v)), title: typeof v === "number" ? String(v) : "" }),
      el("td", { className: "type", textContent: type || typeof v })));
  }
  return table;
}

/** W3C trace flags: the byte in hex, and what its bits say. */
function flagsText(flags) {
  const f = Number(flags) || 0;
  const bits = [f & 1 ? "sampled" : "not sampled", ...(f & 2 ? ["random"] : [])];
  return `${f.toString(16).padStart(2, "0")} (${bits.join(", ")})`;
}

const num = (v) => (typeof v === "number" ? v : Number(v));
const fixed = (v) => num(v).toFixed(1);

/** An action's frames: how many, how long (p50, p95, max), how many over the budget. */
function frameStats(span) {
  const a = span.attributes || {};
  if (a["frames.count"] === undefined) return "";
  const text = `${a["frames.count"]} frame${a["frames.count"] === 1 ? "" : "s"} · p50 ${fixed(a["frames.p50_ms"])} ms · p95 ${fixed(a["frames.p95_ms"])} ms · max ${fixed(a["frames.max_ms"])} ms · ${a["frames.long_count"] || 0} long`;
  return el("div", { className: "game frames" }, el("b", { textContent: "Frames" }), text);
}

/** Intervals merged where they overlap, in time order. */
function merged(intervals) {
  const out = [];
  for (const [s, e] of [...intervals].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else if (e > s) out.push([s, e]);
  }
  return out;
}

/**
 * From the input to the frame that showed the result, as one bar: the input's delay and its
 * handler (Event Timing), the action, the requests and the server work inside it, and the wait
 * from settling to that frame.
 */
function inputToResult(span) {
  const a = span.attributes || {};
  if (a["action.result_frame_ms"] === undefined) return "";
  const resultNs = num(a["action.result_frame_ms"]) * 1e6;
  const waitNs = num(a["action.result_frame_wait_ms"] || 0) * 1e6;
  const inputNs = span.endNs + waitNs - resultNs; // the input's timestamp
  const delayNs = num(a["input.delay_ms"] || 0) * 1e6;
  const handlerNs = num(a["input.processing_ms"] || 0) * 1e6;
  const network = [];
  const walk = (s) => s.children.forEach((c) => {
    if (c.kind === 3 || c.service !== span.service) network.push([Math.max(c.startNs, span.startNs), Math.min(c.endNs, span.endNs)]);
    walk(c);
  });
  walk(span);
  const bar = el("div", { className: "i2r", title: `${a["input.type"] || "input"} → result frame ${fixed(a["action.result_frame_ms"])} ms` });
  const seg = (cls, from, to, background) => {
    if (!(to > from)) return;
    const d = el("div", { className: cls });
    Object.assign(d.style, { left: `${(Math.max(0, from - inputNs) / resultNs) * 100}%`, width: `${(Math.min(resultNs, to - inputNs) - Math.max(0, from - inputNs)) / resultNs * 100}%` });
    if (background) d.style.background = background;
    d.dataset.part = cls;
    bar.append(d);
  };
  const requests = merged(network);
  const parts = [["input delay", "#8d94a8"], ["handler", "#c4a3ff"], ["action", colour(span.service)], ["requests & server", "#1f5f99"], ["to the frame", "#f5c542"]];
  seg("delay", inputNs, inputNs + delayNs, parts[0][1]);
  seg("handler", inputNs + delayNs, inputNs + delayNs + handlerNs, parts[1][1]);
  seg("action", span.startNs, span.endNs, parts[2][1]);
  for (const [s, e] of requests) seg("net", s, e, parts[3][1]);
  seg("wait", span.endNs, span.endNs + waitNs, parts[4][1]);
  const values = [a["input.delay_ms"], a["input.processing_ms"], (span.endNs - span.startNs) / 1e6, requests.reduce((sum, [s, e]) => sum + e - s, 0) / 1e6, a["action.result_frame_wait_ms"]];
  const legend = el("div", { className: "legend" }, `${a["input.type"] || "input"} → result frame ${fixed(a["action.result_frame_ms"])} ms:`);
  if (requests.length === 0) values[3] = undefined;
  parts.forEach(([name, c], i) => {
    if (values[i] !== undefined) legend.append(el("i", { style: `background:${c}` }), `${name} ${fixed(values[i])}`);
  });
  if (a["input.presentation_delay_ms"] !== undefined) legend.append(` · input's own paint after ${fixed(a["input.presentation_delay_ms"])} ms`);
  return el("div", { className: "game input-to-result" }, el("b", { textContent: "Input to result" }), bar, legend);
}

function showDetails(span, traceStart) {
  const duration = span.endNs - span.startNs;
  const status = STATUSES[span.status.code] || String(span.status.code);
  const attrs = Object.entries(span.attributes || {}).filter(([k]) => !isShared(k)).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => [k, v, span.attributeTypes?.[k]]);
  const events = (span.events || []).map((e) => {
    const at = Number(e.timeUnixNano) - span.startNs;
    const extra = Object.keys(e.attributes || {}).length ? ` ${roundedJson(e.attributes)}` : "";
    return el("li", { textContent: `+${ms(at)}  ${e.name}${extra}` });
  });
  // A link leads to the span it names, in its own trace when that is another one.
  const links = (span.links || []).map((l) => {
    const extra = Object.keys(l.attributes || {}).length ? ` ${JSON.stringify(l.attributes)}` : "";
    const same = current && l.traceId === current.trace.traceId;
    return el("li", {}, el("a", { href: `#trace=${l.traceId}`, className: "link", textContent: `${same ? "this trace" : `trace ${l.traceId}`}, span ${l.spanId}` }), extra);
  });
  const { children, ...fields } = span;
  const raw = el("pre", { className: "raw", hidden: true, textContent: JSON.stringify(fields, null, 2) });
  const toggle = el("button", { type: "button", textContent: "Raw JSON" });
  toggle.addEventListener("click", () => { raw.hidden = !raw.hidden; });
  $("details").replaceChildren(
    el("h3", { textContent: spanLabel(span) }),
    el("div", { className: "meta", textContent: `${span.service} · ${KINDS[span.kind] || span.kind} · status ${status}${span.status.message ? `: ${span.status.message}` : ""} · ${ms(duration)}, starts at +${ms(span.startNs - traceStart)} · span ${span.spanId}` }),
    el("div", { className: "meta", textContent: `trace flags ${flagsText(span.flags)}${span.traceState ? ` · tracestate ${span.traceState}` : ""}` }),
    inputToResult(span), frameStats(span),
    attrs.length ? attributeTable(attrs) : el("div", { className: "meta", textContent: "No attributes." }),
    events.length ? el("div", {}, el("b", { textContent: `Events (${events.length})` }), el("ul", { className: "events" }, ...events)) : "",
    links.length ? el("div", {}, el("b", { textContent: `Links (${links.length})` }), el("ul", { className: "events links" }, ...links)) : "",
    toggle, raw);
}

function dimRows() {
  const f = filters();
  for (const { span, row } of current.rows) {
    const match = (!f.service || span.service === f.service) && (!f.name || span.name.toLowerCase().includes(f.name))
      && (!f.error || span.status.code === 2) && span.endNs - span.startNs >= f.minNs;
    row.classList.toggle("dim", !match);
  }
}

async function showTrace(id) {
  const res = await fetch(`/api/traces/${id}`);
  if (!res.ok) {
    $("title").textContent = `Trace ${id}: not found`;
    $("waterfall").replaceChildren();
    $("axis").replaceChildren();
    return;
  }
  const trace = await res.json();
  if ($("f-preflight").checked) {
    // Preflights are hidden with what hangs under them; the filter's count says so.
    const keep = (s) => !isPreflight(s);
    const drop = (spans) => spans.filter(keep).map((s) => Object.assign(s, { children: drop(s.children) }));
    trace.roots = drop(trace.roots);
    if (trace.roots.length === 0) {
      $("title").textContent = `Trace ${id}: only CORS preflights (uncheck "hide CORS preflights")`;
      $("waterfall").replaceChildren();
      $("axis").replaceChildren();
      return;
    }
  }
  const rows = [];
  const walk = (span, depth) => {
    rows.push({ span, depth });
    span.children.sort((a, b) => a.startNs - b.startNs).forEach((c) => walk(c, depth + 1));
  };
  trace.roots.sort((a, b) => a.startNs - b.startNs).forEach((r) => walk(r, 0));
  const start = Math.min(...rows.map((r) => r.span.startNs));
  const end = Math.max(...rows.map((r) => r.span.endNs));
  const total = Math.max(1, end - start);
  const last = [...trace.roots].sort((a, b) => b.endNs - a.endNs)[0];
  const critical = criticalPath(last, new Set());
  const path = rows.filter((r) => critical.has(r.span.spanId)).map((r) => spanLabel(r.span));

  $("title").replaceChildren(`Trace ${trace.traceId} · ${rows.length} spans · ${ms(total)}`,
    el("small", { textContent: `Critical path (orange): ${path.join(" → ")}` }));
  drawServices(rows);
  drawAxis(total);
  $("waterfall").replaceChildren(...rows.map((r) => {
    const { span, depth } = r;
    const error = span.status.code === 2;
    const row = el("div", { className: "row" });
    Object.assign(row.dataset, { spanId: span.spanId, name: span.name, service: span.service, depth, error, critical: critical.has(span.spanId) });
    const label = el("div", { className: "label" },
      el("span", { className: "service", textContent: span.service, style: `background:${colour(span.service)}` }),
      spanLabel(span), el("span", { className: "kind", textContent: KINDS[span.kind] || String(span.kind) }));
    label.style.paddingLeft = `${8 + depth * 16}px`;
    if (error) label.append(el("span", { className: "err", textContent: "!", title: span.status.message }));
    const left = ((span.startNs - start) / total) * 100;
    const width = ((span.endNs - span.startNs) / total) * 100;
    const bar = el("div", { className: `bar${error ? " error" : ""}${critical.has(span.spanId) ? " critical" : ""}` });
    Object.assign(bar.style, { left: `${left}%`, width: `${width}%`, background: colour(span.service) });
    const track = el("div", { className: "track" }, bar);
    for (const e of span.events || []) {
      const at = ((Number(e.timeUnixNano) - start) / total) * 100;
      if (e.name === "long-frame") {
        // A frame over the budget: drawn as long as it lasted.
        const frameMs = num((e.attributes || {})["frame.duration_ms"] || 0);
        const marker = el("div", { className: "long-frame", title: `long frame ${fixed(frameMs)} ms at +${ms(Number(e.timeUnixNano) - span.startNs)}` });
        Object.assign(marker.style, { left: `${Math.min(100, Math.max(0, at))}%`, width: `${Math.min(100 - at, (frameMs * 1e6 / total) * 100)}%` });
        track.append(marker);
        continue;
      }
      const marker = el("div", { className: "event-marker", title: `${e.name} +${ms(Number(e.timeUnixNano) - span.startNs)}` });
      marker.style.left = `calc(${Math.min(100, Math.max(0, at))}% - 1px)`;
      track.append(marker);
    }
    row.append(label, track, el("div", { className: "dur", textContent: ms(span.endNs - span.startNs) }));
    row.addEventListener("click", () => {
      document.querySelectorAll(".row.selected").forEach((x) => x.classList.remove("selected"));
      row.classList.add("selected");
      showDetails(span, start);
    });
    r.row = row;
    return row;
  }));
  current = { trace, rows, total };
  $("details").replaceChildren(el("div", { className: "meta", textContent: "Select a span for its attributes, events and raw JSON." }));
  document.querySelectorAll("#traces a").forEach((a) => a.classList.toggle("current", a.dataset.traceId === id));
  dimRows();
  document.body.dataset.rendered = id;
}

async function route() {
  await loadList();
  const m = location.hash.match(/trace=([0-9a-f]{32})/);
  if (m) await showTrace(m[1]);
}
for (const id of ["f-service", "f-name", "f-min", "f-error", "f-trace"]) $(id).addEventListener("input", renderList);
$("f-preflight").addEventListener("input", route);
// A whole trace ID opens that trace, listed or not (the list holds the newest 200).
$("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("f-trace").value.trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(id)) location.hash = `trace=${id}`;
});
$("f-trace").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); $("filters").requestSubmit(); } });
addEventListener("resize", () => { if (current) drawAxis(current.total); });
addEventListener("hashchange", route);
route();
// New traces appear without a reload: the list is fetched again every 2 s while the page is seen.
setInterval(() => {
  if (document.visibilityState === "visible") loadList().catch(() => {});
}, 2000);
