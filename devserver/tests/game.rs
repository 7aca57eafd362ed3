//! The game API's server spans, made by the OpenTelemetry SDK, join the caller's trace as the
//! SDK's own TraceContextPropagator reads it, and land in the trace store with their children.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use playtrace_devserver::api::Settings;
use playtrace_devserver::store::Store;
use serde_json::Value;
use tower::ServiceExt;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";

fn app() -> (axum::Router, Arc<Store>) {
    let store = Arc::new(Store::open(":memory:", 10_000).unwrap());
    let settings = Settings { max_body_bytes: 1 << 20, ..Settings::default() };
    (playtrace_devserver::app(Arc::clone(&store), settings, None).unwrap(), store)
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: &str,
    traceparent: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    let res = app.clone().oneshot(req.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn tp() -> String {
    format!("00-{TRACE}-{CLIENT_SPAN}-01")
}

#[tokio::test]
async fn a_purchase_is_a_server_span_under_the_callers_span_with_its_own_children() {
    let (app, store) = app();
    let (status, body) = call(&app, "POST", "/api/game/buy", r#"{"player":"ada","item":"sword"}"#, Some(&tp())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["coins"], 70);
    let spans = store.trace(TRACE).unwrap();
    let server = spans.iter().find(|s| s.kind == 2).expect("a SERVER span in the client's trace");
    assert_eq!(server.name, "POST /api/game/buy");
    assert_eq!(server.parent_span_id.as_deref(), Some(CLIENT_SPAN));
    assert_eq!(server.service, "arena-api");
    assert_eq!(server.attributes["http.response.status_code"], 200);
    assert_eq!(server.status_code, 0);
    for child in ["validate_purchase", "db.update wallet"] {
        let c = spans.iter().find(|s| s.name == child).unwrap_or_else(|| panic!("no {child}"));
        assert_eq!(c.parent_span_id.as_deref(), Some(server.span_id.as_str()), "{child} is the server span's child");
        assert!(c.start_ns >= server.start_ns && c.end_ns <= server.end_ns);
    }
}

#[tokio::test]
async fn a_server_error_marks_the_server_span_and_client_errors_do_not() {
    let (app, store) = app();
    let (status, body) = call(&app, "POST", "/api/game/buy", r#"{"player":"ada","item":"glitch"}"#, Some(&tp())).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["error"].as_str().unwrap().contains("glitch"));
    let server = store.trace(TRACE).unwrap().into_iter().find(|s| s.kind == 2).unwrap();
    assert_eq!((server.status_code, server.attributes["error.type"].as_str()), (2, Some("500")));

    let other = "00-11111111111111111111111111111111-2222222222222222-01";
    for _ in 0..4 {
        call(&app, "POST", "/api/game/buy", r#"{"player":"bo","item":"sword"}"#, Some(other)).await;
    }
    let (status, body) = call(&app, "POST", "/api/game/buy", r#"{"player":"bo","item":"sword"}"#, Some(other)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("not enough coins")));
    let spans = store.trace("11111111111111111111111111111111").unwrap();
    assert!(spans.iter().filter(|s| s.kind == 2).all(|s| s.status_code == 0), "4xx is not a server error");
    let (status, _) = call(&app, "POST", "/api/game/buy", r#"{"player":"bo","item":"dragon"}"#, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let failed_validation = store.recent_traces(1).unwrap();
    let spans = store.trace(&failed_validation[0].trace_id).unwrap();
    assert_eq!(spans.iter().find(|s| s.name == "validate_purchase").unwrap().status_code, 2);
}

#[tokio::test]
async fn scores_and_the_leaderboard_query() {
    let (app, store) = app();
    for (p, s) in [("ada", 50), ("bo", 80), ("ada", 90), ("cy", 10)] {
        let (status, _) =
            call(&app, "POST", "/api/game/score", &format!(r#"{{"player":"{p}","score":{s}}}"#), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = call(&app, "GET", "/api/game/leaderboard", "", Some(&tp())).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> =
        body["leaderboard"].as_array().unwrap().iter().map(|e| e["player"].as_str().unwrap()).collect();
    assert_eq!(names, ["ada", "bo", "cy"]);
    assert_eq!(body["leaderboard"][0]["score"], 90);
    let spans = store.trace(TRACE).unwrap();
    assert!(spans.iter().any(|s| s.name == "db.query leaderboard"));
    let (status, _) = call(&app, "POST", "/api/game/score", r#"{"player":"ada","score":-5}"#, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_a_traceparent_the_server_span_starts_a_trace() {
    let (app, store) = app();
    call(&app, "GET", "/api/game/leaderboard", "", None).await;
    call(&app, "GET", "/api/game/leaderboard", "", Some("00-garbage")).await;
    let recent = store.recent_traces(10).unwrap();
    assert_eq!(recent.len(), 2, "two new traces");
    for t in recent {
        let spans = store.trace(&t.trace_id).unwrap();
        let server = spans.iter().find(|s| s.kind == 2).unwrap();
        assert_eq!(server.parent_span_id, None);
    }
}
