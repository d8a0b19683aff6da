//! What lives in a component's memory outlives a request once instances are reused (Spin 4.1
//! reuses WASI 0.3 instances for up to 128 requests, 16 at once). So the code that runs inside
//! components keeps nothing of a request in a static: not a principal, a body, case data or a
//! key. This test reads that code (the portal library and every component) and allows only the
//! statics named here, each with why it holds no request's data.

use std::path::{Path, PathBuf};

/// (file, the static's name): what each may hold.
const ALLOWED: &[(&str, &str)] = &[
    // Database connections this instance keeps between requests: settings, never rows.
    ("crates/portal/src/platform/db.rs", "KEPT"),
    // The deployment's variables, read once per instance: the same for every request.
    ("crates/portal/src/platform/settings.rs", "READ"),
    // The law tables compiled into the component, parsed once: the same for every request.
    ("crates/portal/src/law/mod.rs", "LAW"),
    // The deployment's test IINs (the `eds_test_iins` variable), set from it at every request:
    // the same for every request.
    ("crates/portal/src/law/iin.rs", "TEST_IINS"),
    // An empty calendar (weekends only), built at compile time and never written.
    ("crates/portal/src/law/deadline.rs", "WEEKENDS_ONLY"),
];

/// What declares something that lives as long as the instance.
const DECLARATIONS: &[&str] = &[
    "static ",
    "thread_local!",
    "OnceLock",
    "OnceCell",
    "LazyLock",
    "LazyCell",
    "lazy_static!",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code a component runs: the portal library and each component's sources, without unit
/// tests (a `tests.rs` module or what follows `#[cfg(test)]`) and build scripts.
fn guest_code() -> Vec<(String, String)> {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("crates/portal/src"), &mut files);
    if let Ok(components) = std::fs::read_dir(root.join("components")) {
        for component in components.flatten() {
            rust_files(&component.path().join("src"), &mut files);
        }
    }
    files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            let relative = path
                .canonicalize()
                .ok()
                .and_then(|p| {
                    p.strip_prefix(root.canonicalize().ok()?)
                        .ok()
                        .map(Path::to_owned)
                })
                .unwrap_or(path);
            (relative.to_string_lossy().into_owned(), code)
        })
        .collect()
}

/// The name a declaring line gives its static, if it names one.
fn declared_name(line: &str) -> Option<String> {
    let after = line
        .split_once("static ")
        .map(|(_, rest)| rest)
        .or_else(|| line.split_once("let ").map(|(_, rest)| rest))?;
    let after = after.trim_start_matches("mut ");
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[test]
fn components_keep_no_request_data_in_statics() {
    let mut found = Vec::new();
    for (file, code) in guest_code() {
        let mut lines = code.lines().peekable();
        while let Some(line) = lines.next() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") || trimmed.starts_with("use ") {
                continue;
            }
            // `&'static str` and `'static` bounds are lifetimes, not statics.
            let without_lifetimes = trimmed.replace("'static", "");
            if !DECLARATIONS.iter().any(|d| without_lifetimes.contains(d)) {
                continue;
            }
            // A thread_local! block names its static on the next lines.
            let name = if without_lifetimes.contains("thread_local!") {
                lines.by_ref().find_map(declared_name)
            } else {
                declared_name(&without_lifetimes)
            };
            let name = name.unwrap_or_else(|| without_lifetimes.trim().to_owned());
            if !ALLOWED.iter().any(|(f, n)| *f == file && *n == name) {
                found.push(format!("{file}: {name} ({})", trimmed.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "statics in code that runs in components (each outlives its request once instances \
         are reused; allow one only if it can never hold a request's data):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_static_that_is_not_allowed() {
    assert_eq!(
        declared_name("static SESSION: RefCell<Option<Principal>> = ..."),
        Some("SESSION".into())
    );
    assert_eq!(
        declared_name("    static mut LAST_BODY: Vec<u8> = Vec::new();"),
        Some("LAST_BODY".into())
    );
    assert_eq!(
        declared_name(
            "    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };"
        ),
        Some("CURRENT".into())
    );
    // And every allowed static exists, so the list does not outlive what it allows.
    let code = guest_code();
    for (file, name) in ALLOWED {
        assert!(
            code.iter().any(|(f, c)| f == file && c.contains(name)),
            "{file} no longer declares {name}: take it off the list"
        );
    }
}
