#!/usr/bin/env bash
# Builds the release package (what ships to every player) and checks its size, gzip -9, as the
# browser downloads it: the wasm and the entry's module (one bundle of all the JS). The inlined
# copy of the wasm (playtrace_inline.js) is shown apart: a game downloads it instead of the .wasm
# file only where its setup does not emit that file. Fails if the wasm
# contains serde_json or our code uses `format!`, or if the total is over the budget. Sizes are
# deterministic for a given toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Gzipped bytes of what the default import loads; lowered as the package shrinks, never raised.
# 57,792 when set: the queue estimate's string sums as loops, an error looked up once among those seen and its key hashed without a chained iterator, one error for a sampler's bad rate, and the endpoint's scheme compared without a lowercased copy (-221). 58,013 before: the config's slots grow by push rather than resize_with (-91). 58,104 before: events and links limit their attributes through one helper (-83). 58,187 before: frame statistics pair neighbouring timestamps in their own loop rather than through a filter-map iterator (-132). 58,319 before: a child span's attributes (an HTTP request's, the page load's URL) have fixed keys, set as the other fixed attributes are, not as owned strings (-150). 58,469 before: a context's IDs are read back byte by byte from their words (-30). 58,499 before: a body's spans leave the queue by split_off rather than drain, so Vec::drain is out of the wasm (-240). 58,739 before: the bodies storage hands back are its Vec itself rather than an iterator collected again, and the propagateTo targets and the spans lost without storage are built by loops (-303). 59,042 before: byte searches, checks and sums as loops (text's finds and trims, a shared `all`, the token, key and value checks, character truncation, Retry-After's digits, array attributes' types, the jank's open actions, the latest child's end) rather than position, all, any, sum and filter-map chains outlined once per closure (-549). 59,591 before: plain loops where an iterator chain was compiled for one use alone: trimming's sizes, the queue estimate's sums, persisting and taking waiting bodies, the settling requests, the closed background group, the open span by ID, the next deadline, the oldest error and a long frame's owner (-1,084). 60,675 before: the tracestate header's truncation marks the entries it keeps as bits (32 at most) in one loop, rather than a vector of references filtered, summed and searched by iterator chains (-279). 60,954 before: an exception's and a context's three texts are read by the scratch reader one by one, not by an array map compiled for them (-143). 61,097 before: the keepalive budget forgets ended holds with swap_remove, their order not mattering, so no Vec::retain is left in the wasm (-62). 61,159 before: an error's attributes and its deduplication key are built by plain loops over the byte splitter the engine has, not by iterator chains compiled for these alone (-264). 61,423 before: the strings JS writes into the scratch buffer are read in order by one reader (scratch::texts), not by a function generic over their count, which was in the wasm once for each count (-252). 61,675 before: attributes with owned keys (events', links', a child span's) are set by their &str, so Attributes::set is not also compiled for String keys (-102). 61,777 before: the keepalive budget releases a request's bytes by ending its hold, baggage removes a key and the frame watch forgets old actions with Vec::remove, which each already used, so Vec::retain is out of the wasm (-213). 61,990 before: trimming marks the items it drops by their size and removes them from the last, rather than keeping a mask for Vec::retain, whose code was in the wasm once for attributes, events and links (-233). 62,223 before: the runtime moves the config's resource attributes and request rules out of it rather than copying them, so attribute values and URL rules have no copying code in the wasm (-122). 62,345 before: an oversized span is trimmed in its own slot, which is freed as it is encoded, rather than in a copy, so the wasm holds no code to copy a span (-485). 62,830 before: load.js imports nothing and is evaluated first, so the wasm's request goes out before the rest of the bundle runs, and the glue's init is handed to it (-23). 62,853 before: one helper hands a list's items (giveItems) for attribute arrays and config lists, and one check says the page is hidden (-13). 62,866 before: what undoes each installer kept as the JS function it is, called at shutdown, not boxed as a dropped value (-70). 62,936 before: the page's fetch handed over by boundary.js (pageFetch), so the engine reads no JS property by name and src/web/js.rs, with js-sys's Reflect.get and the global object's accessor, is gone (-281). 63,217 before: setAttribute hands every value to boundary.js's setValue rather than repeating its typed cases (-41), and the page facts' codes are shared constants (+7). 63,251 before: http.js's install answers one function that undoes the fetch wrapper and the XHR patch, not an array the engine reads (-115). 63,366 before: stats() as the bytes of 32 doubles in one Uint8Array, which boundary.js reads and names, rather than serialised number by number (-104). 63,470 before: our JS functions the wasm imports directly handed to it as objects of just those functions, not as the modules' namespaces, which kept every export of errors.js, frames.js, page.js and boundary.js in the bundle under its full name (-634). 64,104 before: texts JS answers the engine (a number's text, the page's origin and URL, the user agent and language, the endpoint, the session ID) written to the scratch buffer, so no JS string is passed into the wasm by wasm-bindgen (-328). 64,432 before: text validated and searched byte by byte (core::text: a small UTF-8 validator, byte splits, finds and trims), so std's from_utf8, char searchers, memchr and char decoding are not in the wasm (-1,309). 65,741 before: the glue's loader cut to what the package uses, a compiled module from load.js (-409). 66,150 before: shutdown()'s promise made and resolved in JS (the engine calls `settled`), flush and shutdown as numeric exports, baggage entries written back as JSON text, and stats() as the engine's array of counters named by boundary.js, so no wasm-bindgen export takes an operation code and JS values (-936). 67,086 before: init's config values given through the numeric boundary (pt_config) and the config's RegExps kept in JS, which tells the engine whether one matched a request (-317). 67,403 before: attribute values of any type (arrays, BigInt) and the attributes of events, links and the resource handed to the engine as numbers, scratch strings and array items by boundary.js, not read as JS values in Rust (-534: 785 less wasm, 251 more JS). 67,937 before: one reader of thrown values for uncaught errors and recordException (putError), and the endpoint resolved by the fetch wrapper's own URL reader (-42). 67,979 before: pt_answered takes the probe and gzip as flags (+11), a request without a Resource Timing entry settles without its nine zeros (-3), and the page load's listener is removed without a flag (-10). 67,981 before: the resource is built in place rather than moved through a builder (-94). 68,075 before: the tab's session ID is read from and kept in sessionStorage by storage.js, not through web-sys's Storage (-264). 68,339 before: bodies kept for the next visit are read and written by storage.js, the engine writing their list as JSON itself (-189: 322 less wasm, 133 more JS). 68,528 before: a tracer's runtime is allocated once for the page's life and never freed, not reference-counted, so the wasm holds no destructor for the engine's state (-1,683). 70,211 before: the endpoint is resolved against the page by config.js, not by web-sys's Url from Rust (-130). 70,341 before: a span's exception, failure, status and new name, and baggage, go through numeric exports with scratch strings rather than pt_engine's JS values (-292: 406 less wasm, 114 more JS), and JS writes no further into the scratch buffer than the engine made room for (+22). 70,611 before: JS binds its views of the scratch buffer again after the engine writes a text for it, which may have moved the buffer (+2), and reads that text without a second check (-3). 70,612 before: a body's fetch answers through a numeric export (pt_answered) rather than a Rust closure handed to JS (-957: 945 less wasm, 12 less JS). 71,569 before: the page's lifecycle and load are listened for in JS (page.js), which calls numeric exports, not by Rust closures (-641: 820 less wasm, 179 more JS). 72,210 before: span options with links or another SDK's parent, and the carriers of inject and extract, are read in JS, which hands the engine their fields as numbers and scratch strings (`pt_context`), rather than read as JS objects in Rust (-1,305: 1,527 less wasm, 222 more JS). 73,515 before: a request made before the engine loaded is replayed through the same numeric exports as a live one (a start time, an end time and a flag), not read from its JS record in Rust (-595: 636 less wasm, 41 more JS). 74,110 before: a page's import of the package starts loading the engine (+6), and config.js reads its three composite keys by type letter (-9). 74,113 before: `init`'s config has its JS types checked in JS (config.js), which answers the values in the engine's slot order (-1,221: 2,460 less wasm, 1,239 more JS). 75,334 before: `SamplerConfig::by_session` in the type's one impl block, laid out anew (-8). 75,342 before: a hidden page's recovery looks again each half minute (-5). 75,347 before: what a tracer's API does with JS values off the hot path is one raw wasm export taking an
# operation code (`pt_engine`), not a wasm-bindgen class of 18 methods with a glue wrapper, a borrow check and a
# finaliser each (-1,360); init touches no storage, the session's ID read before the first body and what an
# earlier page kept a second after init (+412, for 5 ms less init). 76,295 before: the time origin read once into a plain cell (12). 76,307 before: the early tracer's counter names one text too (7). 76,314 before: objects told by `typeof`, the window by its document, storage used as it is
# found, without an `instanceof` import each (93). 76,407 before: the global object read as `globalThis`, one import, not js_sys's search of
# four names (358). 76,765 before: the counters' names one comma-separated text, not a pointer and a length each
# (299). 77,064 before: the scratch buffer's context reader compiled once, and its thread-local a
# constant, allocated on first use (805). 77,869 before: starting and ending a span compiled once, with the engine, rather than again
# into the exports at opt-level 3 (3.0 KB); IDs from SplitMix64 (73); the open spans' queue a Vec (208).
# 81,136 before: text decoded lossily on from_utf8 alone (476). 81,616 before: the engine's short queues are Vecs, leaving one generic deque (1.3 KB).
# 82,964 before: wasm-opt inlines only small functions with one caller (2.6 KB). 85,610 before: trace headers written by the engine only; an early action's failure recorded
# by the engine's rule. 85,682 before: how a request and an input are read, written once (http.js, input.js). 85,785 before: the JS minified by terser after esbuild (376). 86,161 before: the wasm built with a dated nightly, std rebuilt with it and panics aborting at
# once (scripts/wasm-toolchain.sh), which took `core::fmt` and std's panic texts out (6.9 KB).
# 93,064 before: `debug`'s texts in debug.js, loaded only with debug. 93,610 before: hex written through a buffer, which took back most of what encoding lost at "z",
# paid for by a smaller fallback writer of doubles. 93,676 before: the engine compiled at opt-level "z" in its own crate, its hot path
# compiled into the exports' crate at 3 (10.4 KB). 104,078 before: the group's context kept once, and closed where the exporter's flushes
# begin. 104,123 before: requests outside actions grouped (1.1 KB), paid for by wasm-opt flattening
# and rebuilding the control flow (1.2 KB). 104,305 before. 104,325 before (aborts told from failures in Rust only). 104,351 before. 104,362 before: the wasm's exports renamed short (646). 105,008 before (every export in
# boundary.rs). 105,021 before: std's dlmalloc replaced by src/heap.rs (2.9 KB). 107,918 before: the
# wasm's imports renamed short (3.3 KB), which paid for the exporter
# moving into the sans-IO engine (1.3 KB). 109,891 before: the JS bundled into one module
# (17,216 bytes over 11 files before, 13,771 in one). 113,336 before (113,360 a step before): gzipped bodies, the preflight check and per-player batching came in, paid
# for by WebSocket tracing moving to its own subpath (1.9 KB); 113,353 before; 116,351 before
# string slicing that cannot panic took `core::fmt`'s slice-error formatting out (4 KB).
BUDGET_GZ=${PLAYTRACE_SIZE_BUDGET_GZ:-57792}

