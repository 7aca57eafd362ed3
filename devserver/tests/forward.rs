//! `--forward`: what one devserver stores (browser spans and its own SDK spans) arrives, as OTLP,
//! at another receiver standing in for a real Collector.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use playtrace::core::encode::{Encoder, Format, Resource};
use playtrace::core::ids::IdGenerator;
use playtrace::core::span::{AttributeValue, SpanData, SpanKind, SpanLimits};
use playtrace::core::span_context::{SpanContext, TraceFlags};
use playtrace_devserver::api::Settings;
use playtrace_devserver::store::Store;
use tower::ServiceExt;

fn settings() -> Settings {
    Settings { max_body_bytes: 1 << 20, ..Settings::default() }
}

#[tokio::test]
async fn everything_stored_is_forwarded_as_otlp() {
    // The stand-in collector, on a free loopback port, stopped with the test.
    let collector = Arc::new(Store::open(":memory:", 1000).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let collector_app = playtrace_devserver::app(Arc::clone(&collector), settings(), None).unwrap();
    tokio::spawn(async move { axum::serve(listener, collector_app).await });

    let store = Arc::new(Store::open(":memory:", 1000).unwrap());
    store.forward_to(playtrace_devserver::forward::start(&format!("http://{addr}/v1/traces")).unwrap());
    let app = playtrace_devserver::app(Arc::clone(&store), settings(), None).unwrap();

    // A browser span, then an API call under it (the SDK's spans).
    let mut ids = IdGenerator::from_seed(3);
    let mut cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
    cx.trace_state = playtrace::core::propagation::TraceState::parse("rojo=00f067aa0ba902b7").unwrap();
    let mut click =
        SpanData::new(cx.clone(), None, "buy_item", SpanKind::Internal, 1_000_000_000, SpanLimits::default());
    click.set_attribute("game.item", "sword".into());
    // Types JSON alone would lose: arrays, and a double that happens to be whole.
    click.set_attribute("game.tags", AttributeValue::StringArray(vec!["rare".into(), "blue".into()]));
    click.set_attribute("game.ratio", 2.0f64.into());
    click.set_attribute("game.levels", AttributeValue::IntArray(vec![1, 2, 3]));
    click.end(1_200_000_000);
    let resource = Resource::new("arena-web").with("service.version", "0.1.0".into());
    let body = Encoder::new(Format::OtlpJson, &resource, "playtrace", "0.1.0")
        .encode_bodies(&[click], 60_000, 10)
        .remove(0)
        .json;
    let res = app
        .clone()
        .oneshot(
            Request::post("/v1/traces")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .oneshot(
            Request::post("/api/game/buy")
                .header(header::CONTENT_TYPE, "application/json")
                .header("traceparent", cx.to_traceparent())
                .body(Body::from(r#"{"player":"ada","item":"potion"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let trace = cx.trace_id.to_string();
    let local = store.trace(&trace).unwrap();
    let mut forwarded = Vec::new();
    for _ in 0..100 {
        forwarded = collector.trace(&trace).unwrap();
        if forwarded.len() == local.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(local.len(), 4, "click, server span, validation, query");
    assert_eq!(forwarded.len(), local.len(), "everything arrived");
    for l in &local {
        let f = forwarded.iter().find(|f| f.span_id == l.span_id).unwrap();
        assert_eq!((&f.name, &f.parent_span_id, f.kind, &f.service), (&l.name, &l.parent_span_id, l.kind, &l.service));
        assert_eq!((f.start_ns, f.end_ns, f.status_code), (l.start_ns, l.end_ns, l.status_code));
        for (k, v) in l.attributes.as_object().unwrap() {
            assert_eq!(f.attributes.get(k), Some(v), "{}: {k}", l.name);
        }
    }
    let click = forwarded.iter().find(|f| f.name == "buy_item").unwrap();
    assert_eq!(click.attributes["resource.service.version"], "0.1.0", "resource attributes travel as a resource");
    assert_eq!(click.attributes["game.tags"], serde_json::json!(["rare", "blue"]), "arrays stay arrays");
    assert_eq!(click.attributes["game.levels"], serde_json::json!([1, 2, 3]));
    assert!(click.attributes["game.ratio"].is_f64(), "a whole double stays a double");
    assert_eq!(click.attributes["otel.scope.name"], "playtrace", "the scope travels as a scope");
    assert_eq!((click.flags, click.trace_state.as_str()), (1, "rojo=00f067aa0ba902b7"));
    let server = forwarded.iter().find(|f| f.kind == 2).unwrap();
    assert_eq!(server.attributes["otel.scope.name"], "playtrace-devserver", "the SDK's scope too");
}

#[tokio::test]
async fn only_http_urls_can_be_forwarded_to() {
    for bad in ["https://collector.example/v1/traces", "ftp://x/", "not a url"] {
        let e = playtrace_devserver::forward::start(bad).unwrap_err();
        assert!(e.contains("--forward"), "{e}");
    }
}
