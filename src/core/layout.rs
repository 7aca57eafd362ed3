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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_powers_of_two() {
        assert!(FRAME_RING.is_power_of_two() && FRAME_TICK.is_power_of_two() && FRAME_TICK < FRAME_RING);
        assert_eq!(CONTEXT_BYTES % 4, 0);
    }
}
