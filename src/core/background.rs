//! Requests made outside any action and without a parent of their own: a game's asset loads,
//! heartbeats, polling. Each can be the root of its own trace (one stray trace per asset), or
//! they can be grouped: one `background` span per flush interval holds every such request that
//! started in it, or they are not traced at all.
//!
//! A group opens with the first such request after a flush and closes at the next flush (the
//! timer's, `flush()`, the page hiding or closing), where its span ends: at the end of its
//! latest request that has ended by then, so that it is sent with them. A request still in
//! flight then ends after it, as a child may.
//!
//! ```
//! use playtrace::core::background::{Background, BackgroundMode, Placement};
//! use playtrace::core::tracer::SpanHandle;
//!
//! let span = SpanHandle::from_bits(1).unwrap();
//! let mut bg = Background::new(BackgroundMode::Group);
//! assert_eq!(bg.place(), Placement::OpenGroup);
//! bg.opened(Some(span), 1_000);
//! assert_eq!(bg.place(), Placement::Group);
//! bg.joined();
//! let done = bg.close().unwrap();
//! assert_eq!((done.span, done.start_ns, done.requests), (span, 1_000, 1));
//! assert_eq!(bg.place(), Placement::OpenGroup, "the next request opens the next group");
//! ```

use super::tracer::SpanHandle;

/// What becomes of a request outside any action (the config's `background`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackgroundMode {
    /// One `background` span per flush interval holds them (`"span"`, the default).
    Group,
    /// Each is the root of its own trace (`"trace"`).
    Trace,
    /// They are not traced: no span, no trace headers (`"none"`).
    Off,
}

/// Where a request with no parent and no open action goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The root of a new trace.
    Root,
    /// Not traced.
    Untraced,
    /// A child of the open group's span.
    Group,
    /// No group is open: start its span (see [`Background::opened`]), then the request under it.
    OpenGroup,
}

/// A group closed at a flush: its span is to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// The group's span.
    pub span: SpanHandle,
    /// When it started.
    pub start_ns: u64,
    /// The requests it held.
    pub requests: u32,
}

#[derive(Debug)]
struct Group {
    span: Option<SpanHandle>,
    start_ns: u64,
    requests: u32,
}

/// The open group of requests outside actions, if any. Its context, the parent of its
/// requests, is the context stack's (`ContextStack::open_group`).
#[derive(Debug)]
pub struct Background {
    mode: BackgroundMode,
    open: Option<Group>,
}

impl Background {
    /// No group yet.
    pub fn new(mode: BackgroundMode) -> Self {
        Self { mode, open: None }
    }

    /// Where the next request outside any action goes.
    pub fn place(&self) -> Placement {
        match (self.mode, &self.open) {
            (BackgroundMode::Trace, _) => Placement::Root,
            (BackgroundMode::Off, _) => Placement::Untraced,
            (BackgroundMode::Group, Some(_)) => Placement::Group,
            (BackgroundMode::Group, None) => Placement::OpenGroup,
        }
    }

    /// The group's span started at `start_ns` (`span` is `None` when it was sampled out: its
    /// requests follow it).
    pub fn opened(&mut self, span: Option<SpanHandle>, start_ns: u64) {
        self.open = Some(Group { span, start_ns, requests: 0 });
    }

    /// A request joined the open group.
    pub fn joined(&mut self) {
        if let Some(g) = &mut self.open {
            g.requests += 1;
        }
    }

    /// A flush: the open group closes; its span is done, if it records.
    pub fn close(&mut self) -> Option<Done> {
        let g = self.open.take()?;
        Some(Done { span: g.span?, start_ns: g.start_ns, requests: g.requests })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(Background::new(BackgroundMode::Trace).place(), Placement::Root);
        assert_eq!(Background::new(BackgroundMode::Off).place(), Placement::Untraced);
        assert_eq!(Background::new(BackgroundMode::Group).place(), Placement::OpenGroup);
    }

    #[test]
    fn a_group_holds_every_request_until_a_flush() {
        let mut bg = Background::new(BackgroundMode::Group);
        let span = SpanHandle::from_bits(10).unwrap();
        bg.opened(Some(span), 100);
        for _ in 0..3 {
            assert_eq!(bg.place(), Placement::Group);
            bg.joined();
        }
        assert_eq!(bg.close(), Some(Done { span, start_ns: 100, requests: 3 }));
        assert_eq!(bg.close(), None, "closed once");
        assert_eq!(bg.place(), Placement::OpenGroup);
    }

    #[test]
    fn a_sampled_out_group_ends_nothing() {
        let mut bg = Background::new(BackgroundMode::Group);
        bg.opened(None, 100);
        bg.joined();
        assert_eq!(bg.close(), None);
        assert_eq!(bg.place(), Placement::OpenGroup, "and is forgotten");
    }
}
