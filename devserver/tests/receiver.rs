//! The receivers' answers to good and bad input, the store's cap, and the query API, driven
//! through the router as HTTP requests.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use playtrace::core::encode::{Encoder, Format, Resource};
use playtrace::core::ids::IdGenerator;
use playtrace::core::span::{SpanData, SpanKind, SpanLimits, Status};
use playtrace::core::span_context::{SpanContext, TraceFlags};
use playtrace_devserver::api::{router, Settings};
use playtrace_devserver::store::Store;
use prost::Message;
use serde_json::{json, Value};
use tower::ServiceExt;

const GAME: &str = "http://127.0.0.1:8080";

fn app(max_body_bytes: usize, max_spans: usize) -> (Router, Arc<Store>) {
    let store = Arc::new(Store::open(":memory:", max_spans).unwrap());
    let settings = Settings { max_body_bytes, allowed_origins: vec![GAME.into()], ..Settings::default() };
    (router(Arc::clone(&store), settings), store)
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes())
}

fn post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, content_type).body(body.into()).unwrap()
}

fn json_of(b: &Bytes) -> Value {
    serde_json::from_slice(b).unwrap()
}

/// A client action span with a fetch child, encoded by playtrace itself.
fn trace_spans() -> Vec<SpanData> {
    let mut ids = IdGenerator::from_seed(5);
    let root_cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
    let mut root =
        SpanData::new(root_cx.clone(), None, "buy_item", SpanKind::Internal, 1_000_000_000, SpanLimits::default());
    let child_cx = SpanContext::new(root_cx.trace_id, ids.span_id(), TraceFlags::SAMPLED, false);
    let mut child =
        SpanData::new(child_cx, Some(&root_cx), "POST", SpanKind::Client, 1_100_000_000, SpanLimits::default());
    child.set_attribute("http.response.status_code", 500i64.into());
    child.set_status(Status::Error("boom".into()));
    child.end(1_500_000_000);
    root.end(2_000_000_000);
    vec![root, child]
}

fn otlp_body(spans: &[SpanData]) -> String {
    let enc = Encoder::new(Format::OtlpJson, &Resource::new("arena-web"), "playtrace", "0.1.0");
    enc.encode_bodies(spans, 60_000, 512).remove(0).json
}

