//! Embeds the client's files (`static/`) in the component. Every file but `index.html` is
//! served under `/assets/<release>/…`, where `<release>` is a hash of all of them: the path
//! changes whenever any file does, so browsers may cache assets for a year, while module
//! imports stay plain relative paths. `index.html` names the release and is revalidated.
//! Text files are also gzipped here, once, so no request pays for compression.

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
    files.sort();

    let mut release_hasher = Sha256::new();
    let mut assets = Vec::new();
    for rel in &files {
        let bytes = std::fs::read(static_dir.join(rel)).expect("read asset");
        println!("cargo:rerun-if-changed=static/{rel}");
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
        let bytes = if rel == "index.html" {
            String::from_utf8(bytes.clone())
                .expect("index.html is UTF-8")
                .replace("{{RELEASE}}", &release)
                .into_bytes()
        } else {
            bytes.clone()
        };
        let digest = if rel == "index.html" {
            hex(&Sha256::digest(&bytes))
        } else {
            digest.clone()
        };
        let plain = out.join(format!("asset-{index}"));
        std::fs::write(&plain, &bytes).expect("write asset");
        let content_type = content_type(rel);
        let gzip = if content_type.starts_with("image/png") {
            None
        } else {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&bytes).expect("gzip");
            let zipped = encoder.finish().expect("gzip");
            (zipped.len() + 64 < bytes.len()).then_some(zipped)
        };
        let gzip_expr = match gzip {
            Some(zipped) => {
                let path = out.join(format!("asset-{index}.gz"));
                std::fs::write(&path, zipped).expect("write gzip");
                format!("Some(include_bytes!({:?}))", path.display().to_string())
            }
            None => "None".to_owned(),
        };
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
        other => panic!("static/{path}: no content type for .{other}; add one to build.rs"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
