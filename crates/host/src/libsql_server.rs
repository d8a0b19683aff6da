//! The `default` database on a libSQL server (`sqld`, Turso), for the operator's commands:
//! `jaria seed`, `backup`, `restore` and `audit verify` with `--database-url`. A deployment on
//! Spin reaches the server through its runtime config; these commands talk to the same server
//! over its HTTP API directly:
//!
//! - `GET /dump` gives one consistent SQL dump of the database (sqld reads it inside one
//!   transaction): a backup, and what `audit verify` checks;
//! - `POST /v2/pipeline` with one `sequence` request runs a dump back in, as one transaction
//!   (the dump's own `BEGIN … COMMIT`): a restore, or a seeded database loaded.
//!
//! A dump carries no `PRAGMA user_version`; what is loaded gets it from its
//! `schema_migrations` rows, so the portal's schema check sees the version it had.

use std::time::Duration;

use anyhow::{Context as _, bail};
use rusqlite::Connection;

/// A libSQL server's `default` database.
pub struct Server {
    url: String,
    token: Option<String>,
    client: reqwest::blocking::Client,
}

impl Server {
    /// `url`: the server's HTTP address (`http://127.0.0.1:8080`, `https://….turso.io`);
    /// `token`: its bearer token, if it asks for one.
    pub fn new(url: &str, token: Option<String>) -> anyhow::Result<Server> {
        let url = url.trim_end_matches('/').to_owned();
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !scheme_ok {
            bail!("--database-url {url}: give the server's http:// or https:// address");
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Server {
            url,
            token: token.filter(|t| !t.is_empty()),
            client,
        })
    }

    fn authorised(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// The whole database as SQL, one consistent snapshot.
    pub fn dump(&self) -> anyhow::Result<String> {
        let body = self.send(self.client.get(format!("{}/dump", self.url)), "/dump")?;
        // A dump cut short (the connection dropped) has no final COMMIT: never take it.
        if !body.trim_end().ends_with("COMMIT;") {
            bail!("{}/dump ended before its COMMIT: incomplete", self.url);
        }
        Ok(body)
    }

    /// Runs SQL text (many statements) as one request; `Err` carries the server's words.
    fn sequence(&self, sql: &str) -> anyhow::Result<()> {
        let mut stream = None;
        self.sequence_on(&mut stream, sql)?;
        self.close(stream)
    }

    /// Runs SQL text on the server's stream `baton` (a new one if `None`), which it keeps open
    /// for the next request: a transaction may span many requests.
    fn sequence_on(&self, baton: &mut Option<String>, sql: &str) -> anyhow::Result<()> {
        let answer = self.pipeline_on(
            baton.as_deref(),
            &serde_json::json!([{"type": "sequence", "sql": sql}]),
        )?;
        *baton = answer["baton"].as_str().map(str::to_owned);
        first_error(&answer).map_or(Ok(()), |e| bail!("the libSQL server refused it: {e}"))
    }

    /// Ends a stream (the server rolls back what it left open).
    fn close(&self, baton: Option<String>) -> anyhow::Result<()> {
        if baton.is_some() {
            self.pipeline_on(baton.as_deref(), &serde_json::json!([{"type": "close"}]))?;
        }
        Ok(())
    }

    /// One integer a statement answers (its first column of its first row).
    pub fn query_int(&self, sql: &str) -> anyhow::Result<Option<i64>> {
        let answer = self.pipeline_on(
            None,
            &serde_json::json!([
                {"type": "execute", "stmt": {"sql": sql}},
                {"type": "close"},
            ]),
        )?;
        if let Some(e) = first_error(&answer) {
            bail!("{sql}: {e}");
        }
        let value = &answer["results"][0]["response"]["result"]["rows"][0][0];
        Ok(match value["type"].as_str() {
            Some("integer") => value["value"].as_str().and_then(|v| v.parse().ok()),
            _ => None,
        })
    }

    fn pipeline_on(
        &self,
        baton: Option<&str>,
        requests: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let request = self
            .client
            .post(format!("{}/v2/pipeline", self.url))
            .json(&serde_json::json!({ "baton": baton, "requests": requests }));
        Ok(serde_json::from_str(&self.send(request, "/v2/pipeline")?)?)
    }

    /// Sends a request with the token, and reads a successful answer's body.
    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
        path: &str,
    ) -> anyhow::Result<String> {
        let reply = self
            .authorised(request)
            .send()
            .with_context(|| format!("cannot reach the libSQL server at {}", self.url))?;
        let status = reply.status();
        let body = reply.text()?;
        if !status.is_success() {
            bail!("{}{path} answered {status}: {body}", self.url);
        }
        Ok(body)
    }

