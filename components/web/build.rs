//! Embeds the client's files (`static/`) in the component. Every file but `index.html` is
//! served under `/assets/<release>/…`, where `<release>` is a hash of all of them: the path
//! changes whenever any file does, so browsers may cache assets for a year, while module
//! imports stay plain relative paths. `index.html` names the release and is revalidated.
//! Text files are also gzipped here, once, so no request pays for compression.
//!
//! One asset is not a file of `static/`: `gost/gost.wasm`, the page's GOST signer, is the
//! project's own GOST code (`crates/gost-web`) compiled here for `wasm32-unknown-unknown` by a
//! cargo of its own (its own target folder, inside this build's output, so it never waits on
//! the outer build's lock).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    let static_dir = root.join("static");
    println!("cargo:rerun-if-changed=static");

    let mut files = Vec::new();
    collect(&static_dir, &static_dir, &mut files);
    files.push(GOST_MODULE.to_owned());
    files.sort();
    let gost_module = gost_module(&root, &out);

    let mut release_hasher = Sha256::new();
    let mut assets = Vec::new();
    for rel in &files {
        let bytes = if rel == GOST_MODULE {
            gost_module.clone()
        } else {
            println!("cargo:rerun-if-changed=static/{rel}");
            std::fs::read(static_dir.join(rel)).expect("read asset")
        };
        let digest = hex(&Sha256::digest(&bytes));
        release_hasher.update(rel.as_bytes());
        release_hasher.update([0]);
        release_hasher.update(digest.as_bytes());
        assets.push((rel.clone(), bytes, digest));
    }
    let release = hex(&release_hasher.finalize())[..16].to_owned();

    let mut code = String::new();
    writeln!(code, "pub const RELEASE: &str = {release:?};").unwrap();
    writeln!(code, "pub static ASSETS: &[Asset] = &[").unwrap();
    for (index, (rel, bytes, digest)) in assets.iter().enumerate() {
        let (bytes, digest) = released(rel, bytes, digest, &release);
        let plain = out.join(format!("asset-{index}"));
        std::fs::write(&plain, &bytes).expect("write asset");
        let content_type = content_type(rel);
        let gzip_expr = gzip_expression(&out, index, content_type, &bytes);
        writeln!(
            code,
            "    Asset {{ path: {rel:?}, content_type: {content_type:?}, etag: {etag:?}, \
             body: include_bytes!({plain:?}), gzip: {gzip_expr} }},",
            etag = format!("\"{}\"", &digest[..32]),
            plain = plain.display().to_string(),
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
    std::fs::write(out.join("assets.rs"), code).expect("write assets.rs");
}

/// The asset as served: the page itself names the release (its digest then follows).
fn released(rel: &str, bytes: &[u8], digest: &str, release: &str) -> (Vec<u8>, String) {
    if rel != "index.html" {
        return (bytes.to_vec(), digest.to_owned());
    }
    let page = String::from_utf8(bytes.to_vec())
        .expect("index.html is UTF-8")
        .replace("{{RELEASE}}", release)
        .into_bytes();
    let digest = hex(&Sha256::digest(&page));
    (page, digest)
}

/// The asset's gzip form, written beside it when it saves anything worth the header: the
/// generated code's expression for it (`Some(include_bytes!(…))` or `None`). PNG is already
/// compressed.
fn gzip_expression(out: &Path, index: usize, content_type: &str, bytes: &[u8]) -> String {
    if content_type.starts_with("image/png") {
        return "None".to_owned();
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    let zipped = encoder.finish().expect("gzip");
    if zipped.len() + 64 >= bytes.len() {
        return "None".to_owned();
    }
    let path = out.join(format!("asset-{index}.gz"));
    std::fs::write(&path, zipped).expect("write gzip");
    format!("Some(include_bytes!({:?}))", path.display().to_string())
}

/// Where the page finds its GOST signer (`static/js/gost.js` loads `../gost/gost.wasm`).
const GOST_MODULE: &str = "gost/gost.wasm";

/// Builds `crates/gost-web` for the browser and returns the module's bytes.
fn gost_module(web: &Path, out: &Path) -> Vec<u8> {
    let workspace = web.join("../..");
    for watched in [
        "crates/gost/src",
        "crates/gost/Cargo.toml",
        "crates/gost-web/src",
        "crates/gost-web/Cargo.toml",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    // The target the module is built for, where rustup does not install a toolchain file's
    // targets by itself (as the manifest's build commands add wasm32-wasip2); without rustup
    // the build below says what is missing.
    let _ = std::process::Command::new("rustup")
        .current_dir(&workspace)
        .args(["target", "add", "wasm32-unknown-unknown"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let target_dir = out.join("gost-web");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(&workspace)
        .args(["build", "--locked", "--release", "-p", "jaria-gost-web"])
        .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(&target_dir);
    // This build's own settings (its target, its flags) are not the module's.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "RUSTFLAGS"
            || name.starts_with("CARGO_ENCODED_RUSTFLAGS")
            || name.starts_with("CARGO_BUILD_")
            || name.starts_with("CARGO_TARGET_")
            || name.starts_with("CARGO_CFG_")
            || name.starts_with("CARGO_FEATURE_")
            || name == "TARGET"
        {
            command.env_remove(name.as_ref());
        }
    }
    let status = command.status().expect("run cargo for crates/gost-web");
    assert!(
        status.success(),
        "building the page's GOST signer (crates/gost-web) for wasm32-unknown-unknown failed; \
         `rustup target add wasm32-unknown-unknown` (rust-toolchain.toml lists it)"
    );
    std::fs::read(target_dir.join("wasm32-unknown-unknown/release/jaria_gost_web.wasm"))
        .expect("the GOST module")
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read static dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(base, &path, files);
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            // Editor leftovers and notes are not part of the client.
            if !rel.ends_with('~') && !rel.ends_with(".md") && !rel.starts_with('.') {
                files.push(rel);
            }
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        other => panic!("static/{path}: no content type for .{other}; add one to build.rs"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
