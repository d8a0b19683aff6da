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

/// The portal's and the components' Rust sources with their text, for the checks that read
/// the project's own code (`build.rs` scripts, which run at build time, left out).
#[cfg(test)]
pub(crate) fn project_sources() -> Vec<(std::path::PathBuf, String)> {
    fn below(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                below(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("build.rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    below(&root.join("crates/portal/src"), &mut files);
    below(&root.join("components"), &mut files);
    assert!(
        files.len() > 50,
        "the sources were not found: {}",
        root.display()
    );
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            (file, text)
        })
        .collect()
}
