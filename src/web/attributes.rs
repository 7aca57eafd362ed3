//! Attribute values from JavaScript, typed as OpenTelemetry JS types them. `boundary.js`
//! (`setValue`) tells a value's JS type and gives it as a number, a scratch string or the items
//! of an array; the rules of what each becomes are here. Anything without an attribute type is
//! dropped and counted, never trapped on.

use crate::core::layout::{LIST_BOOLS, LIST_INT64, LIST_NUMBERS, LIST_STRINGS};
use crate::core::span::AttributeValue;

/// Largest integer a JS number holds exactly; integral numbers up to it become `intValue`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Whether a JS number is an integer: integral, and no larger than 2^53.
#[inline]
fn integral(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER
}

/// A JS number: integral values up to 2^53 are integers, the rest doubles.
#[inline]
pub fn number(n: f64) -> AttributeValue {
    if integral(n) {
        AttributeValue::Int(n as i64)
    } else {
        AttributeValue::Double(n)
    }
}

/// The value JS gave as items (`pt_item`) of kind `kind` (`core::layout::LIST_*`): an array of
/// strings, of booleans, or of numbers (integers where every one is integral, else doubles), or
/// a BigInt's 64 bits. `None` for any other kind: a value with no attribute type.
pub fn list(kind: u32, numbers: Vec<f64>, strings: Vec<String>) -> Option<AttributeValue> {
    Some(match kind {
        LIST_STRINGS => AttributeValue::StringArray(strings),
        // Loops, not iterator chains: each chain was a function of its own in the wasm.
        LIST_BOOLS => {
            let mut bools = Vec::with_capacity(numbers.len());
            for n in numbers {
                bools.push(n != 0.0);
            }
            AttributeValue::BoolArray(bools)
        }
        LIST_NUMBERS => {
            let mut ints = Vec::with_capacity(numbers.len());
            for &n in &numbers {
                if !integral(n) {
                    return Some(AttributeValue::DoubleArray(numbers));
                }
                ints.push(n as i64);
            }
            AttributeValue::IntArray(ints)
        }
        LIST_INT64 => match numbers[..] {
            [high, low] => AttributeValue::Int(((high as i64) << 32) | (low as u32 as i64)),
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::layout::LIST_NONE;

    #[test]
    fn numbers_are_integers_where_every_one_is_integral() {
        assert_eq!(list(LIST_NUMBERS, vec![1.0, -2.0], vec![]), Some(AttributeValue::IntArray(vec![1, -2])));
        assert_eq!(list(LIST_NUMBERS, vec![1.0, 2.5], vec![]), Some(AttributeValue::DoubleArray(vec![1.0, 2.5])));
        assert_eq!(
            list(LIST_NUMBERS, vec![1.0, 2f64.powi(60)], vec![]),
            Some(AttributeValue::DoubleArray(vec![1.0, 2f64.powi(60)]))
        );
        assert_eq!(number(3.0), AttributeValue::Int(3));
        assert!(matches!(number(f64::NAN), AttributeValue::Double(n) if n.is_nan()));
    }

    #[test]
    fn a_bigint_is_its_two_halves() {
        for v in [0i64, 1, -1, i64::MAX, i64::MIN, 1 << 40, -(1 << 40) + 7] {
            let (high, low) = ((v >> 32) as f64, (v as u64 & 0xFFFF_FFFF) as f64);
            assert_eq!(list(LIST_INT64, vec![high, low], vec![]), Some(AttributeValue::Int(v)), "{v}");
        }
        assert_eq!(list(LIST_INT64, vec![1.0], vec![]), None);
    }

    #[test]
    fn strings_booleans_and_nothing() {
        assert_eq!(list(LIST_STRINGS, vec![], vec![]), Some(AttributeValue::StringArray(vec![])));
        assert_eq!(list(LIST_BOOLS, vec![1.0, 0.0], vec![]), Some(AttributeValue::BoolArray(vec![true, false])));
        assert_eq!(list(LIST_NONE, vec![1.0], vec![]), None);
    }
}
