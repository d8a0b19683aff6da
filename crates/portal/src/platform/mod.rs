//! What every part stands on, and what talks to the runtime: the one error type and its
//! problem documents, settings (Spin variables), the clock and randomness (WASI), the SQL
//! database and its schema, the key-value store, outbound HTTP, the per-client limits and the
//! log lines on stderr.
//! Nothing here knows of cases, filings or people.

pub mod clock;
pub mod db;
pub mod error;
pub mod limits;
pub mod log;
pub mod outbound;
pub mod problem;
pub mod random;
pub mod schema;
pub mod settings;
pub mod sql_fault;
pub mod storage;
mod text_enum;

/// Every Rust source file below `dir`, for the checks that read the project's own code.
#[cfg(test)]
pub(crate) fn sources(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
