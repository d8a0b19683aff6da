//! Application and component variables, resolved as Spin resolves them: a component variable
//! is a template over application variables; an application variable takes its value from the
//! `SPIN_VARIABLE_<NAME>` environment variable, else its `default`.

use std::collections::{BTreeMap, HashMap};

use crate::manifest::{Manifest, check_variable_name};

#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    #[error("invalid variable name: {0}")]
    InvalidName(String),
    #[error("no variable named `{0}` is defined for this component")]
    Undefined(String),
    #[error("{0}")]
    Provider(String),
}

/// Names of the application variables a template refers to, in order of appearance.
pub fn template_references(template: &str) -> Result<Vec<String>, String> {
    let mut refs = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unterminated `{{{{` in template `{template}`"))?;
        let name = after[..end].trim();
        check_variable_name(name)?;
        refs.push(name.to_owned());
        rest = &after[end + 2..];
    }
    Ok(refs)
}

fn render(template: &str, values: &HashMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unterminated `{{{{` in template `{template}`"))?;
        let name = after[..end].trim();
        let value = values
            .get(name)
            .ok_or_else(|| format!("application variable `{name}` has no value"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The variables of every component, resolved once at start-up: a required variable with no
/// value fails start-up, as in Spin.
#[derive(Debug, Default, Clone)]
pub struct ResolvedVariables {
    by_component: HashMap<String, BTreeMap<String, String>>,
    /// Application variables with a value, for templates in other manifest fields
    /// (`allowed_outbound_hosts`).
    app_values: HashMap<String, String>,
}

impl ResolvedVariables {
    pub fn resolve(
        manifest: &Manifest,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let mut app_values = HashMap::new();
        for (name, var) in &manifest.variables {
            let from_env = env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()));
            match from_env.or_else(|| var.default.clone()) {
                Some(value) => {
                    app_values.insert(name.clone(), value);
                }
                None if var.required => anyhow::bail!(
                    "required application variable `{name}` has no value: set SPIN_VARIABLE_{}",
                    name.to_ascii_uppercase()
                ),
                None => {}
            }
        }
        let mut by_component = HashMap::new();
        for (id, component) in &manifest.components {
            let mut resolved = BTreeMap::new();
            for (name, template) in &component.variables {
                let value = render(template, &app_values)
                    .map_err(|m| anyhow::anyhow!("component `{id}` variable `{name}`: {m}"))?;
                resolved.insert(name.clone(), value);
            }
            by_component.insert(id.clone(), resolved);
        }
        Ok(Self {
            by_component,
            app_values,
        })
    }

    /// A template over application variables (`{{ name }}`), rendered as Spin renders the
    /// entries of `allowed_outbound_hosts`.
    pub fn render_app_template(&self, template: &str) -> Result<String, String> {
        render(template, &self.app_values)
    }

    pub fn get(&self, component: &str, name: &str) -> Result<String, VariableError> {
        check_variable_name(name).map_err(VariableError::InvalidName)?;
        self.by_component
            .get(component)
            .and_then(|vars| vars.get(name))
            .cloned()
            .ok_or_else(|| VariableError::Undefined(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
region = { default = "kz" }
key = { required = true }
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
[component.web.variables]
url = "https://{{ region }}.example/{{key}}"
"#,
            Path::new("spin.toml"),
            PathBuf::from("."),
        )
        .expect("valid manifest")
    }

    #[test]
    fn templates_resolve_from_environment_then_default() {
        let vars = ResolvedVariables::resolve(&manifest(), &|name| {
            (name == "SPIN_VARIABLE_KEY").then(|| "abc".to_owned())
        })
        .expect("resolves");
        assert_eq!(vars.get("web", "url").unwrap(), "https://kz.example/abc");
    }

    #[test]
    fn environment_overrides_default() {
        let vars = ResolvedVariables::resolve(&manifest(), &|name| match name {
            "SPIN_VARIABLE_KEY" => Some("k".into()),
            "SPIN_VARIABLE_REGION" => Some("almaty".into()),
            _ => None,
        })
        .expect("resolves");
        assert_eq!(vars.get("web", "url").unwrap(), "https://almaty.example/k");
    }

    #[test]
    fn missing_required_variable_fails_start_up() {
        let err = ResolvedVariables::resolve(&manifest(), &|_| None).unwrap_err();
        assert!(err.to_string().contains("SPIN_VARIABLE_KEY"), "{err}");
    }

    #[test]
    fn undefined_and_invalid_names_are_distinguished() {
        let vars =
            ResolvedVariables::resolve(&manifest(), &|_| Some("x".into())).expect("resolves");
        assert!(matches!(
            vars.get("web", "nope"),
            Err(VariableError::Undefined(_))
        ));
        assert!(matches!(
            vars.get("web", "Nope"),
            Err(VariableError::InvalidName(_))
        ));
    }
}