# Our own code uses small writers, never format! (it pulls in core::fmt). Test modules, at the
# end of each file, are skipped.
offenders=$(awk 'FNR == 1 { in_test = 0 } /^#\[cfg\(test\)\]/ { in_test = 1 } !in_test && /format!\(/ { print FILENAME ":" FNR }' $(find src -name '*.rs'))
if [ -n "$offenders" ]; then
  echo "size: format! in the wasm build path: $offenders" >&2
  exit 1
fi

scripts/build-pkg.sh pkg
# wasm-opt strips the name section, so look for serde_json in the unoptimised build's names.
if strings target/wasm32-unknown-unknown/release/playtrace_wasm.wasm | grep -q 'serde_json'; then
  echo "size: serde_json is linked into the wasm; the build path must not use it" >&2
  exit 1
fi

gz() { gzip -9 -n -c "$1" | wc -c; }
# What a plain page loads for `import ... from "playtrace"`: playtrace.js and every module it
# imports, statically, through the engine's glue, and the wasm. The inline copy (fetched only
# where the .wasm file is missing) and the subpath playtrace/websocket (only for a game that
# imports it) are shown apart, and so are `debug`'s texts and preflight probe, loaded only when it runs.
default_import=$(node -e '
  const fs = require("fs"), path = require("path");
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = fs.readFileSync(f, "utf8");
    for (const m of src.matchAll(/(?:import|export)\s*(?:[^"'"'"';]*?from\s*)?["'"'"']([^"'"'"']+)["'"'"']/g)) {
      if (m[1].startsWith(".")) visit(path.join(path.dirname(f), m[1]));
    }
  };
  visit("pkg/playtrace.js");
  seen.delete("pkg/playtrace_inline.js");
  console.log([...seen, "pkg/playtrace_wasm_bg.wasm"].sort().join("\n"));
