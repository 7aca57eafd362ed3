//! The numbers the engine and its JS half share (`core::layout`) are declared again in the JS
//! files that use them (`const NAME = value`, so that the minifier folds them): every such
//! declaration must agree with the engine, and every shared number must be declared somewhere.

use std::fs;
use std::path::{Path, PathBuf};

use playtrace::core::diagnostics::Decision;
use playtrace::core::layout::*;

/// The shared numbers JS uses (`PENDING`, a handle, is the one below zero). (`FLAG_REMOTE` is the engine's alone: JS never reads it.)
fn shared() -> Vec<(&'static str, i64)> {
    // Each name is the constant's own (stringify!), so a name and its value cannot disagree.
    macro_rules! named {
        ($($name:ident),* $(,)?) => { vec![$((stringify!($name), $name as i64)),*] };
    }
    named![
        CONTEXT_BYTES,
        STRING_AT,
        KIND_INTERNAL,
        KIND_SERVER,
        KIND_CLIENT,
        KIND_PRODUCER,
        KIND_CONSUMER,
        PARENT_IMPLICIT,
        PARENT_ACTIVE_ONLY,
        PARENT_ROOT,
        PARENT_GIVEN,
        COUNT_CONVERSION_ERROR,
        COUNT_NAME_CUT,
        FRAME_RING,
        FRAME_TICK,
        HTTP_CALLER_TRACEPARENT,
        HTTP_BEFORE_READY,
        ANSWER_PROBED,
        ANSWER_GZIPPED,
        PAGE_HIDDEN,
        PAGE_HIDE,
        PAGE_LOADED,
        BAGGAGE_SET,
        BAGGAGE_GET,
        BAGGAGE_REMOVE,
        PENDING,
        FACT_ORIGIN,
        FACT_HREF,
        FACT_USER_AGENT,
        FACT_LANGUAGE,
        CONFIG_NUMBER,
        CONFIG_TEXT,
        CONFIG_LIST,
        HTTP_IGNORE_MATCHED,
        HTTP_PROPAGATE_MATCHED,
        LIST_NONE,
        LIST_STRINGS,
        LIST_BOOLS,
        LIST_NUMBERS,
        LIST_INT64,
    ]
}

/// The hand-written JS files: the API's (src/web) and the package's (src/package).
fn js_files() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for sub in ["web", "package"] {
        for entry in fs::read_dir(src.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "js") {
                files.push(path);
            }
        }
    }
    files
}

/// Every `NAME = value` of a top-level `const` (or `export const`) statement, commas included.
fn declarations(js: &str) -> Vec<(String, String)> {
    js.lines()
        .filter_map(|line| line.strip_prefix("export const ").or_else(|| line.strip_prefix("const ")))
        .flat_map(|rest| rest.trim_end().trim_end_matches(';').split(", ").map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|decl| {
            let (name, value) = decl.split_once(" = ")?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn number(text: &str) -> Option<i64> {
    match text.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[test]
fn every_js_declaration_of_a_shared_number_agrees_with_the_engine() {
    let files = js_files();
    assert!(files.len() >= 8, "the JS files were found: {files:?}");
    let mut declared = vec![0; shared().len()];
    for path in &files {
        let js = fs::read_to_string(path).unwrap();
        for (name, value) in declarations(&js) {
            if let Some(i) = shared().iter().position(|(n, _)| *n == name) {
                let expected = shared()[i].1;
                assert_eq!(number(&value), Some(expected), "{} declares {name} = {value}", path.display());
                declared[i] += 1;
            }
        }
    }
    for ((name, _), count) in shared().iter().zip(declared) {
        assert!(count > 0, "{name} is declared in no JS file: the engine's copy is the only one in use");
    }
}

/// `config.js` answers the config's values in the order of the engine's `CONFIG_KEYS`.
#[test]
fn config_js_keys_are_the_engines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/config.js");
    let js = fs::read_to_string(path).unwrap();
    let declared = declarations(&js).into_iter().find(|(name, _)| name == "CONFIG_KEYS").map(|(_, v)| v);
    assert_eq!(declared, Some(format!("\"{CONFIG_KEYS}\"")), "config.js declares CONFIG_KEYS as the engine does");
    let types = declarations(&js).into_iter().find(|(name, _)| name == "TYPES").map(|(_, v)| v.len() - 2);
    assert_eq!(types, Some(config_slot("fetch") as usize), "one type for each config key, none for the engine's slots");
}

/// `boundary.js` names `stats()`'s counters, which the engine gives as an array, in the order
/// of `Stats::NAMES`.
#[test]
fn boundary_js_names_the_counters_as_the_engine_orders_them() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/boundary.js");
    let js = fs::read_to_string(path).unwrap();
    let declared = declarations(&js).into_iter().find(|(name, _)| name == "STATS").map(|(_, v)| v);
    let names = playtrace::core::stats::Stats::NAMES;
    assert_eq!(
        declared,
        Some(format!("\"{names}\".split(\",\")")),
        "boundary.js declares STATS as the engine names them"
    );
}

/// `debug.js`'s texts are indexed by the engine's decision codes: each text is marked with the
/// name of its decision, and the marks must be the decisions in the order of their codes.
#[test]
fn debug_texts_are_in_the_order_of_the_decisions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/debug.js");
    let js = fs::read_to_string(path).unwrap();
    let list = js.split("export const TEXTS = [").nth(1).and_then(|rest| rest.split("];").next()).unwrap();
    let marks: Vec<&str> =
        list.lines().filter_map(|line| line.trim().strip_prefix("/* ")?.split(" */ \"").next()).collect();
    let texts = list.lines().filter(|line| line.trim().ends_with("\",")).count();
    let decisions: Vec<String> = Decision::ALL.iter().map(|d| format!("{d:?}")).collect();
    assert_eq!(marks, decisions, "one text per decision, in the order of Decision::ALL");
    assert_eq!(texts, decisions.len(), "every text is marked");
}

#[test]
fn declarations_are_read_as_written() {
    let js = "const A = 1, B = 0x100;\nexport const C = 3;\n  const NESTED = 4;\nlet D = 5;\n";
    let names: Vec<_> = declarations(js).into_iter().map(|(n, v)| format!("{n}={v}")).collect();
    assert_eq!(names, ["A=1", "B=0x100", "C=3"]);
    assert_eq!(number("0x100"), Some(256));
}
