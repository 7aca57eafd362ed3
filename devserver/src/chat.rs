//! The demo game's chat, a WebSocket at `/api/game/ws`. A player's message is a JSON object
//! `{"type": "chat", "player", "text"}` that carries the sender's trace context as its
//! `traceparent` and `tracestate` fields. The handler continues that trace with the
//! OpenTelemetry SDK: a CONSUMER span `process chat` (the SDK's `TraceContextPropagator` reads
//! the fields), its `db.insert chat` child, and a PRODUCER span `send chat` whose context the
//! broadcast to every player carries. A message the chat cannot take is answered, to its
//! sender only, with `{"type": "error", "error"}` naming what is wrong.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use rusqlite::params;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use crate::game::{nanos, player_ok, Game};

/// The largest message the chat reads; a larger one closes the connection (code 1009).
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// The longest chat line, in characters.
const MAX_TEXT_CHARS: usize = 280;
/// Broadcasts a slow player may fall behind by before missing some.
const BACKLOG: usize = 256;

/// The chat room: every connected player gets every broadcast.
pub struct Chat {
    game: Arc<Game>,
    room: broadcast::Sender<String>,
}

/// The string fields of a JSON message, as the SDK's propagator reads and writes them.
struct Fields(HashMap<String, String>);

impl Extractor for Fields {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

impl Injector for Fields {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

impl Chat {
    /// A chat room whose lines are kept in the game's database.
    pub fn new(game: Arc<Game>) -> rusqlite::Result<Arc<Self>> {
        game.db().execute_batch(
            "CREATE TABLE IF NOT EXISTS chat (player TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL);",
        )?;
        let (room, _) = broadcast::channel(BACKLOG);
        Ok(Arc::new(Self { game, room }))
    }

    /// Handles one message: the broadcast to send to everyone, or the error for its sender.
    /// Synchronous, so the SDK's context guard never crosses an `await`.
    fn handle(&self, text: &str) -> Result<String, String> {
        let message: Map<String, Value> = match serde_json::from_str(text) {
            Ok(Value::Object(m)) => m,
            _ => return Err("a message must be a JSON object".to_owned()),
        };
        let fields = Fields(
            message.iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned()))).collect(),
        );
        let parent = TraceContextPropagator::new().extract(&fields);
        let tracer = self.game.tracer();
        let span = tracer
            .span_builder("process chat")
            .with_kind(SpanKind::Consumer)
            .with_attributes(vec![
                KeyValue::new("network.protocol.name", "websocket"),
                KeyValue::new("messaging.operation.type", "process"),
                KeyValue::new("messaging.destination.name", "chat"),
                KeyValue::new("messaging.message.body.size", text.len() as i64),
            ])
            .start_with_context(tracer, &parent);
        let cx = parent.with_span(span);
        let _guard = cx.clone().attach();
        let result = self.post(&message);
        if let Err(e) = &result {
            cx.span().set_status(Status::error(e.clone()));
        }
        cx.span().end();
        result
    }

    /// Validates and stores a chat line, and makes its broadcast in a PRODUCER span.
    fn post(&self, message: &Map<String, Value>) -> Result<String, String> {
        if message.get("type").and_then(Value::as_str) != Some("chat") {
            return Err("type must be \"chat\"".to_owned());
        }
        let player = message.get("player").and_then(Value::as_str).unwrap_or_default();
        player_ok(player)?;
        let text = message.get("text").and_then(Value::as_str).unwrap_or_default().trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(format!("text must be 1 to {MAX_TEXT_CHARS} characters"));
        }
        Context::current().span().set_attribute(KeyValue::new("game.player", player.to_owned()));
        let at = nanos(SystemTime::now());
        self.game.child("db.insert chat", vec![KeyValue::new("db.system.name", "sqlite")], || {
            self.game
                .db()
                .execute("INSERT INTO chat (player, text, at) VALUES (?1, ?2, ?3)", params![player, text, at])
                .map_err(|e| e.to_string())
        })?;
        let tracer = self.game.tracer();
        let span = tracer
            .span_builder(Cow::Borrowed("send chat"))
            .with_kind(SpanKind::Producer)
            .with_attributes(vec![
                KeyValue::new("network.protocol.name", "websocket"),
                KeyValue::new("messaging.operation.type", "send"),
                KeyValue::new("messaging.destination.name", "chat"),
                KeyValue::new("messaging.batch.message_count", self.room.receiver_count() as i64),
            ])
            .start(tracer);
        let cx = Context::current().with_span(span);
        let mut carrier = Fields(HashMap::new());
        TraceContextPropagator::new().inject_context(&cx, &mut carrier);
        let mut out = json!({ "type": "chat", "player": player, "text": text, "at": at / 1_000_000 });
        for (k, v) in carrier.0 {
            out[k] = Value::String(v);
        }
        cx.span().end();
        Ok(out.to_string())
    }
}

/// One player's connection: their messages in, the room's broadcasts out.
async fn serve(chat: Arc<Chat>, mut socket: WebSocket) {
    let mut room = chat.room.subscribe();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        let error = json!({ "type": "error", "error": "messages must be text (JSON)" });
                        if socket.send(Message::Text(error.to_string().into())).await.is_err() { return; }
                        continue;
                    }
                    // The library answers a close (and pings) on the next read; the read after
                    // the closing handshake ends the stream.
                    Some(Ok(_)) => continue,
                    None | Some(Err(_)) => return,
                };
                match chat.handle(text.as_str()) {
                    Ok(line) => {
                        let _ = chat.room.send(line);
                    }
                    Err(error) => {
                        let error = json!({ "type": "error", "error": error });
                        if socket.send(Message::Text(error.to_string().into())).await.is_err() { return; }
                    }
                }
            }
            line = room.recv() => {
                match line {
                    Ok(line) => {
                        if socket.send(Message::Text(line.into())).await.is_err() { return; }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}

async fn upgrade(State(chat): State<Arc<Chat>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| serve(chat, socket))
}

/// The chat's route, `/api/game/ws`.
pub fn routes(chat: Arc<Chat>) -> Router {
    Router::new().route("/api/game/ws", get(upgrade)).with_state(chat)
}
