//! The devserver under hostile input, over real sockets: a huge trace answers whole while other
//! requests go on; bodies that would decode into millions of spans are refused before decoding
//! and the process stays small; slow clients are closed; a declared length over the limit is
//! refused at once and a body cut short is 400; the chat and the API refuse foreign origins and
//! hosts; the viewer and API carry security headers; a refused CORS origin is logged with the fix.
//! Each case is bounded to a few seconds.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playtrace_devserver::api::Settings;
use playtrace_devserver::ingest::StoredSpan;
use playtrace_devserver::store::Store;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_millis(500);

async fn serve_with(settings: Settings, store: Arc<Store>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings { served: Some(addr), read_timeout: TIMEOUT, ..settings };
    let app = playtrace_devserver::app(store, settings, None).unwrap();
    tokio::spawn(playtrace_devserver::serve::serve(listener, app, TIMEOUT, std::future::pending()));
    addr
}

async fn serve() -> (SocketAddr, Arc<Store>) {
    let store = Arc::new(Store::open(":memory:", 100_000).unwrap());
    let settings = Settings { allowed_origins: vec!["http://game.test:5173".into()], ..Settings::default() };
    (serve_with(settings, Arc::clone(&store)).await, store)
}

/// Sends raw bytes and reads the whole answer (until the server closes or 5 s pass).
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // A server that refuses early closes while a large body is still being written.
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// A raw request with `HOST` replaced by the server's address.
fn with_host(addr: SocketAddr, request: &str) -> Vec<u8> {
    request.replace("HOST", &addr.to_string()).into_bytes()
}

