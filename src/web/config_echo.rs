//! What a second `init` would have changed: `init` while a tracer is installed returns that
//! tracer and applies nothing, so the keys whose values differ from the installed config are
//! said once on the console, with how to apply them (`shutdown()` first).

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use super::js::{entries, object};

/// The installed config's keys and values, as JSON text.
struct Installed {
    keys: Vec<(String, String)>,
    said: bool,
}

thread_local! {
    static INSTALLED: RefCell<Installed> = const { RefCell::new(Installed { keys: Vec::new(), said: false }) };
}

/// A config's keys with their values as JSON (functions and other values JSON cannot write, by
/// their type), to compare with a later one.
pub(crate) fn snapshot(config: &JsValue) -> Vec<(String, String)> {
    let Some(obj) = object(config) else { return Vec::new() };
    entries(obj)
        .into_iter()
        .map(|(key, value)| {
            let text = js_sys::JSON::stringify(&value).ok().and_then(|t| t.as_string());
            (key, text.unwrap_or_else(|| value.js_typeof().as_string().unwrap_or_default()))
        })
        .collect()
}

/// Remembers the config of the tracer just installed.
pub(crate) fn installed(keys: Vec<(String, String)>) {
    INSTALLED.with(|i| *i.borrow_mut() = Installed { keys, said: false });
}

/// Says (once per installed tracer) which keys of `config` a second `init` ignored.
pub(crate) fn say_ignored(config: &JsValue) {
    let given = snapshot(config);
    let message = INSTALLED.with(|i| {
        let mut i = i.borrow_mut();
        if i.said {
            return None;
        }
        let ignored: Vec<&str> = given
            .iter()
            .filter(|(k, v)| !i.keys.iter().any(|(ik, iv)| ik == k && iv == v))
            .map(|(k, _)| k.as_str())
            .collect();
        if ignored.is_empty() {
            return None;
        }
        let mut m = String::from(
            "[playtrace] init() was called again while a tracer is installed; it returned that tracer and ignored: ",
        );
        m.push_str(&ignored.join(", "));
        m.push_str(". To apply another config, await tracer.shutdown() first, then call init() again.");
        i.said = true;
        Some(m)
    });
    if let Some(m) = message {
        web_sys::console::warn_1(&JsValue::from_str(&m));
    }
}