    /// Whether the database holds no table of its own yet.
    pub fn is_empty(&self) -> anyhow::Result<bool> {
        let objects = self.query_int(
            "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'libsql_%' AND name NOT LIKE '_litestream%'",
        )?;
        Ok(objects.unwrap_or(0) == 0)
    }

    /// Loads a local database file into the server, which must be empty: its schema, rows and
    /// schema version, in one transaction (all of it or, on any failure, none).
    pub fn load_file(&self, database: &Connection) -> anyhow::Result<()> {
        if !self.is_empty()? {
            bail!(
                "the database at {} already holds tables: load into a new, empty one",
                self.url
            );
        }
        // In requests of a few MiB on one stream, inside the dump's own transaction: a large
        // database never travels as one body, and a failure anywhere loads nothing.
        let mut baton = None;
        let mut chunk = String::new();
        let loaded = dump_local_into(database, &mut |statement| {
            chunk.push_str(statement);
            chunk.push_str(";\n");
            if chunk.len() >= LOAD_CHUNK_BYTES {
                self.sequence_on(&mut baton, &chunk)?;
                chunk.clear();
            }
            Ok(())
        })
        .and_then(|()| match chunk.is_empty() {
            true => Ok(()),
            false => self.sequence_on(&mut baton, &chunk),
        });
        if let Err(e) = loaded {
            if baton.is_some() {
                let _ = self.sequence_on(&mut baton, "ROLLBACK;");
            }
            let _ = self.close(baton);
            return Err(e);
        }
        self.close(baton)?;
        self.level_user_version()
    }

    /// `user_version` as the loaded `schema_migrations` say (a dump does not carry it).
    fn level_user_version(&self) -> anyhow::Result<()> {
        let has_migrations = self.query_int(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
        )?;
        if has_migrations.unwrap_or(0) == 0 {
            return Ok(());
        }
        let version = self
            .query_int("SELECT max(version) FROM schema_migrations")?
            .unwrap_or(0);
        self.sequence(&format!("PRAGMA user_version = {version};"))
    }

    /// The server's database as a local SQLite database in `target` (a new file), from one
    /// consistent dump, with its schema version.
    pub fn snapshot_into(&self, target: &Connection) -> anyhow::Result<()> {
        let dump = self.dump()?;
        target
            .execute_batch(&dump)
            .context("the dump does not load into SQLite")?;
        let has_migrations: i64 = target.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )?;
        if has_migrations > 0 {
            let version: i64 = target.query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?;
            target.pragma_update(None, "user_version", version)?;
        }
        Ok(())
    }
}

/// The first failure in a pipeline's answer, if any.
fn first_error(answer: &serde_json::Value) -> Option<String> {
    answer["results"].as_array()?.iter().find_map(|result| {
        (result["type"] == "error").then(|| {
            result["error"]["message"]
                .as_str()
                .unwrap_or("an error without a message")
                .to_owned()
        })
    })
}

/// How much SQL one request of a load carries.
const LOAD_CHUNK_BYTES: usize = 4 << 20;

/// A local database as SQL text in the form sqld's own dump has: tables, their rows (every
/// value through SQLite's `quote()`, so text, numbers and blobs come back exactly), the
/// `AUTOINCREMENT` counters, then indexes, triggers and views, in one transaction.
pub fn dump_local(conn: &Connection) -> anyhow::Result<String> {
    let mut out = String::new();
    dump_local_into(conn, &mut |statement| {
        out.push_str(statement);
        out.push_str(";\n");
        Ok(())
    })?;
    Ok(out)
}

