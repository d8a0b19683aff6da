//! Embeds the schema migrations (`schema/migrations/NNNN_name.sql`) in the library, so that
//! the app can migrate its own database wherever it runs (real Spin and SpinKube included) and
//! every component knows the schema version its code needs.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let dir = root.join("../../schema/migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(i64, String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("schema/migrations is readable") {
        let path = entry.expect("directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("migration file names are UTF-8")
            .to_owned();
        if !name.ends_with(".sql") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let number = name.split('_').next().unwrap_or("");
        assert!(
            number.len() == 4
                && number.bytes().all(|b| b.is_ascii_digit())
                && name.len() > "0000_.sql".len(),
            "migration file name `{name}` must look like NNNN_name.sql"
        );
        let version: i64 = number.parse().expect("four digits");
        files.push((version, name, path));
    }
    files.sort();
    for pair in files.windows(2) {
        assert!(
            pair[0].0 != pair[1].0,
            "migrations {} and {} have the same version",
            pair[0].1,
            pair[1].1
        );
    }
    let mut code = String::from("/// The migrations, in order: (version, file name, SQL).\n");
    code.push_str("pub static EMBEDDED: &[(i64, &str, &str)] = &[\n");
    for (version, name, path) in &files {
        let path = path.canonicalize().expect("migration path");
        writeln!(
            code,
            "    ({version}, {name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to string");
    }
    code.push_str("];\n");
    let required = files.last().map_or(0, |f| f.0);
    writeln!(
        code,
        "/// The schema version this code needs: the newest migration's.\npub const REQUIRED_VERSION: i64 = {required};"
    )
    .expect("write to string");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    std::fs::write(out.join("migrations.rs"), code).expect("write migrations.rs");
}