fn status(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn get(path: &str, host: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

fn span(trace: &str, id: usize, parent: Option<usize>) -> StoredSpan {
    StoredSpan {
        trace_id: trace.into(),
        span_id: format!("{:016x}", id + 1),
        parent_span_id: parent.map(|p| format!("{:016x}", p + 1)),
        name: format!("s{id}"),
        kind: 1,
        service: "svc".into(),
        start_ns: 1_000 + id as i64,
        end_ns: 2_000_000 + id as i64,
        status_code: 0,
        status_message: String::new(),
        attributes: json!({"i": id}),
        events: json!([]),
        links: json!([]),
        flags: 1,
        trace_state: String::new(),
    }
}

fn count(nodes: &Value) -> usize {
    nodes.as_array().unwrap().iter().map(|n| 1 + count(&n["children"])).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_of_20000_spans_answers_whole_while_other_requests_go_on() {
    let (addr, store) = serve().await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    // A root, 200 children, each with 99 children of its own; and a cycle that must not hang.
    let mut spans = vec![span(trace, 0, None)];
    for i in 1..=200 {
        spans.push(span(trace, i, Some(0)));
    }
    for i in 201..20_000 {
        spans.push(span(trace, i, Some(1 + (i - 201) % 200)));
    }
    spans[19_999].parent_span_id = Some(format!("{:016x}", 19_999));
    spans[19_998].parent_span_id = Some(format!("{:016x}", 20_000));
    store.insert(&spans).unwrap();

    let started = Instant::now();
    let whole = tokio::spawn(async move { raw(addr, &get(&format!("/api/traces/{trace}"), &addr.to_string())).await });
    // Meanwhile the list answers.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let other = Instant::now();
    let list = raw(addr, &get("/api/traces", &addr.to_string())).await;
    let other_took = other.elapsed();
    assert_eq!(status(&list), 200);
    let answer = whole.await.unwrap();
    let took = started.elapsed();
    assert_eq!(status(&answer), 200);
    let body: Value = serde_json::from_str(&answer[answer.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["spanCount"], 20_000);
    assert_eq!(count(&body["roots"]), 20_000, "every span is in the tree, the cycle's as roots");
    println!("20,000-span trace answered in {took:?}; the list meanwhile in {other_took:?}");
    // The tree is linear (the old one took 45 s here); the bound leaves room for a debug build
    // on a loaded machine.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// The devserver binary on a free port with an in-memory store; its stderr lines are collected.
struct Binary {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Binary {
    fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_playtrace-devserver"))
            .args(["--addr", "127.0.0.1:0", "--db", ":memory:"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        // Kept open and drained: a closed pipe would end the server at its next line.
        std::thread::spawn(move || for _ in stdout.lines().map_while(Result::ok) {});
        let addr = first.trim().rsplit("http://").next().unwrap().parse().unwrap_or_else(|_| panic!("banner: {first}"));
        let stderr = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, addr, stderr }
    }

    /// Peak resident memory, in MB (Linux's VmHWM).
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(addr: SocketAddr, path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_millions_of_empty_spans_are_refused_before_decoding_and_memory_stays_small() {
    let bin = Binary::start(&[]);
    let addr = bin.addr;
    // 4 MB of protobuf: resource_spans { scope_spans { spans {} x ~2M } }.
    let spans = 2_000_000usize;
    let inner_len = spans * 2;
    let mut scope = vec![0x12];
    let mut n = inner_len;
    while n >= 0x80 {
        scope.push((n as u8) | 0x80);
        n >>= 7;
    }
    scope.push(n as u8);
    scope.extend(std::iter::repeat_n([0x12u8, 0x00], spans).flatten());
    let mut rs = vec![0x0a];
    let mut n = scope.len();
    while n >= 0x80 {
        rs.push((n as u8) | 0x80);
        n >>= 7;
    }
    rs.push(n as u8);
    rs.extend(scope);
    assert!(rs.len() <= 4 * 1024 * 1024);
    // And the JSON of the same: {"resourceSpans":[{"scopeSpans":[{"spans":[{},{},...]}]}]}
    let mut js = b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[".to_vec();
    js.extend(std::iter::repeat_n(*b"{},", 1_300_000).flatten());
    js.extend_from_slice(b"{}]}]}]}");
    let zipkin: Vec<u8> = [&b"["[..], &b"{},".repeat(1_300_000), &b"{}]"[..]].concat();
    let bodies = [
        ("/v1/traces", "application/x-protobuf", Arc::new(rs)),
        ("/v1/traces", "application/json", Arc::new(js)),
        ("/api/v2/spans", "application/json", Arc::new(zipkin)),
    ];
    let mut sends = Vec::new();
    for round in 0..8 {
        let (path, ct, body) = bodies[round % 3].clone();
        sends.push(tokio::spawn(async move { raw(addr, &post(addr, path, ct, &body)).await }));
    }
    for s in sends {
        let answer = s.await.unwrap();
        assert_eq!(status(&answer), 413, "{}", &answer[..answer.len().min(300)]);
        assert!(answer.contains("more than 20000 spans"), "{}", &answer[..answer.len().min(300)]);
    }
    let peak = bin.peak_rss_mb();
    println!("peak RSS after 8 hostile bodies at once: {peak:.1} MB");
    assert!(peak < 200.0, "peak RSS {peak:.1} MB");
}

#[tokio::test]
async fn slow_clients_are_closed_and_lengths_are_checked() {
    let (addr, _) = serve().await;
    // 500 connections that send half a request and stall are all closed within the deadline.
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..500 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&with_host(addr, "POST /v1/traces HTTP/1.1\r\nHost: HOST\r\nContent-")).await.unwrap();
        stalled.push(s);
    }
    for mut s in stalled {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "a stalled connection was still open after {:?}", started.elapsed());
    }
    println!("500 stalled connections closed within {:?}", started.elapsed());

    // Headers, then a body that never comes: 408.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&with_host(addr, "POST /v1/traces HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"resou"))
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    assert_eq!(status(&String::from_utf8_lossy(&out)), 408);

    // A declared length over the limit is refused at once, without waiting for the body.
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&with_host(addr, "POST /v1/traces HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n"))
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert_eq!(status(&answer), 413, "{answer}");
    assert!(t.elapsed() < TIMEOUT, "answered before any read deadline");

    // A body cut short (the client closes its side early) is 400, not 413.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&with_host(
        addr,
        "POST /v1/traces HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}",
    ))
    .await
    .unwrap();
    s.shutdown().await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    let answer = String::from_utf8_lossy(&out);
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("ended before its Content-Length"));
}

fn upgrade(origin: &str, addr: SocketAddr) -> Vec<u8> {
    format!(
        "GET /api/game/ws HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

async fn first_line(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = [0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.unwrap().unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn foreign_origins_and_hosts_are_refused_and_pages_carry_security_headers() {
    let (addr, _) = serve().await;
    // The chat: another site's page cannot open it; the game's own page and allowed ones can.
    assert_eq!(status(&first_line(addr, &upgrade("http://evil.example", addr)).await), 403);
    assert_eq!(status(&first_line(addr, &upgrade(&format!("http://{addr}"), addr)).await), 101);
    assert_eq!(status(&first_line(addr, &upgrade("http://game.test:5173", addr)).await), 101);

    // DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends Host: evil.example.
    let port = addr.port();
    for host in [format!("evil.example:{port}"), "evil.example".into(), format!("127.0.0.1:{}", port.wrapping_add(1))] {
        let answer = raw(addr, &get("/api/traces", &host)).await;
        assert_eq!(status(&answer), 421, "Host {host}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(status(&raw(addr, &get("/api/traces", &host)).await), 200, "Host {host}");
    }

    let host = format!("127.0.0.1:{port}");
    for path in ["/viewer/", "/api/traces", "/viewer/viewer.js"] {
        let answer = raw(addr, &get(path, &host)).await.to_ascii_lowercase();
        assert_eq!(status(&answer), 200, "{path}");
        assert!(answer.contains("x-content-type-options: nosniff"), "{path}");
        assert!(answer.contains("content-security-policy: default-src 'self'; script-src 'self';"), "{path}");
        assert!(answer.contains("frame-ancestors 'none'"), "{path}");
    }
    let viewer = raw(addr, &get("/viewer/", &host)).await;
    assert!(!viewer.contains("<script>"), "no inline script: the policy would block it");
}

#[tokio::test]
async fn zipkin_spans_with_negative_durations_or_bad_tags_get_400() {
    let (addr, store) = serve().await;
    let span = |extra: Value| {
        let mut s = json!({"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "id": "00f067aa0ba902b7", "name": "x",
            "timestamp": 1_700_000_000_000_000i64, "duration": 5});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        serde_json::to_vec(&json!([s])).unwrap()
    };
    for bad in [json!({"duration": -5}), json!({"tags": ["a"]}), json!({"tags": "x"}), json!({"tags": {"n": 1}})] {
        let answer = raw(addr, &post(addr, "/api/v2/spans", "application/json", &span(bad.clone()))).await;
        assert_eq!(status(&answer), 400, "{bad}: {answer}");
    }
    assert_eq!(store.span_count().unwrap(), 0);
    let answer = raw(addr, &post(addr, "/api/v2/spans", "application/json", &span(json!({"tags": {"k": "v"}})))).await;
    assert_eq!(status(&answer), 202, "{answer}");
}

#[test]
fn a_refused_cors_origin_is_logged_once_with_the_fix_and_a_busy_port_names_the_setting() {
    let bin = Binary::start(&["--allow-origin", "http://good.test"]);
    for _ in 0..3 {
        let mut s = std::net::TcpStream::connect(bin.addr).unwrap();
        let request = with_host(
            bin.addr,
            "OPTIONS /v1/traces HTTP/1.1\r\nHost: HOST\r\nOrigin: http://localhost:5173\r\n\
             Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n",
        );
        std::io::Write::write_all(&mut s, &request).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(!out.to_ascii_lowercase().contains("access-control-allow-origin"));
    }
    let until = Instant::now() + Duration::from_secs(5);
    let fix = "make devserver ORIGIN=http://localhost:5173";
    while Instant::now() < until && !bin.stderr.lock().unwrap().iter().any(|l| l.contains(fix)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let said = bin.stderr.lock().unwrap().iter().filter(|l| l.contains(fix)).count();
    assert_eq!(said, 1, "{:?}", bin.stderr.lock().unwrap());

    // Another devserver on the same address says how to choose another.
    let out = Command::new(env!("CARGO_BIN_EXE_playtrace-devserver"))
        .args(["--addr", &bin.addr.to_string(), "--db", ":memory:"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLAYTRACE_ADDR"));
}