/// [`dump_local`], one statement at a time (without its `;`).
pub fn dump_local_into(
    conn: &Connection,
    each: &mut dyn FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    each("PRAGMA foreign_keys=OFF")?;
    each("BEGIN TRANSACTION")?;
    let objects: Vec<(String, String, String)> = {
        let mut statement = conn.prepare(
            "SELECT type, name, sql FROM sqlite_schema
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
             ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, rowid",
        )?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (kind, name, sql) in &objects {
        each(sql)?;
        if kind == "table" {
            dump_rows(conn, name, each)?;
        }
    }
    let sequences: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'sqlite_sequence'",
        [],
        |r| r.get(0),
    )?;
    if sequences {
        each("DELETE FROM sqlite_sequence")?;
        dump_rows(conn, "sqlite_sequence", each)?;
    }
    each("COMMIT")
}

fn dump_rows(
    conn: &Connection,
    table: &str,
    each: &mut dyn FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let quoted_table = format!("\"{}\"", table.replace('"', "\"\""));
    // Generated columns are not stored: table_xinfo's hidden 2/3 are left out.
    let stored: Vec<String> = {
        let mut statement = conn.prepare(&format!("PRAGMA table_xinfo({quoted_table})"))?;
        let names =
            statement.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(6)?)))?;
        names
            .filter_map(|row| match row {
                Ok((name, 0)) => Some(Ok(name)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?
    };
    if stored.is_empty() {
        return Ok(());
    }
    let quoted_columns: Vec<String> = stored
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    let values = quoted_columns
        .iter()
        .map(|c| format!("quote({c})"))
        .collect::<Vec<_>>()
        .join(" || ',' || ");
    let mut statement = conn.prepare(&format!("SELECT {values} FROM {quoted_table}"))?;
    let mut rows = statement.query([])?;
    let head = format!(
        "INSERT INTO {quoted_table}({}) VALUES(",
        quoted_columns.join(",")
    );
    let mut insert = String::new();
    while let Some(row) = rows.next()? {
        let values: String = row.get(0)?;
        insert.clear();
        insert.push_str(&head);
        insert.push_str(&values);
        insert.push(')');
        each(&insert)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_dump_loads_back_whole() {
        let source = Connection::open_in_memory().unwrap();
        source
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, data BLOB, n REAL, g TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL);
                 CREATE INDEX t_name ON t (name);
                 CREATE TABLE log (x TEXT);
                 CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.name); END;
                 INSERT INTO t (name, data, n) VALUES ('it''s; \"quoted\"', x'00ff10', 1.5), (NULL, NULL, NULL), ('Қазақ', x'', -2);
                 DELETE FROM t WHERE id = 2;",
            )
            .unwrap();
        let dump = dump_local(&source).unwrap();
        let target = Connection::open_in_memory().unwrap();
        target.execute_batch(&dump).unwrap();
        // Every row as SQLite quotes it: text, blobs and reals compared exactly.
        let read = |conn: &Connection| -> Vec<String> {
            let mut s = conn
                .prepare(
                    "SELECT quote(id) || ',' || quote(name) || ',' || quote(data) || ',' || quote(n) || ',' || quote(g) FROM t ORDER BY id",
                )
                .unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(read(&source), read(&target));
        // The counter came along: the next row does not reuse a deleted id.
        let next = |conn: &Connection| {
            conn.execute("INSERT INTO t (name) VALUES ('next')", [])
                .unwrap();
            conn.last_insert_rowid()
        };
        assert_eq!(next(&source), next(&target));
        // The trigger and the index came along (the trigger did not fire during the load).
        let logged: i64 = target
            .query_row("SELECT count(*) FROM log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(logged, 4, "the three loaded log rows and the new insert's");
        let indexed: i64 = target
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 't_name'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 1);
    }

    #[test]
    fn only_http_addresses_are_servers() {
        assert!(Server::new("127.0.0.1:8080", None).is_err());
        assert!(Server::new("libsql://db.example", None).is_err());
        assert!(Server::new("http://127.0.0.1:8080/", None).is_ok());
    }
}