#[tokio::test]
async fn otlp_json_from_playtrace_is_stored_and_served_as_a_tree() {
    let (app, store) = app(1 << 20, 1000);
    let spans = trace_spans();
    let (status, _, body) = send(&app, post("/v1/traces", "application/json", otlp_body(&spans))).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(json_of(&body), json!({}), "no partialSuccess when everything was accepted");
    assert_eq!(store.span_count().unwrap(), 2);

    let (status, _, body) = send(&app, Request::get("/api/traces").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let list = json_of(&body);
    let trace_id = spans[0].context.trace_id.to_string();
    assert_eq!(list[0]["traceId"], trace_id);
    assert_eq!(list[0]["rootName"], "buy_item");
    assert_eq!(list[0]["spanCount"], 2);
    assert_eq!(list[0]["error"], true);
    assert_eq!(list[0]["durationNs"], 1_000_000_000);

    let (status, _, body) =
        send(&app, Request::get(format!("/api/traces/{trace_id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let t = json_of(&body);
    assert_eq!(t["roots"][0]["name"], "buy_item");
    assert_eq!(t["roots"][0]["service"], "arena-web");
    let child = &t["roots"][0]["children"][0];
    assert_eq!((child["name"].as_str(), child["kind"].as_i64()), (Some("POST"), Some(3)));
    assert_eq!(child["status"], json!({"code": 2, "message": "boom"}));
    assert_eq!(child["attributes"]["http.response.status_code"], 500);
    assert_eq!(child["flags"], 1, "the W3C trace flags the span was sent with");
    assert_eq!(child["traceState"], "");
}

#[tokio::test]
async fn trace_flags_and_tracestate_are_stored_and_served() {
    let (server, _) = app(1 << 20, 1000);
    let mut body: Value = serde_json::from_str(&otlp_body(&trace_spans())).unwrap();
    let span = &mut body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    span["flags"] = json!(0x303); // has-remote bits above the W3C byte: random and sampled
    span["traceState"] = json!("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    let trace_id = span["traceId"].as_str().unwrap().to_owned();
    let (status, _, _) = send(&server, post("/v1/traces", "application/json", body.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, b) = send(&server, Request::get(format!("/api/traces/{trace_id}")).body(Body::empty()).unwrap()).await;
    let root = &json_of(&b)["roots"][0];
    assert_eq!(root["flags"], 3);
    assert_eq!(root["traceState"], "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

#[tokio::test]
async fn otlp_protobuf_gets_a_protobuf_answer() {
    let (app, store) = app(1 << 20, 1000);
    let req: ExportTraceServiceRequest = serde_json::from_str(&otlp_body(&trace_spans())).unwrap();
    let (status, headers, body) = send(&app, post("/v1/traces", "application/x-protobuf", req.encode_to_vec())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-protobuf");
    assert_eq!(ExportTraceServiceResponse::decode(body).unwrap().partial_success, None);
    assert_eq!(store.span_count().unwrap(), 2);
}

#[tokio::test]
async fn malformed_bodies_get_400_with_the_reason() {
    let (app, store) = app(1 << 20, 1000);
    for (ct, body) in [
        ("application/json", "{ not json"),
        ("application/json", "{\"resourceSpans\": 5}"),
        ("application/x-protobuf", "\u{ff}\u{ff}\u{ff}"),
    ] {
        let (status, _, b) = send(&app, post("/v1/traces", ct, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{ct} {body}");
        let reason = json_of(&b)["message"].as_str().unwrap().to_owned();
        assert!(reason.starts_with("invalid OTLP"), "{reason}");
    }
    let (status, _, b) = send(&app, post("/v1/traces", "text/plain", "x")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(json_of(&b)["message"].as_str().unwrap().contains("application/json"));
    let (status, _, _) = send(&app, post("/api/v2/spans", "application/json", "[{")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(store.span_count().unwrap(), 0, "nothing stored from bad requests");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_with_the_reason() {
    let (app, store) = app(1000, 1000);
    let big = format!("{{\"resourceSpans\":[],\"pad\":\"{}\"}}", "x".repeat(2000));
    let (status, _, b) = send(&app, post("/v1/traces", "application/json", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_of(&b)["message"], "request body is larger than 1000 bytes");
    assert_eq!(store.span_count().unwrap(), 0);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn post_encoded(path: &str, content_type: &str, encoding: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_ENCODING, encoding)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn gzip_bodies_are_decoded_as_otlp_exporters_send_them() {
    let (server, store) = app(1 << 20, 1000);
    let json = otlp_body(&trace_spans());
    let (status, _, b) =
        send(&server, post_encoded("/v1/traces", "application/json", "gzip", gzip(json.as_bytes()))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let proto = serde_json::from_str::<ExportTraceServiceRequest>(&json).unwrap().encode_to_vec();
    let (status, _, _) =
        send(&server, post_encoded("/v1/traces", "application/x-protobuf", "gzip", gzip(&proto))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(store.span_count().unwrap(), 2, "the same two spans, stored once each");

    // Not gzip at all, an encoding it does not take, and a small body that inflates too far.
    let (status, _, b) =
        send(&server, post_encoded("/v1/traces", "application/json", "gzip", json.clone().into_bytes())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json_of(&b)["message"].as_str().unwrap().starts_with("invalid gzip body"));
    let (status, _, b) =
        send(&server, post_encoded("/v1/traces", "application/json", "br", json.clone().into_bytes())).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json_of(&b)["message"], "content encoding \"br\": send gzip or none");
    let (small, _) = app(1000, 1000);
    let bomb = gzip(&vec![b' '; 100_000]);
    assert!(bomb.len() < 1000);
    let (status, _, _) = send(&small, post_encoded("/v1/traces", "application/json", "gzip", bomb)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_partly_invalid_batch_stores_the_valid_spans_and_reports_the_rest() {
    let (app, store) = app(1 << 20, 1000);
    let mut body: Value = serde_json::from_str(&otlp_body(&trace_spans())).unwrap();
    let spans = body.pointer_mut("/resourceSpans/0/scopeSpans/0/spans").unwrap().as_array_mut().unwrap();
    let mut bad = spans[1].clone();
    bad["traceId"] = json!("00000000000000000000000000000000");
    spans.push(bad);
    let (status, _, b) = send(&app, post("/v1/traces", "application/json", body.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let answer = json_of(&b);
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], "1");
    assert!(answer["partialSuccess"]["errorMessage"].as_str().unwrap().contains("traceId"));
    assert_eq!(store.span_count().unwrap(), 2);
}

#[tokio::test]
async fn zipkin_from_playtrace_is_accepted_and_bad_spans_reported() {
    let (app, store) = app(1 << 20, 1000);
    let enc = Encoder::new(Format::ZipkinJson, &Resource::new("arena-web"), "playtrace", "0.1.0");
    let mut list: Value = serde_json::from_str(&enc.encode_bodies(&trace_spans(), 60_000, 10)[0].json).unwrap();
    list.as_array_mut().unwrap().push(json!({"traceId": "xyz", "id": "1"}));
    let (status, _, b) = send(&app, post("/api/v2/spans", "application/json", list.to_string())).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!((json_of(&b)["accepted"].as_i64(), json_of(&b)["rejected"].as_i64()), (Some(2), Some(1)));
    assert_eq!(store.span_count().unwrap(), 2);
    let trace_id = trace_spans()[0].context.trace_id.to_string();
    let t = store.trace(&trace_id).unwrap();
    let child = t.iter().find(|s| s.name == "POST").unwrap();
    assert_eq!((child.kind, child.status_code, child.service.as_str()), (3, 2, "arena-web"));
    assert_eq!(child.start_ns, 1_100_000_000);
}

#[tokio::test]
async fn cors_answers_only_configured_origins_with_credentials() {
    let (app, _) = app(1 << 20, 1000);
    let preflight = Request::options("/v1/traces")
        .header(header::ORIGIN, GAME)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type,content-encoding")
        .body(Body::empty())
        .unwrap();
    let (status, h, _) = send(&app, preflight).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], GAME);
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "content-type,content-encoding");
    // Cached for two hours: one preflight a session, not one a request.
    assert_eq!(h[header::ACCESS_CONTROL_MAX_AGE], "7200");
    let mut post_req = post("/v1/traces", "application/json", otlp_body(&trace_spans()));
    post_req.headers_mut().insert(header::ORIGIN, GAME.parse().unwrap());
    let (status, h, _) = send(&app, post_req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], GAME);
    let mut other = post("/v1/traces", "application/json", otlp_body(&trace_spans()));
    other.headers_mut().insert(header::ORIGIN, "http://evil.example".parse().unwrap());
    let (_, h, _) = send(&app, other).await;
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "no CORS for other origins");
}

#[tokio::test]
async fn the_store_keeps_at_most_its_cap_newest_first() {
    let (app, store) = app(1 << 20, 3);
    let mut ids = IdGenerator::from_seed(9);
    let mut names = Vec::new();
    for i in 0..5u64 {
        let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let mut s = SpanData::new(cx, None, format!("s{i}"), SpanKind::Internal, 1_000 + i, SpanLimits::default());
        s.end(2_000 + i);
        names.push(s.context.trace_id.to_string());
        let (status, _, _) = send(&app, post("/v1/traces", "application/json", otlp_body(&[s]))).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(store.span_count().unwrap(), 3);
    let recent: Vec<String> = store.recent_traces(10).unwrap().into_iter().map(|t| t.trace_id).collect();
    assert_eq!(recent, vec![names[4].clone(), names[3].clone(), names[2].clone()]);
    let (status, _, _) = send(&app, Request::get("/api/traces/not-a-trace").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) =
        send(&app, Request::get(format!("/api/traces/{}", names[0])).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "dropped by the cap");
}

#[tokio::test]
async fn a_service_name_is_listed_whole_whatever_it_holds() {
    let (app, store) = app(1 << 20, 100);
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let resource = |name: &str, span: &str| {
        format!(
            r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{name}"}}}}]}},
              "scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"{span}","name":"s","kind":1,
              "startTimeUnixNano":"1000","endTimeUnixNano":"2000"}}]}}]}}"#
        )
    };
    let body = format!(
        r#"{{"resourceSpans":[{},{}]}}"#,
        resource("arena, eu-west", "00000000000000a1"),
        resource(r#"chat \"live\""#, "00000000000000a2")
    );
    let (status, _, answer) = send(&app, post("/v1/traces", "application/json", body)).await;
    assert_eq!(status, StatusCode::OK, "{answer:?}");
    let services = store.recent_traces(10).unwrap().remove(0).services;
    assert_eq!(services, ["arena, eu-west", "chat \"live\""]);
}

#[test]
fn a_file_store_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("playtrace-devserver-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("traces.sqlite");
    let path = path.to_str().unwrap();
    let spans =
        playtrace_devserver::ingest::otlp("application/json", otlp_body(&trace_spans()).as_bytes()).unwrap().spans;
    Store::open(path, 100).unwrap().insert(&spans).unwrap();
    let reopened = Store::open(path, 100).unwrap();
    assert_eq!(reopened.span_count().unwrap(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_store_from_before_flags_were_kept_is_upgraded_in_place() {
    let dir = std::env::temp_dir().join(format!("playtrace-devserver-old-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("traces.sqlite");
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(
        "CREATE TABLE spans (id INTEGER PRIMARY KEY AUTOINCREMENT, trace_id TEXT NOT NULL, span_id TEXT NOT NULL,
           parent_span_id TEXT, name TEXT NOT NULL, kind INTEGER NOT NULL, service TEXT NOT NULL,
           start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, status_code INTEGER NOT NULL,
           status_message TEXT NOT NULL, attributes TEXT NOT NULL, events TEXT NOT NULL,
           UNIQUE (trace_id, span_id) ON CONFLICT REPLACE);
         INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns, status_code,
           status_message, attributes, events)
         VALUES ('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', NULL, 'old', 1, 'web', 1, 2, 0, '', '{}', '[]');",
    )
    .unwrap();
    drop(old);
    let store = Store::open(path.to_str().unwrap(), 100).unwrap();
    let spans = store.trace("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
    assert_eq!((spans[0].name.as_str(), spans[0].flags, spans[0].trace_state.as_str()), ("old", 1, ""));
    std::fs::remove_dir_all(&dir).unwrap();
}
