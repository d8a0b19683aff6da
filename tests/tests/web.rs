//! The browser client as files: the page and its release-named assets with their caching,
//! entity tags and compression; every module the page can load (walked from the page through
//! `import` and the router table) and every catalogue is served; and the three languages'
//! catalogues hold the same keys, covering every message key the code names.
//! The serving tests run against a fresh local host or `JARIA_BASE_URL`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jaria_tests::{TestApp, workspace_root};

const LANGUAGES: [&str; 3] = ["kk", "ru", "en"];
const AREAS: [&str; 3] = ["common", "participant", "officer"];

fn static_dir() -> PathBuf {
    workspace_root().join("components/web/static")
}

/// The release folder the page names, e.g. `/assets/0123456789abcdef/`.
fn release_prefix(page: &str) -> String {
    let start = page.find("/assets/").expect("the page names its assets");
    let rest = &page[start + "/assets/".len()..];
    let end = rest.find('/').expect("release folder");
    format!("/assets/{}/", &rest[..end])
}

#[test]
fn the_page_is_revalidated_and_assets_are_cached_for_a_year() {
    let app = TestApp::portal();
    let page = app.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let etag = page
        .header("etag")
        .expect("the page has an ETag")
        .to_owned();
    let again = app.request("GET", "/", &[("if-none-match", &etag)], None);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    let prefix = release_prefix(&page.text());
    let script = app.get(&format!("{prefix}js/app.js"));
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        script.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let csp = script.header("content-security-policy").unwrap_or("");
    assert!(
        // Own scripts only; WebAssembly (the GOST signer) may compile, nothing may be eval'd.
        csp.contains("script-src 'self' 'wasm-unsafe-eval';")
            && !csp.contains("unsafe-inline")
            && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    let tag = script.header("etag").expect("assets have ETags").to_owned();
    let cached = app.request(
        "GET",
        &format!("{prefix}js/app.js"),
        &[("if-none-match", &tag)],
        None,
    );
    assert_eq!(cached.status, 304);
    assert_eq!(
        cached.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[test]
fn text_assets_are_gzipped_for_browsers_that_take_it() {
    let app = TestApp::portal();
    let prefix = release_prefix(&app.get("/").text());
    let plain = app.get(&format!("{prefix}js/ui.js"));
    let zipped = app.request(
        "GET",
        &format!("{prefix}js/ui.js"),
        &[("accept-encoding", "gzip, br")],
        None,
    );
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(zipped.header("vary"), Some("accept-encoding"));
    assert_eq!(&zipped.body[..2], &[0x1f, 0x8b], "a gzip stream");
    assert!(zipped.body.len() * 2 < plain.body.len());
    assert_eq!(plain.header("content-encoding"), None);
}

#[test]
fn other_releases_other_methods_and_api_paths_are_problems() {
    let app = TestApp::portal();
    for path in ["/assets/0000000000000000/js/app.js", "/assets/", "/assets"] {
        let reply = app.get(path);
        reply.assert_problem(404);
    }
    let prefix = release_prefix(&app.get("/").text());
    app.get(&format!("{prefix}js/no-such-module.js"))
        .assert_problem(404);
    app.get(&format!("{prefix}index.html")).assert_problem(404);
    let post = app.post("/", "text/plain", b"x");
    post.assert_problem(405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

/// Relative module specifiers a file imports: `from './x.js'`, `import('./x.js')`, and the
/// router's `module: './views/…'` entries.
fn imports_of(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["from '", "import('", "module: '"] {
        let mut rest = source;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            if let Some(end) = rest.find('\'') {
                let spec = &rest[..end];
                if spec.starts_with("./") || spec.starts_with("../") {
                    found.push(spec.to_owned());
                }
            }
        }
    }
    found
}

/// `base` (a file path like `js/views/a.js`) joined with a relative specifier.
fn resolve(base: &str, spec: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for piece in spec.split('/') {
        match piece {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[test]
fn every_module_the_page_can_load_and_every_catalogue_is_served() {
    let app = TestApp::portal();
    let page = app.get("/").text();
    let prefix = release_prefix(&page);
    let mut pending = vec!["js/app.js".to_owned()];
    let mut seen = BTreeSet::new();
    while let Some(file) = pending.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let reply = app.get(&format!("{prefix}{file}"));
        assert_eq!(reply.status, 200, "{file} is imported but not served");
        for spec in imports_of(&reply.text()) {
            pending.push(resolve(&file, &spec));
        }
    }
    assert!(seen.len() >= 10, "the walk found only {seen:?}");
    for lang in LANGUAGES {
        for area in AREAS {
            let reply = app.get(&format!("{prefix}locales/{lang}/{area}.json"));
            assert_eq!(reply.status, 200, "{lang}/{area}");
            assert_eq!(reply.header("content-type"), Some("application/json"));
        }
    }
    for asset in ["css/site.css", "favicon.svg"] {
        assert_eq!(app.get(&format!("{prefix}{asset}")).status, 200, "{asset}");
    }
}

fn catalogue(lang: &str, area: &str) -> BTreeMap<String, String> {
    let path = static_dir().join(format!("locales/{lang}/{area}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?} is not a flat map: {e}"))
}

#[test]
fn the_three_languages_hold_the_same_non_empty_messages() {
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for area in AREAS {
        let english = catalogue("en", area);
        for key in english.keys() {
            if let Some(other) = owner.insert(key.clone(), area) {
                panic!("{key} is in both {other} and {area}");
            }
        }
        for lang in LANGUAGES {
            let messages = catalogue(lang, area);
            let keys: BTreeSet<_> = messages.keys().collect();
            let expected: BTreeSet<_> = english.keys().collect();
            let missing: Vec<_> = expected.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&expected).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}/{area}: missing {missing:?}, extra {extra:?}"
            );
            for (key, text) in &messages {
                assert!(!text.trim().is_empty(), "{lang}/{area}: {key} is empty");
                // Placeholders must survive translation.
                let wanted = placeholders(&english[key]);
                assert_eq!(placeholders(text), wanted, "{lang}/{area}: {key}");
            }
        }
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        if let Some(end) = rest.find('}') {
            let name = &rest[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

fn js_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read js dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            js_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "js") {
            found.push(path);
        }
    }
}

/// Every literal key in `t('…')`, `page('…')` and `empty('…')` calls.
fn literal_keys(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for marker in ["t('", "page('", "empty('", "navLink('"] {
        let mut rest = source;
        while let Some(at) = rest.find(marker) {
            // `t('` must be the function, not the end of another name (`set('`, `import('`).
            let before = rest[..at].chars().next_back();
            rest = &rest[at + marker.len()..];
            if marker == "t('" && before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(end) = rest.find('\'') {
                let key = &rest[..end];
                if marker == "navLink('" {
                    // navLink(route, key): the key is the second literal.
                    if let Some(second) = rest[end..].split('\'').nth(2) {
                        keys.push(second.to_owned());
                    }
                } else {
                    keys.push(key.to_owned());
                }
            }
        }
    }
    keys
}

#[test]
fn every_message_key_the_code_names_is_in_the_catalogues() {
    let mut english = BTreeMap::new();
    for area in AREAS {
        english.extend(catalogue("en", area));
    }
    let mut files = Vec::new();
    js_files(&static_dir().join("js"), &mut files);
    let mut missing = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read js");
        for key in literal_keys(&source) {
            if !english.contains_key(&key) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys without messages:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_markup_is_parsed_from_strings_and_no_inline_styles_are_set() {
    // The CSP forbids inline code and styles; parsing strings as HTML is how text becomes
    // script. Both are kept out of the client by construction.
    let mut files = Vec::new();
    js_files(&static_dir().join("js"), &mut files);
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read js");
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "setAttribute('style'",
        ] {
            assert!(!source.contains(banned), "{} uses {banned}", file.display());
        }
    }
    let page = std::fs::read_to_string(static_dir().join("index.html")).expect("index");
    assert!(!page.contains("style=") && !page.contains("<style"));
    assert!(!page.contains("<script>") && !page.contains("onclick"));
}
