//! Which span is the parent of a span started without one: the context stack of `withSpan`
//! and the open player actions. Browsers have no async context, so an action stays the implicit
//! parent of requests for as long as it is open, also across `await`s.

use super::span_context::SpanContext;

/// Where a new span's parent comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParentRule {
    /// The `withSpan` span, else the most recently started open action.
    Implicit,
    /// The `withSpan` span only: a new action never nests in another.
    ActiveOnly,
    /// None: a new trace.
    Root,
    /// The one given with the call.
    Given,
    /// A request's: the implicit parent, else the open `background` group (see
    /// [`background`](super::background)).
    Request,
}

/// The `withSpan` stack and the open actions, oldest first.
///
/// ```
/// use playtrace::core::context::ContextStack;
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::span_context::{SpanContext, TraceFlags};
/// let mut ids = IdGenerator::from_seed(3);
/// let mut cx = || SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
/// let (action, active) = (cx(), cx());
/// let mut stack = ContextStack::default();
/// let id = stack.open_action(action.clone());
/// assert_eq!(stack.implicit_parent(), Some(&action));
/// stack.push_active(active.clone());
/// assert_eq!(stack.implicit_parent(), Some(&active)); // withSpan wins
/// assert_eq!(stack.active(), Some(&active));
/// stack.pop_active();
/// stack.close_action(id);
/// assert_eq!(stack.implicit_parent(), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ContextStack {
    active: Vec<SpanContext>,
    actions: Vec<(u64, SpanContext)>,
    next_action: u64,
    /// The open group of requests outside actions.
    group: Option<SpanContext>,
}

impl ContextStack {
    /// `withSpan(span, ...)` began: `cx` is the parent of spans started inside it.
    #[inline]
    pub fn push_active(&mut self, cx: SpanContext) {
        self.active.push(cx);
    }

    /// The innermost `withSpan` ended.
    #[inline]
    pub fn pop_active(&mut self) {
        self.active.pop();
    }

    /// The innermost `withSpan` context.
    pub fn active(&self) -> Option<&SpanContext> {
        self.active.last()
    }

    /// An action opened; returns the ID that closes it. IDs start at 1.
    pub fn open_action(&mut self, cx: SpanContext) -> u64 {
        self.next_action += 1;
        self.actions.push((self.next_action, cx));
        self.next_action
    }

    /// Opens an action that yields to every other open action (the page load, which opens
    /// before any of the game's).
    pub fn open_background_action(&mut self, cx: SpanContext) -> u64 {
        self.next_action += 1;
        self.actions.insert(0, (self.next_action, cx));
        self.next_action
    }

    /// The action with this ID settled; returns its context. Unknown IDs are ignored.
    pub fn close_action(&mut self, id: u64) -> Option<SpanContext> {
        let at = self.actions.iter().position(|(i, _)| *i == id)?;
        Some(self.actions.remove(at).1)
    }

    /// The contexts of the open actions, oldest first.
    pub fn open_actions(&self) -> impl Iterator<Item = &SpanContext> {
        self.actions.iter().map(|(_, cx)| cx)
    }

    /// The most recently opened action that is still open.
    pub fn newest_action(&self) -> Option<&SpanContext> {
        self.actions.last().map(|(_, cx)| cx)
    }

    /// The parent of a span started with no explicit parent: the innermost `withSpan`, else the
    /// most recently opened action that is still open.
    pub fn implicit_parent(&self) -> Option<&SpanContext> {
        self.active.last().or_else(|| self.actions.last().map(|(_, cx)| cx))
    }

    /// Opens the group of requests outside actions.
    pub fn open_group(&mut self, group: SpanContext) {
        self.group = Some(group);
    }

    /// Closes the group of requests outside actions; returns its context.
    pub fn close_group(&mut self) -> Option<SpanContext> {
        self.group.take()
    }

    /// The parent by `rule`, `given` being the one given with the call.
    ///
    /// ```
    /// use playtrace::core::context::{ContextStack, ParentRule};
    /// let stack = ContextStack::default();
    /// assert_eq!(stack.parent(ParentRule::Implicit, None), None);
    /// ```
    #[inline]
    pub fn parent(&self, rule: ParentRule, given: Option<SpanContext>) -> Option<SpanContext> {
        match rule {
            ParentRule::Given => given,
            ParentRule::Root => None,
            ParentRule::Implicit => self.implicit_parent().cloned(),
            ParentRule::ActiveOnly => self.active().cloned(),
            ParentRule::Request => self.implicit_parent().or(self.group.as_ref()).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::IdGenerator;
    use crate::core::span_context::TraceFlags;

    #[test]
    fn the_latest_open_action_parents_and_the_page_load_yields() {
        let mut ids = IdGenerator::from_seed(5);
        let mut cx = || SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let (first, second, page) = (cx(), cx(), cx());
        let mut s = ContextStack::default();
        let a = s.open_action(first.clone());
        let b = s.open_action(second.clone());
        let p = s.open_background_action(page.clone());
        assert_eq!(s.implicit_parent(), Some(&second));
        s.close_action(b);
        assert_eq!(s.implicit_parent(), Some(&first));
        s.close_action(a);
        assert_eq!(s.implicit_parent(), Some(&page));
        s.close_action(p);
        s.close_action(p);
        assert_eq!(s.implicit_parent(), None);
        s.pop_active(); // an unbalanced pop is harmless
        assert!(s.active().is_none());
    }

    #[test]
    fn an_action_nests_only_under_with_span_never_under_another_action() {
        let mut ids = IdGenerator::from_seed(6);
        let mut cx = || SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let (action, active, given) = (cx(), cx(), cx());
        let mut s = ContextStack::default();
        s.open_action(action.clone());
        assert_eq!(s.parent(ParentRule::ActiveOnly, None), None);
        assert_eq!(s.parent(ParentRule::Implicit, None), Some(action.clone()));
        s.push_active(active.clone());
        assert_eq!(s.parent(ParentRule::ActiveOnly, None), Some(active.clone()));
        assert_eq!(s.parent(ParentRule::Given, Some(given.clone())), Some(given));
        assert_eq!(s.parent(ParentRule::Root, None), None);
    }

    #[test]
    fn a_request_goes_under_the_group_only_outside_actions() {
        let mut ids = IdGenerator::from_seed(7);
        let mut cx = || SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let (group, action) = (cx(), cx());
        let mut s = ContextStack::default();
        assert_eq!(s.parent(ParentRule::Request, None), None);
        s.open_group(group.clone());
        assert_eq!(s.parent(ParentRule::Request, None), Some(group.clone()));
        assert_eq!(s.parent(ParentRule::Implicit, None), None, "only requests are grouped");
        let id = s.open_action(action.clone());
        assert_eq!(s.parent(ParentRule::Request, None), Some(action));
        s.close_action(id);
        assert_eq!(s.close_group(), Some(group));
        assert_eq!(s.parent(ParentRule::Request, None), None);
    }
}
