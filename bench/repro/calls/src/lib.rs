//! What each step of an audited read costs, on a connection the instance keeps, before a
//! 5-byte answer with its length and a yield (the portal's response shape):
//!
//! - `/sync/K`, `/async/K`: K statements (`SELECT 1`) through the synchronous `execute` or the
//!   async one; `/sync/0` is the floor;
//! - `/snapshot`: `BEGIN`, one `SELECT`, `COMMIT` (synchronous);
//! - `/log`: one `INSERT` into an append-only table with an index, autocommit, async,
//!   `synchronous = NORMAL` (what logging a read is);
//! - `/read`: `/snapshot` and `/log` together (an audited read without the app's own work).

use std::cell::RefCell;
use std::rc::Rc;

use spin_sdk::http::{FullBody, IntoResponse, Request};
use spin_sdk::sqlite::wit::sqlite::Connection;

thread_local! {
    static KEPT: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
    static PREPARED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

async fn kept() -> Result<Rc<Connection>, spin_sdk::sqlite::Error> {
    if let Some(conn) = KEPT.with(|k| k.borrow().clone()) {
        return Ok(conn);
    }
    let conn = Rc::new(Connection::open_async("default".into()).await?);
    KEPT.with(|k| *k.borrow_mut() = Some(Rc::clone(&conn)));
    Ok(conn)
}

async fn async_statement(conn: &Connection, sql: &str) -> Result<(), spin_sdk::sqlite::Error> {
    let (_, rows, outcome) = conn.execute_async(sql.into(), Vec::new()).await?;
    rows.collect().await;
    outcome.await
}

async fn prepared() -> Result<Rc<Connection>, spin_sdk::sqlite::Error> {
    let conn = kept().await?;
    if PREPARED.with(|p| p.replace(true)) {
        return Ok(conn);
    }
    conn.execute("PRAGMA synchronous = NORMAL", &[])?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT, \
         detail TEXT NOT NULL) STRICT",
        &[],
    )?;
    conn.execute("CREATE INDEX IF NOT EXISTS log_who ON log (who, id)", &[])?;
    Ok(conn)
}

async fn step(name: &str) -> Result<(), spin_sdk::sqlite::Error> {
    let conn = prepared().await?;
    if matches!(name, "snapshot" | "read") {
        conn.execute("BEGIN", &[])?;
        conn.execute("SELECT count(*) FROM sqlite_schema", &[])?;
        conn.execute("COMMIT", &[])?;
    }
    if matches!(name, "log" | "read") {
        async_statement(
            &conn,
            "INSERT INTO log (at, who, detail) VALUES ('2026-12-06T00:00:00Z', 'someone', \
             '{\"action\":\"case_viewed\",\"request_id\":\"7dd4004f-9a67-486e-a20c-f7cf27e08355\"}')",
        )
        .await?;
    }
    Ok(())
}

async fn statements(asynchronous: bool, count: usize) -> Result<(), spin_sdk::sqlite::Error> {
    if count == 0 {
        return Ok(());
    }
    let conn = kept().await?;
    for _ in 0..count {
        if asynchronous {
            let (_, rows, outcome) = conn.execute_async("SELECT 1".into(), Vec::new()).await?;
            rows.collect().await;
            outcome.await?;
        } else {
            conn.execute("SELECT 1", &[])?;
        }
    }
    Ok(())
}

type Answer = Result<spin_sdk::wasip3::http::types::Response, spin_sdk::wasip3::http::types::ErrorCode>;

#[spin_sdk::http_service]
async fn handle(req: Request) -> Answer {
    let path = req.uri().path().to_owned();
    let mut segments = path.trim_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    let count = segments.next().and_then(|k| k.parse().ok()).unwrap_or(0);
    let outcome = match first {
        "sync" | "async" => statements(first == "async", count).await,
        other => step(other).await,
    };
    let (status, body) = match outcome {
        Ok(()) => (200, "hello".to_owned()),
        Err(e) => (500, format!("{e:?}")),
    };
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .header("content-length", body.len())
        .body(FullBody::new(bytes::Bytes::from(body)))
        .map_err(|e| spin_sdk::wasip3::http::types::ErrorCode::InternalError(Some(e.to_string())))?
        .into_response();
    spin_sdk::wasip3::wit_bindgen::yield_async().await;
    response
}
