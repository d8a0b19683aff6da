//! `spin.toml` (manifest version 2): parsed strictly, so that a field real Spin would not
//! accept is an error here too, and every error names the field it is about.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid manifest {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid manifest {path}: `{field}`: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// A loaded and validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The folder holding `spin.toml`: relative paths in the manifest resolve against it.
    pub app_dir: PathBuf,
    pub application: Application,
    pub variables: BTreeMap<String, AppVariable>,
    pub http_triggers: Vec<HttpTrigger>,
    pub components: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: toml::Value,
    application: Application,
    #[serde(default)]
    variables: BTreeMap<String, AppVariable>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<toml::Value>>,
    #[serde(default)]
    component: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub trigger: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Value>,
}

/// An application variable: `{ default = "…" }` or `{ required = true }`, optionally secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppVariable {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: HttpRoute,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Value>,
}

/// `route = "/path/..."`, or `route = { private = true }` (reachable only by service chaining).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HttpRoute {
    Path(String),
    Private { private: bool },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: ComponentSource,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub files: Vec<FileMount>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<ComponentBuild>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub dependencies_inherit_configuration: bool,
    #[serde(default)]
    pub dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ComponentSource {
    Local(String),
    Remote {
        url: String,
        digest: String,
    },
    Registry {
        registry: Option<String>,
        package: String,
        version: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileMount {
    Pattern(String),
    Placement { source: String, destination: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentBuild {
    pub command: BuildCommand,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BuildCommand {
    One(String),
    Many(Vec<String>),
}

impl BuildCommand {
    pub fn commands(&self) -> Vec<&str> {
        match self {
            BuildCommand::One(c) => vec![c.as_str()],
            BuildCommand::Many(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        let app_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let app_dir = if app_dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            app_dir
        };
        Self::parse(&text, path, app_dir)
    }

    pub fn parse(text: &str, path: &Path, app_dir: PathBuf) -> Result<Self, ManifestError> {
        let invalid = |field: String, message: String| ManifestError::Invalid {
            path: path.to_owned(),
            field,
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        if raw.spin_manifest_version.as_integer() != Some(2) {
            return Err(invalid(
                "spin_manifest_version".into(),
                "only manifest version 2 is supported".into(),
            ));
        }
        for (name, var) in &raw.variables {
            check_variable_name(name).map_err(|m| invalid(format!("variables.{name}"), m))?;
            if var.required == var.default.is_some() {
                return Err(invalid(
                    format!("variables.{name}"),
                    "a variable needs exactly one of `required = true` or a `default`".into(),
                ));
            }
        }
        let mut http_triggers = Vec::new();
        for (kind, triggers) in raw.trigger {
            if kind != "http" {
                return Err(invalid(
                    format!("trigger.{kind}"),
                    "only HTTP triggers are supported by this host".into(),
                ));
            }
            for (i, value) in triggers.into_iter().enumerate() {
                let trigger: HttpTrigger = value.try_into().map_err(|e: toml::de::Error| {
                    invalid(format!("trigger.http[{i}]"), e.to_string())
                })?;
                if !raw.component.contains_key(&trigger.component) {
                    return Err(invalid(
                        format!("trigger.http[{i}].component"),
                        format!("no component named `{}`", trigger.component),
                    ));
                }
                if let HttpRoute::Path(route) = &trigger.route {
                    check_route(route)
                        .map_err(|m| invalid(format!("trigger.http[{i}].route"), m))?;
                }
                http_triggers.push(trigger);
            }
        }
        for (id, component) in &raw.component {
            check_component_id(id).map_err(|m| invalid(format!("component.{id}"), m))?;
            let field = |f: &str| format!("component.{id}.{f}");
            if !matches!(component.source, ComponentSource::Local(_)) {
                return Err(invalid(
                    field("source"),
                    "only local file sources are supported by this host".into(),
                ));
            }
            for (name, template) in &component.variables {
                check_variable_name(name)
                    .map_err(|m| invalid(field(&format!("variables.{name}")), m))?;
                for reference in crate::variables::template_references(template)
                    .map_err(|m| invalid(field(&format!("variables.{name}")), m))?
                {
                    if !raw.variables.contains_key(&reference) {
                        return Err(invalid(
                            field(&format!("variables.{name}")),
                            format!("refers to undefined application variable `{reference}`"),
                        ));
                    }
                }
            }
            for label in &component.key_value_stores {
                if label.is_empty() {
                    return Err(invalid(
                        field("key_value_stores"),
                        "empty store label".into(),
                    ));
                }
            }
            for host in &component.allowed_outbound_hosts {
                if host.contains("{{") {
                    // A template over application variables, checked once they have values.
                    for reference in crate::variables::template_references(host)
                        .map_err(|m| invalid(field("allowed_outbound_hosts"), m))?
                    {
                        if !raw.variables.contains_key(&reference) {
                            return Err(invalid(
                                field("allowed_outbound_hosts"),
                                format!("refers to undefined application variable `{reference}`"),
                            ));
                        }
                    }
                    continue;
                }
                crate::outbound::AllowedHost::parse(host)
                    .map_err(|m| invalid(field("allowed_outbound_hosts"), m))?;
            }
        }
        Ok(Manifest {
            app_dir,
            application: raw.application,
            variables: raw.variables,
            http_triggers,
            components: raw.component,
        })
    }

    pub fn component_source(&self, id: &str) -> Option<PathBuf> {
        match &self.components.get(id)?.source {
            ComponentSource::Local(path) => Some(self.app_dir.join(path)),
            _ => None,
        }
    }
}

/// Spin's rule for variable names: lower-case ASCII letters, digits and single underscores,
/// starting with a letter.
pub fn check_variable_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid variable name: use lower-case letters, digits and single underscores, starting with a letter"
        ))
    }
}

/// Spin's rule for component ids: kebab-case words of lower-case letters and digits.
fn check_component_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not a valid component id: use kebab-case (lower-case letters and digits)"
        ))
    }
}

