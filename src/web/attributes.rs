//! Attribute values from JavaScript: typed as OpenTelemetry JS types them, and anything that has
//! no attribute type is dropped and counted, never trapped on.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::span::AttributeValue;

/// Largest integer a JS number holds exactly; integral numbers up to it become `intValue`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS number: integral values up to 2^53 are integers, the rest doubles.
#[inline]
pub fn number(n: f64) -> AttributeValue {
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        AttributeValue::Int(n as i64)
    } else {
        AttributeValue::Double(n)
    }
}

/// Converts one JS value. Strings with lone surrogates arrive with U+FFFD in their place.
/// Arrays must be homogeneous (integral and fractional numbers may mix, and become doubles);
/// `null`, `undefined`, objects, functions, symbols and mixed arrays give `None`.
pub(crate) fn from_js(v: &JsValue) -> Option<AttributeValue> {
    if let Some(s) = v.as_string() {
        return Some(AttributeValue::String(s));
    }
    if let Some(b) = v.as_bool() {
        return Some(AttributeValue::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Some(number(n));
    }
    if v.is_bigint() {
        let big: js_sys::BigInt = v.clone().unchecked_into();
        return i64::try_from(big).ok().map(AttributeValue::Int);
    }
    let array: &Array = v.dyn_ref()?;
    let items: Vec<JsValue> = array.iter().collect();
    let Some(first) = items.first() else {
        return Some(AttributeValue::StringArray(Vec::new()));
    };
    if first.as_string().is_some() {
        items.iter().map(JsValue::as_string).collect::<Option<Vec<_>>>().map(AttributeValue::StringArray)
    } else if first.as_bool().is_some() {
        items.iter().map(JsValue::as_bool).collect::<Option<Vec<_>>>().map(AttributeValue::BoolArray)
    } else {
        let numbers = items.iter().map(JsValue::as_f64).collect::<Option<Vec<_>>>()?;
        match numbers.iter().map(|&n| number(n)).collect::<Vec<_>>() {
            ints if ints.iter().all(|v| matches!(v, AttributeValue::Int(_))) => Some(AttributeValue::IntArray(
                ints.into_iter().filter_map(|v| if let AttributeValue::Int(i) = v { Some(i) } else { None }).collect(),
            )),
            _ => Some(AttributeValue::DoubleArray(numbers)),
        }
    }
}

/// Attributes read from JS, and how many were dropped for having no attribute type.
pub(crate) type Converted = (Vec<(String, AttributeValue)>, u32);

/// The own enumerable properties of a plain object as attributes, and how many were dropped
/// for having no attribute type. Anything that is not an object yields nothing.
pub(crate) fn from_object(obj: &JsValue) -> Converted {
    let mut out = Vec::new();
    let mut dropped = 0u32;
    let Some(obj) = super::js::object(obj) else {
        return (out, 0);
    };
    for entry in Object::entries(obj).iter() {
        let pair: Array = entry.unchecked_into();
        let (Some(key), value) = (pair.get(0).as_string(), pair.get(1)) else { continue };
        match from_js(&value) {
            Some(v) => out.push((key, v)),
            None => dropped = dropped.saturating_add(1),
        }
    }
    (out, dropped)
}
