//! The frame-time ring: a buffer in wasm memory that `tracer.frame()` (`frames.js`) writes with
//! no call into wasm, so that feeding a frame costs a few typed-array stores. Slot 0 holds how
//! many frames were written in all; slot `1 + n % RING` the timestamp of frame `n`, in page
//! milliseconds. The engine reads it when an action settles and every few hundred frames.

use std::cell::RefCell;

/// Timestamps kept (`core::layout::FRAME_RING`).
pub(crate) const RING: usize = crate::core::layout::FRAME_RING;

thread_local! {
    static FRAMES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// The ring's address, made on first use: a game that never feeds frames never pays for it.
pub(crate) fn address() -> u32 {
    FRAMES.with(|f| {
        let mut f = f.borrow_mut();
        if f.is_empty() {
            *f = vec![0.0; RING + 1];
        }
        f.as_ptr() as u32
    })
}

/// The ring as written so far.
pub(crate) struct Ring<'a>(&'a [f64]);

impl Ring<'_> {
    /// Frames written in all (more than the ring holds, once it has wrapped).
    pub(crate) fn count(&self) -> u64 {
        match self.0.first() {
            Some(&n) if n.is_finite() && n > 0.0 => n as u64,
            _ => 0,
        }
    }

    fn at(&self, n: u64) -> f64 {
        self.0[1 + (n % RING as u64) as usize]
    }

    /// Timestamps of frames `from..` still in the ring, oldest first.
    pub(crate) fn since(&self, from: u64) -> impl Iterator<Item = f64> + '_ {
        let to = self.count();
        (from.max(to.saturating_sub(RING as u64))..to).map(|n| self.at(n))
    }

    /// Every timestamp in the ring, newest first.
    pub(crate) fn newest_first(&self) -> impl Iterator<Item = f64> + '_ {
        let to = self.count();
        (to.saturating_sub(RING as u64)..to).rev().map(|n| self.at(n))
    }
}

/// Runs `f` on the ring; an empty ring if no frame was ever fed.
pub(crate) fn read<R>(f: impl FnOnce(&Ring) -> R) -> R {
    FRAMES.with(|frames| {
        let frames = frames.borrow();
        let slice = if frames.len() == RING + 1 { &frames[..] } else { &[] };
        f(&Ring(slice))
    })
}
