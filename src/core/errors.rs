//! Uncaught errors and unhandled rejections: which to record. A game that throws in its frame
//! loop throws the same error sixty times a second, so a repeat of an error already recorded is
//! counted, not recorded, until a minute has passed, and at most [`MAX_PER_MINUTE`] errors
//! are recorded a minute in all.

use super::span::AttributeValue;

/// An `exception` event's attributes, as the semantic conventions name them:
/// `exception.type`, `exception.message` and `exception.stacktrace`, those that are not empty.
///
/// ```
/// use playtrace::core::errors::exception_attributes;
/// let attrs = exception_attributes("TypeError", "x is undefined", "");
/// assert_eq!(attrs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["exception.type", "exception.message"]);
/// ```
pub fn exception_attributes(error_type: &str, message: &str, stack: &str) -> Vec<(String, AttributeValue)> {
    let mut attrs = Vec::with_capacity(4); // and `exception.escaped`, for an uncaught one
    for (key, value) in
        [("exception.type", error_type), ("exception.message", message), ("exception.stacktrace", stack)]
    {
        if !value.is_empty() {
            attrs.push((key.to_owned(), value.into()));
        }
    }
    attrs
}

/// Distinct errors recorded a minute at most; the rest are counted.
pub const MAX_PER_MINUTE: u32 = 20;
const MINUTE_NS: u64 = 60_000_000_000;
/// Errors remembered for deduplication; the oldest is forgotten first.
const REMEMBERED: usize = 64;

/// What to do with one error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorVerdict {
    /// Record it.
    Record,
    /// The same error was recorded less than a minute ago: count it only.
    Repeat,
    /// Too many errors this minute: count it only.
    RateLimited,
}

/// Deduplicates and rate-limits errors by their type, message and first stack frame.
///
/// ```
/// use playtrace::core::errors::{ErrorLimiter, ErrorVerdict};
/// let mut l = ErrorLimiter::default();
/// let stack = "TypeError: x is undefined\n    at update (game.js:10:5)";
/// assert_eq!(l.judge("TypeError", "x is undefined", stack, 0), ErrorVerdict::Record);
/// assert_eq!(l.judge("TypeError", "x is undefined", stack, 1_000_000), ErrorVerdict::Repeat);
/// assert_eq!(l.judge("TypeError", "x is undefined", stack, 61_000_000_000), ErrorVerdict::Record);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ErrorLimiter {
    /// (key, when last recorded).
    seen: Vec<(u64, u64)>,
    window_start_ns: u64,
    in_window: u32,
}

fn key(error_type: &str, message: &str, stack: &str) -> u64 {
    // The first frame locates the error; later frames vary with the caller.
    let mut frame = "";
    for line in crate::core::text::split_byte(stack, b'\n') {
        let line = crate::core::text::trim_bytes(line, b" \t");
        if line.starts_with("at ") || crate::core::text::has(line.as_bytes(), b'@') {
            frame = line;
            break;
        }
    }
    let frame = frame.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [error_type.as_bytes(), message.as_bytes(), frame] {
        for &b in part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = h.wrapping_mul(0x0100_0000_01b3); // a 0 byte after each part
    }
    h
}

impl ErrorLimiter {
    /// Judges an error seen at `now_ns`; a `Record` verdict counts towards the minute's limit.
    pub fn judge(&mut self, error_type: &str, message: &str, stack: &str, now_ns: u64) -> ErrorVerdict {
        let k = key(error_type, message, stack);
        let seen = self.seen.iter().position(|(s, _)| *s == k);
        if let Some(i) = seen {
            if now_ns.saturating_sub(self.seen[i].1) < MINUTE_NS {
                return ErrorVerdict::Repeat;
            }
        }
        if now_ns.saturating_sub(self.window_start_ns) >= MINUTE_NS {
            self.window_start_ns = now_ns;
            self.in_window = 0;
        }
        if self.in_window >= MAX_PER_MINUTE {
            return ErrorVerdict::RateLimited;
        }
        self.in_window += 1;
        // Overwrite this error's entry, else the oldest once full.
        match seen {
            Some(i) => self.seen[i].1 = now_ns,
            None if self.seen.len() < REMEMBERED => self.seen.push((k, now_ns)),
            None => {
                let mut oldest = 0;
                for i in 1..self.seen.len() {
                    if self.seen[i].1 < self.seen[oldest].1 {
                        oldest = i;
                    }
                }
                self.seen[oldest] = (k, now_ns);
            }
        }
        ErrorVerdict::Record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_in_another_place_is_another_error() {
        let mut l = ErrorLimiter::default();
        let here = "Error: boom\n    at a (game.js:1:1)\n    at loop (game.js:9:9)";
        let there = "Error: boom\n    at b (game.js:2:2)\n    at loop (game.js:9:9)";
        let there_from_elsewhere = "Error: boom\n    at b (game.js:2:2)\n    at click (ui.js:3:3)";
        assert_eq!(l.judge("Error", "boom", here, 0), ErrorVerdict::Record);
        assert_eq!(l.judge("Error", "boom", there, 0), ErrorVerdict::Record);
        assert_eq!(l.judge("Error", "boom", there_from_elsewhere, 0), ErrorVerdict::Repeat, "same first frame");
        // Firefox and Safari write frames as name@file:line:col.
        assert_eq!(l.judge("Error", "boom", "a@game.js:1:1\nloop@game.js:9:9", 0), ErrorVerdict::Record);
    }

    #[test]
    fn at_most_twenty_a_minute_are_recorded() {
        let mut l = ErrorLimiter::default();
        let recorded =
            (0..50).filter(|i| l.judge("Error", &i.to_string(), "", 1_000).eq(&ErrorVerdict::Record)).count();
        assert_eq!(recorded, MAX_PER_MINUTE as usize);
        assert_eq!(l.judge("Error", "new", "", 2_000), ErrorVerdict::RateLimited);
        assert_eq!(l.judge("Error", "new", "", MINUTE_NS + 1_000), ErrorVerdict::Record, "a new minute");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut l = ErrorLimiter::default();
        for i in 0..10_000u64 {
            l.judge("Error", &i.to_string(), "", i * MINUTE_NS);
        }
        assert!(l.seen.len() <= REMEMBERED);
    }
}
