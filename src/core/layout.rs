//! The numbers the engine and its JS half share: where things sit in the scratch buffer, the
//! codes the numeric exports take, and the frame ring's size. The JS files that use one declare
//! it under the same name, and `tests/boundary_constants.rs` checks every such declaration.
//!
//! Scratch layout, in bytes from its start: `[0, CONTEXT_BYTES)` a context (32-bit words: trace
//! ID x4, span ID x2, flags (with [`FLAG_REMOTE`]), trace-state length), then its trace state up
//! to [`STRING_AT`], then one string.

/// Bytes of a context in the scratch buffer: eight 32-bit words.
pub const CONTEXT_BYTES: usize = 32;
/// Where the string area starts; the trace state lies between [`CONTEXT_BYTES`] and here.
pub const STRING_AT: usize = 544;
/// Bytes of a trace state at most.
pub const TRACE_STATE_BYTES: usize = STRING_AT - CONTEXT_BYTES;
/// In the flags word: the context came from another process (extracted).
pub const FLAG_REMOTE: u32 = 0x100;

/// Span kind codes, as `pt_start` takes them.
pub const KIND_INTERNAL: u32 = 0;
/// See [`KIND_INTERNAL`].
pub const KIND_SERVER: u32 = 1;
/// See [`KIND_INTERNAL`].
pub const KIND_CLIENT: u32 = 2;
/// See [`KIND_INTERNAL`].
pub const KIND_PRODUCER: u32 = 3;
/// See [`KIND_INTERNAL`].
pub const KIND_CONSUMER: u32 = 4;

/// Parent codes, as `pt_start` takes them: the `withSpan` span, else the newest open action.
pub const PARENT_IMPLICIT: u32 = 0;
/// The `withSpan` span only: a new action never nests in another.
pub const PARENT_ACTIVE_ONLY: u32 = 1;
/// None: a new trace.
pub const PARENT_ROOT: u32 = 2;
/// The context in the scratch buffer.
pub const PARENT_GIVEN: u32 = 3;

/// What the JS half counts through `pt_count`: a value whose conversion threw.
pub const COUNT_CONVERSION_ERROR: u32 = 0;
/// A name or key cut to the interning limit.
pub const COUNT_NAME_CUT: u32 = 1;

/// Frame timestamps the ring keeps (a power of two: JS masks with `FRAME_RING - 1`); over a
/// minute at 60 Hz.
pub const FRAME_RING: usize = 4096;
/// JS lets the engine look for jank every this many frames (a power of two).
pub const FRAME_TICK: usize = 256;

/// `pt_http_start`'s flag: the caller set its own `traceparent`, so none is decided for it.
pub const HTTP_CALLER_TRACEPARENT: u32 = 1;
/// `pt_http_start`'s flag: a request the package's early tracer recorded before the engine
/// loaded, replayed: it went out without trace headers, and its span says so.
pub const HTTP_BEFORE_READY: u32 = 2;

/// `pt_answered`'s flag: a request that got no answer was followed by a probe that reached the
/// server (so CORS refused it).
pub const ANSWER_PROBED: u32 = 1;
/// `pt_answered`'s flag: the body went gzipped.
pub const ANSWER_GZIPPED: u32 = 2;

/// `pt_page`'s event: the page was hidden.
pub const PAGE_HIDDEN: u32 = 0;
/// `pt_page`'s event: `pagehide`, the page is going away.
pub const PAGE_HIDE: u32 = 1;
/// `pt_page`'s event: the page loaded (its `documentLoad` span ends).
pub const PAGE_LOADED: u32 = 2;

/// The span handle that `pt_attr_*` take for the attributes given to the next event
/// (`pt_event`), link (`pt_link`) or resource (`init`), kept until then.
pub const PENDING: f64 = -1.0;

