//! Frames: the Long Animation Frames that overlapped an action, and the page's jank outside
//! actions (an action's own frame statistics are taken by [`Runtime::settle_action`]). The game feeds frame times with `tracer.frame()`
//! (`frames.js`, into [`frame_ring`]) or opts in to a `requestAnimationFrame` loop; a game that
//! does neither, in a browser without Long Animation Frames, pays nothing here.

use wasm_bindgen::prelude::*;

use super::frame_ring;
use super::runtime::Runtime;
use crate::core::config::TracerConfig;
use crate::core::context::ParentRule;
use crate::core::frames::LongFrame;
use crate::core::span::SpanKind;

#[wasm_bindgen(module = "/src/web/frames.js")]
extern "C" {
    #[wasm_bindgen(js_name = observeFrames)]
    fn observe_frames() -> js_sys::Function;
    #[wasm_bindgen(js_name = observeLongFrames)]
    fn observe_long_frames() -> Option<js_sys::Function>;
}

/// Starts the opt-in `requestAnimationFrame` loop and the Long Animation Frame observer, as
/// configured, until shutdown.
pub(crate) fn install(rt: &Runtime, config: &TracerConfig) {
    if config.observe_frames {
        rt.watch_frames();
        rt.keep(observe_frames());
    }
    if config.long_animation_frames {
        if let Some(stop) = observe_long_frames() {
            rt.watch_frames();
            rt.keep(stop);
        }
    }
}

/// `pt_frames` (see wasm/src/lib.rs).
pub fn ring_address() -> u32 {
    if let Some(rt) = Runtime::installed() {
        rt.watch_frames();
    }
    frame_ring::address()
}

/// `pt_frames_tick` (see wasm/src/lib.rs).
pub fn tick() {
    if let Some(rt) = Runtime::installed() {
        rt.report_jank(false);
    }
}

/// A Long Animation Frame. If it overlapped an action, it becomes that action's
/// `long-animation-frame` child span, started here with its numeric attributes (`script_ms`:
/// the longest script's time, negative if none); the JS that read the entry adds that script's
/// names and ends it. Returns the span's handle, or 0
/// (it went into the jank summary, or is not recorded).
pub fn long_frame(start_ms: f64, duration_ms: f64, blocking_ms: f64, scripts: u32, script_ms: f64) -> f64 {
    let Some(rt) = Runtime::installed() else { return 0.0 };
    let frame = LongFrame { start_ms, duration_ms, blocking_ms, scripts, script_ms };
    let open = rt.open_actions();
    let Some(Some((parent, frame))) = rt.with_frames(|watch| watch.place(frame, &open)) else { return 0.0 };
    let (_, handle) = rt.start_child(
        "long-animation-frame",
        SpanKind::Internal,
        ParentRule::Given,
        Some(parent),
        Vec::new(),
        start_ms,
    );
    let Some(h) = handle else { return 0.0 };
    rt.set_fixed_attributes(h, frame.attributes());
    h.to_bits() as f64
}
