//! The wasm build, exercised in headless Chromium: a span created, ended and encoded in the
//! browser comes out as a valid OTLP body with browser time, browser entropy and JS values.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Date, Object, Reflect, JSON};
use playtrace::web::smoke_span_body;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(v.clone(), |acc, key| match key.parse::<u32>() {
        Ok(i) => Array::from(&acc).get(i),
        Err(_) => Reflect::get(&acc, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
    })
}

fn span_of(body: &JsValue) -> JsValue {
    get(body, &["resourceSpans", "0", "scopeSpans", "0", "spans", "0"])
}

/// Runs JavaScript source and returns its value (to build values Rust cannot, such as strings
/// with lone surrogates).
fn js(src: &str) -> JsValue {
    js_sys::Function::new_no_args(&format!("return {src};")).call0(&JsValue::NULL).unwrap()
}

#[wasm_bindgen_test]
fn span_is_created_ended_and_encoded_in_the_browser() {
    let attrs = js(r#"{ "game.level": 3, "player.score": 12.5, "player.name": "ada", "vip": true,
                       "items": ["sword", "shield"], "ticks": [1, 2, 3], "mixed": [1, "a"], "nope": null,
                       "obj": {}, "big": 9007199254740993n, "huge": 2n ** 70n }"#);
    let before_ms = Date::now();
    let text = smoke_span_body("arena", "buy_item", &attrs).unwrap();
    let after_ms = Date::now();
    let body = JSON::parse(&text).expect("the body is JSON that the browser parses");

    let res_attrs = Array::from(&get(&body, &["resourceSpans", "0", "resource", "attributes"]));
    let service = res_attrs.iter().find(|kv| get(kv, &["key"]) == "service.name").unwrap();
    assert_eq!(get(&service, &["value", "stringValue"]), "arena");

    let span = span_of(&body);
    assert_eq!(get(&span, &["name"]), "buy_item");
    assert_eq!(get(&span, &["kind"]), 1);
    let trace_id = get(&span, &["traceId"]).as_string().unwrap();
    assert_eq!(trace_id.len(), 32);
    assert!(trace_id.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(trace_id, "0".repeat(32));
    assert_eq!(get(&span, &["spanId"]).as_string().unwrap().len(), 16);
    assert_eq!(get(&span, &["flags"]), 0x103, "sampled, random, parent remoteness known");

    // Times come from the browser's clock, in nanoseconds as decimal strings.
    let start: u64 = get(&span, &["startTimeUnixNano"]).as_string().unwrap().parse().unwrap();
    let end: u64 = get(&span, &["endTimeUnixNano"]).as_string().unwrap().parse().unwrap();
    assert!(start <= end);
    let (lo, hi) = ((before_ms - 1.0) * 1e6, (after_ms + 1.0) * 1e6);
    assert!((start as f64) >= lo && (end as f64) <= hi, "{start}..{end} not within {lo}..{hi}");
    assert_eq!(get(&span, &["events", "0", "name"]), "smoke");

    // JS values typed as OpenTelemetry JS types them; untyped ones dropped and counted.
    let attrs = Array::from(&get(&span, &["attributes"]));
    let value = |key: &str| attrs.iter().find(|kv| get(kv, &["key"]) == key).map(|kv| get(&kv, &["value"]));
    assert_eq!(get(&value("game.level").unwrap(), &["intValue"]), "3");
    assert_eq!(get(&value("player.score").unwrap(), &["doubleValue"]), 12.5);
    assert_eq!(get(&value("player.name").unwrap(), &["stringValue"]), "ada");
    assert_eq!(get(&value("vip").unwrap(), &["boolValue"]), true);
    assert_eq!(get(&value("items").unwrap(), &["arrayValue", "values", "1", "stringValue"]), "shield");
    assert_eq!(get(&value("ticks").unwrap(), &["arrayValue", "values", "2", "intValue"]), "3");
    assert!(value("mixed").is_none() && value("nope").is_none() && value("obj").is_none());
    // A BigInt keeps precision a number would lose; one beyond i64 has no attribute type.
    assert_eq!(get(&value("big").unwrap(), &["intValue"]), "9007199254740993");
    assert!(value("huge").is_none());
    assert_eq!(get(&span, &["droppedAttributesCount"]), 4);
}

#[wasm_bindgen_test]
fn lone_surrogates_and_control_characters_stay_valid_json() {
    let attrs = Object::new();
    Reflect::set(&attrs, &"lone".into(), &js(r#""a\ud800b""#)).unwrap();
    Reflect::set(&attrs, &"ctl".into(), &js(r#""q\"\\\n\u0000\u2028""#)).unwrap();
    let body = JSON::parse(&smoke_span_body("s", "n", &attrs).unwrap()).unwrap();
    let attrs = Array::from(&get(&span_of(&body), &["attributes"]));
    assert_eq!(get(&attrs.get(0), &["value", "stringValue"]), "a\u{fffd}b");
    assert_eq!(get(&attrs.get(1), &["value", "stringValue"]), "q\"\\\n\u{0}\u{2028}");
}

#[wasm_bindgen_test]
fn every_span_gets_fresh_ids() {
    let ids: Vec<String> = (0..200)
        .map(|_| {
            let body = JSON::parse(&smoke_span_body("s", "n", &JsValue::UNDEFINED).unwrap()).unwrap();
            get(&span_of(&body), &["traceId"]).as_string().unwrap()
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[wasm_bindgen_test]
fn spans_do_not_call_web_crypto() {
    // Count calls to crypto.getRandomValues while spans are made: the ID generator is seeded
    // once, so 200 spans cost at most that one seeding call.
    let count = js(r#"(() => {
        const original = crypto.getRandomValues.bind(crypto);
        const counter = { calls: 0, restore() { crypto.getRandomValues = original; } };
        crypto.getRandomValues = (array) => { counter.calls += 1; return original(array); };
        return counter;
    })()"#);
    for _ in 0..200 {
        smoke_span_body("s", "n", &JsValue::UNDEFINED).unwrap();
    }
    let calls = get(&count, &["calls"]).as_f64().unwrap();
    let restore: js_sys::Function = get(&count, &["restore"]).into();
    restore.call0(&count).unwrap();
    assert!(calls <= 1.0, "crypto.getRandomValues called {calls} times for 200 spans");
}