/// `pt_attr_list`'s kind: a value with no attribute type (dropped and counted).
pub const LIST_NONE: u32 = 0;
/// `pt_attr_list`'s kind: an array of the strings given by `pt_item`.
pub const LIST_STRINGS: u32 = 1;
/// `pt_attr_list`'s kind: an array of booleans (items 0 or 1).
pub const LIST_BOOLS: u32 = 2;
/// `pt_attr_list`'s kind: an array of numbers (integers where every one is integral).
pub const LIST_NUMBERS: u32 = 3;
/// `pt_attr_list`'s kind: a 64-bit integer (a BigInt) as two items, its high 32 bits signed and
/// its low 32 bits.
pub const LIST_INT64: u32 = 4;

/// `pageFact`'s fact (boundary.js, an import the engine calls): the page's origin.
pub const FACT_ORIGIN: u32 = 0;
/// `pageFact`'s fact: the page's URL.
pub const FACT_HREF: u32 = 1;
/// `pageFact`'s fact: `navigator.userAgent`.
pub const FACT_USER_AGENT: u32 = 2;
/// `pageFact`'s fact: `navigator.language`.
pub const FACT_LANGUAGE: u32 = 3;

/// `pt_config`'s kind: the value is a number (a choice as its index, a boolean as 1 or 0).
pub const CONFIG_NUMBER: u32 = 0;
/// `pt_config`'s kind: the value is the text of that many bytes in the scratch buffer.
pub const CONFIG_TEXT: u32 = 1;
/// `pt_config`'s kind: the value is a list of that many items (`pt_item`).
pub const CONFIG_LIST: u32 = 2;

/// `pt_http_start`'s flag: one of `ignoreUrls`' RegExps matched the URL (config.js keeps them).
pub const HTTP_IGNORE_MATCHED: u32 = 4;
/// `pt_http_start`'s flag: one of `propagateTo`'s RegExps matched the URL.
pub const HTTP_PROPAGATE_MATCHED: u32 = 8;

/// `pt_baggage`'s operation: set the entry; 1 if kept.
pub const BAGGAGE_SET: u32 = 0;
/// `pt_baggage`'s operation: the entry's value, written back; its length, or -1 if none.
pub const BAGGAGE_GET: u32 = 1;
/// `pt_baggage`'s operation: remove the entry; 1 if it was there.
pub const BAGGAGE_REMOVE: u32 = 2;

/// The places of `init`'s config values, as `config.js` gives them (`pt_config`): the config's
/// keys first, then the engine's own slots (the instrumentations of `instrument`).
pub const CONFIG_KEYS: &str = "serviceName,serviceVersion,environment,endpoint,format,compression,sampler,queueSize,batchSize,batchBytes,flushIntervalMs,spanTimeoutMs,attributeValueLengthLimit,enabled,debug,captureErrors,frameBudgetMs,observeFrames,longAnimationFrames,inputTiming,credentials,resourceAttributes,instrument,propagateTo,ignoreUrls,redactQueryParams,background,fetch,xhr,webSocket";

/// The place of `key` in [`CONFIG_KEYS`]; a key that is not there fails the build when this is
/// evaluated as a constant.
pub const fn config_slot(key: &str) -> u32 {
    let (list, key) = (CONFIG_KEYS.as_bytes(), key.as_bytes());
    let (mut at, mut slot) = (0, 0);
    while at < list.len() {
        let mut i = 0;
        while i < key.len() && at + i < list.len() && list[at + i] == key[i] {
            i += 1;
        }
        if i == key.len() && (at + i == list.len() || list[at + i] == b',') {
            return slot;
        }
        while at < list.len() && list[at] != b',' {
            at += 1;
        }
        at += 1;
        slot += 1;
    }
    panic!("not a config key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_powers_of_two() {
        assert!(FRAME_RING.is_power_of_two() && FRAME_TICK.is_power_of_two() && FRAME_TICK < FRAME_RING);
        assert_eq!(CONTEXT_BYTES % 4, 0);
    }

    #[test]
    fn config_slots_are_places_in_the_list() {
        for (i, key) in CONFIG_KEYS.split(',').enumerate() {
            assert_eq!(config_slot(key) as usize, i, "{key}");
        }
        assert_eq!(config_slot("xhr"), 28);
    }
}
