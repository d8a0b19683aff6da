//! Spin's runtime-config file (`--runtime-config-file`), for the stores this app uses: where the
//! `default` key-value store and the `default` SQLite database live. The same file starts the
//! app under `spin up` and SpinKube; this host reads the same keys the same way:
//!
//! ```toml
//! [key_value_store.default]
//! type = "redis"                 # or "spin", with an optional `path`
//! url = "redis://127.0.0.1:6379"
//!
//! [sqlite_database.default]
//! type = "spin"                  # `libsql` is Spin's too, but not served by this host
//! path = "data/portal.db"
//! ```
//!
//! As in Spin, a key-value `path` is relative to the runtime-config file's folder and a SQLite
//! `path` to the current directory. Other sections Spin knows (variables providers, logging,
//! OTel) are not this host's to read and are ignored; a store type this host cannot serve is an
//! error naming it, not a silent fallback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the `default` key-value store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueConfig {
    /// Spin's SQLite file, at this path (or the state dir's default).
    Spin {
        path: Option<PathBuf>,
    },
    Redis {
        url: String,
    },
}

/// Where the `default` database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteConfig {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub key_value: Option<KeyValueConfig>,
    pub sqlite: Option<SqliteConfig>,
}

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(default)]
    key_value_store: BTreeMap<String, RawStore>,
    #[serde(default)]
    sqlite_database: BTreeMap<String, RawStore>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: Option<PathBuf>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

impl RuntimeConfig {
    pub fn load(file: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read runtime config {}: {e}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        Self::parse(&text, dir).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
    }

    pub fn parse(text: &str, config_dir: &Path) -> Result<Self, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut config = RuntimeConfig::default();
        for (label, store) in raw.key_value_store {
            if label != "default" {
                return Err(format!(
                    "key_value_store.{label}: this app uses only the `default` store"
                ));
            }
            config.key_value = Some(match store.kind.as_str() {
                "spin" => KeyValueConfig::Spin {
                    path: store.path.map(|p| config_dir.join(p)),
                },
                "redis" => KeyValueConfig::Redis {
                    url: store
                        .url
                        .ok_or("key_value_store.default: type \"redis\" needs a url")?,
                },
                other => {
                    return Err(format!(
                        "key_value_store.default: type \"{other}\" is not served by this host (spin or redis)"
                    ));
                }
            });
        }
        for (label, store) in raw.sqlite_database {
            if label != "default" {
                return Err(format!(
                    "sqlite_database.{label}: this app uses only the `default` database"
                ));
            }
            config.sqlite = Some(match store.kind.as_str() {
                "spin" => SqliteConfig { path: store.path },
                "libsql" => {
                    let _ = (store.url, store.token);
                    return Err(
                        "sqlite_database.default: type \"libsql\" is served by real Spin (SpinKube), not by this host (README, \"libSQL\"): run `spin up` with this file"
                            .into(),
                    );
                }
                other => {
                    return Err(format!(
                        "sqlite_database.default: type \"{other}\" is not served by this host (spin)"
                    ));
                }
            });
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_and_spin_stores_parse_with_spins_path_rules() {
        let config = RuntimeConfig::parse(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\n\
             [sqlite_database.default]\ntype = \"spin\"\npath = \"data/db.sqlite\"\n",
            Path::new("/etc/jaria"),
        )
        .unwrap();
        assert_eq!(
            config.key_value,
            Some(KeyValueConfig::Redis {
                url: "redis://127.0.0.1:6379".into()
            })
        );
        // SQLite paths stay relative to where the host runs, as in Spin.
        assert_eq!(
            config.sqlite,
            Some(SqliteConfig {
                path: Some("data/db.sqlite".into())
            })
        );
        let spin_kv = RuntimeConfig::parse(
            "[key_value_store.default]\ntype = \"spin\"\npath = \"kv.db\"\n",
            Path::new("/etc/jaria"),
        )
        .unwrap();
        assert_eq!(
            spin_kv.key_value,
            Some(KeyValueConfig::Spin {
                path: Some("/etc/jaria/kv.db".into())
            })
        );
    }

    #[test]
    fn what_this_host_cannot_serve_is_refused_by_name() {
        let libsql = RuntimeConfig::parse(
            "[sqlite_database.default]\ntype = \"libsql\"\nurl = \"https://x\"\ntoken = \"t\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            libsql.contains("libsql") && libsql.contains("spin up"),
            "{libsql}"
        );
        assert!(
            RuntimeConfig::parse(
                "[key_value_store.default]\ntype = \"azure_cosmos\"\n",
                Path::new(".")
            )
            .unwrap_err()
            .contains("azure_cosmos")
        );
        assert!(
            RuntimeConfig::parse(
                "[key_value_store.default]\ntype = \"redis\"\n",
                Path::new(".")
            )
            .unwrap_err()
            .contains("url")
        );
        assert!(
            RuntimeConfig::parse("[key_value_store.cache]\ntype = \"spin\"\n", Path::new("."))
                .unwrap_err()
                .contains("cache")
        );
        // Sections for other parts of Spin are not this host's concern.
        assert_eq!(
            RuntimeConfig::parse("[[config_provider]]\ntype = \"vault\"\n", Path::new("."))
                .unwrap(),
            RuntimeConfig::default()
        );
    }
}