fn check_route(route: &str) -> Result<(), String> {
    if !route.starts_with('/') {
        return Err(format!("`{route}` must start with `/`"));
    }
    let before_wildcard = route.strip_suffix("/...").unwrap_or(route);
    if before_wildcard.contains("...") {
        return Err(format!(
            "`{route}`: `...` is only allowed as the last segment"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("spin.toml"), PathBuf::from("."))
    }

    const GOOD: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
secret_key = { required = true, secret = true }
greeting = { default = "hi" }
[[trigger.http]]
route = "/api/..."
component = "api"
[component.api]
source = "api.wasm"
key_value_stores = ["default"]
sqlite_databases = ["default"]
[component.api.variables]
key = "{{ secret_key }}"
[component.api.build]
command = "cargo build"
watch = ["src/**/*.rs"]
"#;

    #[test]
    fn accepts_a_good_manifest() {
        let m = parse(GOOD).expect("valid");
        assert_eq!(m.application.name, "demo");
        assert_eq!(m.http_triggers.len(), 1);
        assert_eq!(m.components["api"].key_value_stores, vec!["default"]);
    }

    #[test]
    fn unknown_field_is_named() {
        let text = GOOD.replace("key_value_stores", "key_value_store");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("key_value_store"), "{err}");
    }

    #[test]
    fn trigger_naming_missing_component_is_rejected() {
        let text = GOOD.replace("component = \"api\"", "component = \"nope\"");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("trigger.http[0].component"), "{err}");
    }

    #[test]
    fn variable_template_must_reference_a_declared_variable() {
        let text = GOOD.replace("{{ secret_key }}", "{{ other }}");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("component.api.variables.key"), "{err}");
    }

    #[test]
    fn variables_need_a_default_or_required_and_may_be_described() {
        let text = GOOD.replace(
            "greeting = { default = \"hi\" }",
            "greeting = { default = \"hi\", description = \"how to greet\" }",
        );
        assert!(parse(&text).is_ok());
        let text = GOOD.replace(
            "greeting = { default = \"hi\" }",
            "greeting = { secret = true }",
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("variables.greeting"), "{err}");
    }

    #[test]
    fn wrong_manifest_version_is_named() {
        let text = GOOD.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("spin_manifest_version"), "{err}");
    }

    #[test]
    fn bad_route_is_named() {
        let text = GOOD.replace("\"/api/...\"", "\"api/.../x\"");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("trigger.http[0].route"), "{err}");
    }

    #[test]
    fn variable_names_follow_spin_rules() {
        assert!(check_variable_name("eds_trust_anchors").is_ok());
        assert!(check_variable_name("Bad").is_err());
        assert!(check_variable_name("a__b").is_err());
        assert!(check_variable_name("_a").is_err());
        assert!(check_variable_name("a_").is_err());
    }
}
