//! `jaria build`, like `spin build`: run each component's `[component.<id>.build]` commands
//! (through the shell, in its `workdir`). `jaria up` rebuilds only stale components: those
//! whose `source` is missing or older than a file matched by their `watch` patterns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::Context as _;

use crate::manifest::Manifest;

pub fn build_all(manifest: &Manifest) -> anyhow::Result<()> {
    let ids: Vec<&str> = manifest.components.keys().map(String::as_str).collect();
    build(manifest, &ids)
}

pub fn build_stale(manifest: &Manifest) -> anyhow::Result<()> {
    let ids: Vec<&str> = manifest
        .components
        .keys()
        .map(String::as_str)
        .filter(|id| is_stale(manifest, id))
        .collect();
    build(manifest, &ids)
}

/// Builds these components. Those whose whole build is a plain
/// `cargo build --target wasm32-wasip2 --release -p <package>` (after the same prelude, in the
/// same folder, with no environment of their own) are built by **one** cargo invocation: the
/// shared library is compiled once and the components side by side on every core, instead of
/// one after another. The rest run their own commands, as Spin would.
fn build(manifest: &Manifest, ids: &[&str]) -> anyhow::Result<()> {
    let mut batches: BTreeMap<(PathBuf, String), Vec<(&str, String)>> = BTreeMap::new();
    for id in ids {
        match cargo_package(manifest, id) {
            Some((prelude, package)) => batches
                .entry((workdir(manifest, id), prelude))
                .or_default()
                .push((id, package)),
            None => build_component(manifest, id)?,
        }
    }
    for ((dir, prelude), members) in batches {
        let mut command = format!("{prelude}cargo build --target wasm32-wasip2 --release");
        for (_, package) in &members {
            command.push_str(" -p ");
            command.push_str(package);
        }
        let names: Vec<&str> = members.iter().map(|(id, _)| *id).collect();
        eprintln!("Building components {} with `{command}`", names.join(", "));
        let status = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(&dir)
            .status()
            .with_context(|| format!("cannot run `{command}`"))?;
        if !status.success() {
            anyhow::bail!(
                "components {}: build command `{command}` failed ({status})",
                names.join(", ")
            );
        }
    }
    Ok(())
}

/// The prelude (everything before the last `&&`, kept with its `&&`) and the package of a
/// component whose build is one plain `cargo build --target wasm32-wasip2 --release -p <package>`.
fn cargo_package(manifest: &Manifest, id: &str) -> Option<(String, String)> {
    let build = manifest.components[id].build.as_ref()?;
    let [command] = build.command.commands()[..] else {
        return None;
    };
    if !build.environment.is_empty() {
        return None;
    }
    let (prelude, last) = match command.rsplit_once("&&") {
        Some((prelude, last)) => (format!("{} && ", prelude.trim()), last),
        None => (String::new(), command),
    };
    let package = last
        .trim()
        .strip_prefix("cargo build --target wasm32-wasip2 --release -p ")?;
    let plain = !package.is_empty()
        && package
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| (prelude, package.to_owned()))
}

fn build_component(manifest: &Manifest, id: &str) -> anyhow::Result<()> {
    let Some(build) = &manifest.components[id].build else {
        return Ok(());
    };
    let workdir = workdir(manifest, id);
    for command in build.command.commands() {
        eprintln!("Building component {id} with `{command}`");
        let status = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&workdir)
            .envs(&build.environment)
            .status()
            .with_context(|| format!("component `{id}`: cannot run `{command}`"))?;
        if !status.success() {
            anyhow::bail!("component `{id}`: build command `{command}` failed ({status})");
        }
    }
    Ok(())
}

fn workdir(manifest: &Manifest, id: &str) -> PathBuf {
    match manifest.components[id]
        .build
        .as_ref()
        .and_then(|b| b.workdir.as_ref())
    {
        Some(w) => manifest.app_dir.join(w),
        None => manifest.app_dir.clone(),
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// A component with a build section is stale when its source is missing, or when it has no
/// `watch` patterns (nothing to compare), or when a watched file is newer than the source.
pub fn is_stale(manifest: &Manifest, id: &str) -> bool {
    let Some(build) = &manifest.components[id].build else {
        return false;
    };
    let Some(built) = manifest.component_source(id).as_deref().and_then(modified) else {
        return true;
    };
    if build.watch.is_empty() {
        return true;
    }
    let base = workdir(manifest, id);
    build.watch.iter().any(|pattern| {
        let full = base.join(pattern);
        glob::glob(&full.to_string_lossy())
            .map(|paths| {
                paths
                    .flatten()
                    .any(|p| modified(&p).is_some_and(|m| m > built))
            })
            .unwrap_or(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dir: &Path) -> Manifest {
        let text = r#"
spin_manifest_version = 2
[application]
name = "demo"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "out/web.wasm"
[component.web.build]
command = "mkdir -p out && cp src/in.txt out/web.wasm"
watch = ["src/**/*.txt"]
"#;
        Manifest::parse(text, &dir.join("spin.toml"), dir.to_owned()).unwrap()
    }

    #[test]
    fn builds_when_missing_then_only_when_a_watched_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/in.txt"), "v1").unwrap();
        let m = manifest(dir.path());
        assert!(is_stale(&m, "web"));
        build_stale(&m).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out/web.wasm")).unwrap(),
            "v1"
        );
        assert!(!is_stale(&m, "web"));
        // Make the watched file clearly newer than the output.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("src/in.txt"), "v2").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("src/in.txt"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(is_stale(&m, "web"));
        build_stale(&m).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out/web.wasm")).unwrap(),
            "v2"
        );
    }

    #[test]
    fn the_portals_components_build_in_one_cargo_invocation() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let m = Manifest::load(&root.join("spin.toml")).unwrap();
        let mut preludes = std::collections::BTreeSet::new();
        for id in m.components.keys() {
            let (prelude, package) = cargo_package(&m, id)
                .unwrap_or_else(|| panic!("{id}: its build is not the plain cargo build"));
            assert_eq!(&package, id);
            preludes.insert(prelude);
        }
        assert_eq!(preludes.len(), 1, "one prelude, so one batch: {preludes:?}");
        // Anything else keeps its own command.
        let dir = tempfile::tempdir().unwrap();
        assert!(cargo_package(&manifest(dir.path()), "web").is_none());
    }

    #[test]
    fn failing_build_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"
spin_manifest_version = 2
[application]
name = "demo"
[component.web]
source = "web.wasm"
[component.web.build]
command = "exit 3"
"#;
        let m =
            Manifest::parse(text, &dir.path().join("spin.toml"), dir.path().to_owned()).unwrap();
        let err = build_all(&m).unwrap_err().to_string();
        assert!(err.contains("exit 3"), "{err}");
    }
}
