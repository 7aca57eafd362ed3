//! The trace store: SQLite, in a file by default so traces survive a restart, capped at a
//! number of spans (the oldest go first).

use std::sync::Mutex;

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::Value;

use crate::ingest::StoredSpan;

/// A recent trace, for the list view.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TraceSummary {
    /// The trace ID.
    pub trace_id: String,
    /// The root span's name (the earliest span without a stored parent).
    pub root_name: String,
    /// Services with spans in it, sorted.
    pub services: Vec<String>,
    /// Spans stored.
    pub span_count: i64,
    /// Earliest start, ns.
    pub start_ns: i64,
    /// Latest end minus earliest start, ns.
    pub duration_ns: i64,
    /// Whether any span has an error status.
    pub error: bool,
}

/// The store.
pub struct Store {
    conn: Mutex<Connection>,
    max_spans: i64,
    /// `--forward`: every accepted batch also goes here.
    forward: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Vec<StoredSpan>>>>,
}

fn row_to_span(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSpan> {
    let json = |i: usize| -> rusqlite::Result<Value> {
        let text: String = row.get(i)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    };
    Ok(StoredSpan {
        trace_id: row.get(0)?,
        span_id: row.get(1)?,
        parent_span_id: row.get(2)?,
        name: row.get(3)?,
        kind: row.get(4)?,
        service: row.get(5)?,
        start_ns: row.get(6)?,
        end_ns: row.get(7)?,
        status_code: row.get(8)?,
        status_message: row.get(9)?,
        attributes: json(10)?,
        events: json(11)?,
        flags: row.get(12)?,
        trace_state: row.get(13)?,
        links: json(14)?,
    })
}

impl Store {
    /// Opens (or creates) the store at `path`; `:memory:` keeps it in memory.
    pub fn open(path: &str, max_spans: usize) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        // WAL lets the viewer read while the receiver writes; the pragma answers with a row.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS spans (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
               name TEXT NOT NULL, kind INTEGER NOT NULL, service TEXT NOT NULL,
               start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
               status_code INTEGER NOT NULL, status_message TEXT NOT NULL,
               attributes TEXT NOT NULL, events TEXT NOT NULL,
               flags INTEGER NOT NULL DEFAULT 1, trace_state TEXT NOT NULL DEFAULT '',
               links TEXT NOT NULL DEFAULT '[]',
               UNIQUE (trace_id, span_id) ON CONFLICT REPLACE);
             CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id);",
        )?;
        // A store written before flags and trace state were kept gets the columns, with the
        // defaults (sampled, no trace state) for the spans it has.
        let has = |column: &str| -> rusqlite::Result<bool> {
            conn.prepare("SELECT 1 FROM pragma_table_info('spans') WHERE name = ?1")?.exists(params![column])
        };
        if !has("flags")? {
            conn.execute_batch("ALTER TABLE spans ADD COLUMN flags INTEGER NOT NULL DEFAULT 1")?;
        }
        if !has("trace_state")? {
            conn.execute_batch("ALTER TABLE spans ADD COLUMN trace_state TEXT NOT NULL DEFAULT ''")?;
        }
        if !has("links")? {
            conn.execute_batch("ALTER TABLE spans ADD COLUMN links TEXT NOT NULL DEFAULT '[]'")?;
        }
        Ok(Self { conn: Mutex::new(conn), max_spans: max_spans.max(1) as i64, forward: Mutex::new(None) })
    }

    /// Also hands every stored batch to `forward` (see [`crate::forward`]).
    pub fn forward_to(&self, forward: tokio::sync::mpsc::UnboundedSender<Vec<StoredSpan>>) {
        *self.forward.lock().unwrap_or_else(|p| p.into_inner()) = Some(forward);
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores spans in one transaction, then drops the oldest beyond the cap.
    pub fn insert(&self, spans: &[StoredSpan]) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns,
                                    status_code, status_message, attributes, events, flags, trace_state, links)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for s in spans {
                stmt.execute(params![
                    s.trace_id,
                    s.span_id,
                    s.parent_span_id,
                    s.name,
                    s.kind,
                    s.service,
                    s.start_ns,
                    s.end_ns,
                    s.status_code,
                    s.status_message,
                    s.attributes.to_string(),
                    s.events.to_string(),
                    s.flags,
                    s.trace_state,
                    s.links.to_string()
                ])?;
            }
        }
        tx.execute("DELETE FROM spans WHERE id <= (SELECT MAX(id) FROM spans) - ?1", params![self.max_spans])?;
        tx.commit()?;
        if let Some(forward) = self.forward.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if !spans.is_empty() {
                let _ = forward.send(spans.to_vec());
            }
        }
        Ok(())
    }

    /// Spans stored.
    pub fn span_count(&self) -> rusqlite::Result<i64> {
        self.conn().query_row("SELECT COUNT(*) FROM spans", [], |r| r.get(0))
    }

    /// The most recent traces, newest (latest start) first. A trace's root is found through the
    /// (trace, span) index, so a trace of many spans costs a lookup per span, not a scan.
    pub fn recent_traces(&self, limit: usize) -> rusqlite::Result<Vec<TraceSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT trace_id, COUNT(*), MIN(start_ns), MAX(end_ns) - MIN(start_ns), MAX(status_code = 2),
                    JSON_GROUP_ARRAY(DISTINCT service),
                    (SELECT r.name FROM spans r
                       LEFT JOIN spans p ON p.trace_id = r.trace_id AND p.span_id = r.parent_span_id
                     WHERE r.trace_id = s.trace_id AND p.id IS NULL
                     ORDER BY r.start_ns LIMIT 1)
             FROM spans s GROUP BY trace_id ORDER BY MIN(start_ns) DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            // A JSON array, so a service name may hold any character (a comma included).
            let services: String = r.get(5)?;
            let mut services: Vec<String> = serde_json::from_str(&services).unwrap_or_default();
            services.sort();
            Ok(TraceSummary {
                trace_id: r.get(0)?,
                span_count: r.get(1)?,
                start_ns: r.get(2)?,
                duration_ns: r.get(3)?,
                error: r.get::<_, i64>(4)? != 0,
                services,
                root_name: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            })
        })?;
        rows.collect()
    }

    /// Every span of one trace, by start time.
    pub fn trace(&self, trace_id: &str) -> rusqlite::Result<Vec<StoredSpan>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns, status_code,
                    status_message, attributes, events, flags, trace_state, links
             FROM spans WHERE trace_id = ?1 ORDER BY start_ns, id",
        )?;
        let rows = stmt.query_map(params![trace_id.to_ascii_lowercase()], row_to_span)?;
        rows.collect()
    }
}
