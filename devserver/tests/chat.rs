//! The chat WebSocket, over a real socket: a message that carries trace context is processed in
//! that trace by the OpenTelemetry SDK, and the broadcast carries the SDK's PRODUCER span as its
//! parent for the players who receive it; a message the chat cannot take is answered with a
//! reason, to its sender only.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use playtrace_devserver::api::Settings;
use playtrace_devserver::store::Store;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve() -> (String, Arc<Store>) {
    let store = Arc::new(Store::open(":memory:", 10_000).unwrap());
    let settings = Settings { max_body_bytes: 1 << 20, ..Settings::default() };
    let app = playtrace_devserver::app(Arc::clone(&store), settings, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/api/game/ws", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, store)
}

async fn connect(url: &str) -> Socket {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message in 5 s");
        if let Message::Text(text) = msg.unwrap().unwrap() {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// The code of the close frame the server sends, waiting at most 5 s; `None` if the connection
/// ended without one.
async fn close_code(ws: &mut Socket) -> Option<u16> {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("closed in 5 s")
}

async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test]
async fn a_chat_line_is_processed_in_the_senders_trace_and_broadcast_with_the_servers_context() {
    let (url, store) = serve().await;
    let mut ada = connect(&url).await;
    let mut bo = connect(&url).await;
    let traceparent = format!("00-{TRACE}-{CLIENT_SPAN}-01");
    send(&mut ada, json!({ "type": "chat", "player": "ada", "text": "gg", "traceparent": traceparent })).await;
    let to_ada = next_json(&mut ada).await;
    let to_bo = next_json(&mut bo).await;
    assert_eq!(to_ada, to_bo, "every player gets the same line");
    assert_eq!((to_ada["player"].as_str(), to_ada["text"].as_str()), (Some("ada"), Some("gg")));

    let spans = store.trace(TRACE).unwrap();
    let process = spans.iter().find(|s| s.name == "process chat").expect("the SDK's CONSUMER span");
    assert_eq!((process.kind, process.parent_span_id.as_deref()), (5, Some(CLIENT_SPAN)));
    assert_eq!(process.service, "arena-api");
    assert_eq!(process.attributes["game.player"], "ada");
    let insert = spans.iter().find(|s| s.name == "db.insert chat").expect("the query");
    assert_eq!(insert.parent_span_id.as_deref(), Some(process.span_id.as_str()));
    let send = spans.iter().find(|s| s.name == "send chat").expect("the SDK's PRODUCER span");
    assert_eq!((send.kind, send.parent_span_id.as_deref()), (4, Some(process.span_id.as_str())));
    assert_eq!(to_ada["traceparent"].as_str().unwrap(), format!("00-{TRACE}-{}-01", send.span_id));
}

#[tokio::test]
async fn a_line_without_context_starts_its_own_trace() {
    let (url, _store) = serve().await;
    let mut ada = connect(&url).await;
    send(&mut ada, json!({ "type": "chat", "player": "ada", "text": "hello" })).await;
    let line = next_json(&mut ada).await;
    let tp = line["traceparent"].as_str().unwrap();
    assert!(tp.starts_with("00-") && !tp.contains(TRACE), "{tp}");
}

#[tokio::test]
async fn a_message_the_chat_cannot_take_is_answered_with_the_reason_to_its_sender_only() {
    let (url, store) = serve().await;
    let mut ada = connect(&url).await;
    let mut bo = connect(&url).await;
    let traceparent = format!("00-{TRACE}-{CLIENT_SPAN}-01");
    ada.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(next_json(&mut ada).await["error"], "a message must be a JSON object");
    send(&mut ada, json!({ "type": "move", "player": "ada" })).await;
    assert_eq!(next_json(&mut ada).await["error"], "type must be \"chat\"");
    let long = "x".repeat(281);
    send(&mut ada, json!({ "type": "chat", "player": "ada", "text": long, "traceparent": traceparent })).await;
    assert_eq!(next_json(&mut ada).await["error"], "text must be 1 to 280 characters");
    send(&mut ada, json!({ "type": "chat", "player": "a b", "text": "hi" })).await;
    assert!(next_json(&mut ada).await["error"].as_str().unwrap().starts_with("player must be"));
    ada.send(Message::Binary(vec![1, 2, 3].into())).await.unwrap();
    assert_eq!(next_json(&mut ada).await["error"], "messages must be text (JSON)");
    // The error span is in the sender's trace; nothing reached the other player.
    let process = store.trace(TRACE).unwrap().into_iter().find(|s| s.name == "process chat").unwrap();
    assert_eq!((process.status_code, process.status_message.as_str()), (2, "text must be 1 to 280 characters"));
    send(&mut ada, json!({ "type": "chat", "player": "ada", "text": "ok" })).await;
    assert_eq!(next_json(&mut bo).await["text"], "ok", "bo's first message is the first valid line");
}

#[tokio::test]
async fn a_close_is_answered_so_the_player_sees_a_clean_close() {
    let (url, _store) = serve().await;
    let mut ada = connect(&url).await;
    ada.close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame { code: 1000.into(), reason: "bye".into() }))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ada).await, Some(1000), "the server echoes the close");
}

#[tokio::test]
async fn a_message_over_the_limit_closes_the_connection() {
    let (url, _store) = serve().await;
    let mut ada = connect(&url).await;
    let huge = "x".repeat(20 * 1024);
    let _ = ada.send(Message::Text(huge.into())).await;
    let end = close_code(&mut ada).await;
    assert!(end.is_none() || end == Some(1009), "closed with {end:?}");
}
