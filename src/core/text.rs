//! String slicing that cannot panic. `&s[i..]` checks that `i` falls on a character boundary
//! and, when it does not, panics with a message whose formatting (`core::fmt`, the `char`
//! debug escapes and the Unicode printable tables) weighs kilobytes in the wasm module. Every
//! index used here comes from `find` of an ASCII byte, so the checks never fail; these helpers
//! return the empty string where one would, and keep the formatting out of the module.

/// `&s[i..]`, or `""`.
pub(crate) fn after(s: &str, i: usize) -> &str {
    s.get(i..).unwrap_or("")
}

/// `&s[..i]`, or `""`.
pub(crate) fn before(s: &str, i: usize) -> &str {
    s.get(..i).unwrap_or("")
}

/// `s.split_at(i)`, or `(s, "")`.
pub(crate) fn split(s: &str, i: usize) -> (&str, &str) {
    match (s.get(..i), s.get(i..)) {
        (Some(a), Some(b)) => (a, b),
        _ => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_on_boundaries_and_gives_empty_strings_elsewhere() {
        assert_eq!((before("a?b", 1), after("a?b", 2)), ("a", "b"));
        assert_eq!(split("ab#c", 2), ("ab", "#c"));
        assert_eq!((before("é", 1), after("é", 1), after("a", 9)), ("", "", ""));
        assert_eq!(split("é", 1), ("é", ""));
    }
}
