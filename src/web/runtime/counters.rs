//! `stats()` and the counters the JS side reports.

use super::Runtime;

impl Runtime {
    /// `stats()`: every counter, and the spans queued now.
    pub(crate) fn counters(&self) -> [u64; 32] {
        let s = self.state.borrow();
        let (sending, waiting) = (s.export.sending_spans(), s.export.waiting_spans());
        s.core.stats().values(s.core.queue_len() as u64, sending, waiting)
    }

    /// A WebSocket hook threw.
    pub(crate) fn count_hook_error(&self) {
        self.stats(|s| s.hook_errors += 1);
    }

    /// Counts what the JS side of the boundary reports (`core::layout::COUNT_*`).
    pub fn count_boundary(&self, what: u32) {
        self.stats(|s| match what {
            crate::core::layout::COUNT_CONVERSION_ERROR => s.conversion_errors += 1,
            crate::core::layout::COUNT_NAME_CUT => s.names_cut += 1,
            _ => {}
        });
    }

    fn stats(&self, f: impl FnOnce(&mut crate::core::stats::Stats)) {
        f(self.state.borrow_mut().core.stats_mut());
    }
}