')
total=0
printf '%-44s %9s %9s\n' "file" "bytes" "gzip -9"
while IFS= read -r f; do
  raw=$(wc -c <"$f")
  g=$(gz "$f")
  total=$((total + g))
  printf '%-44s %9d %9d\n' "${f#pkg/}" "$raw" "$g"
done <<<"$default_import"
printf '%-44s %9s %9d  (budget %d)\n' "total shipped" "" "$total" "$BUDGET_GZ"
printf '%-44s %9d %9d  (instead of the .wasm where a setup does not emit it)\n' "playtrace_inline.js" \
  "$(wc -c <pkg/playtrace_inline.js)" "$(gz pkg/playtrace_inline.js)"
socket_files=$(find pkg -name websocket.js | sort)
socket_gz=0
for f in $socket_files; do socket_gz=$((socket_gz + $(gz "$f"))); done
printf '%-44s %9s %9d  (only for a game that imports it)\n' "playtrace/websocket" "" "$socket_gz"
debug_files=$(find pkg -name debug.js | sort)
debug_gz=0
for f in $debug_files; do debug_gz=$((debug_gz + $(gz "$f"))); done
printf '%-44s %9s %9d  (loaded by debug only)\n' "debug.js" "" "$debug_gz"
phaser_files=$(find pkg -name phaser.js | sort)
phaser_gz=0
for f in $phaser_files; do phaser_gz=$((phaser_gz + $(gz "$f"))); done
printf '%-44s %9s %9d  (only for a game that imports it)\n' "playtrace/phaser" "" "$phaser_gz"
if [ "$total" -gt "$BUDGET_GZ" ]; then
  echo "size: $total gzipped bytes is over the budget of $BUDGET_GZ" >&2
  exit 1
fi
# Every file of the package is counted somewhere: a module the graph missed would be shipped
# uncounted.
counted=$(printf '%s\n%s\n%s\n%s\n%s\n' "$default_import" "$socket_files" "$debug_files" "$phaser_files" pkg/playtrace_inline.js | sort -u)
all=$(find pkg \( -name '*.wasm' -o -name '*.js' \) | sort)
if [ "$counted" != "$all" ]; then
  echo "size: files neither counted nor shown apart: $(comm -13 <(echo "$counted") <(echo "$all") | tr '\n' ' ')" >&2
  exit 1
fi
