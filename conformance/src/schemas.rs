//! The response-shape catalogue: every `specs/*.schema.json`, compiled once, reporting each violation with its JSON path.
//!
//! `specs/` is the single source of truth for shapes (see `specs/README.md`). All schema files are
//! registered under their `$id` (`https://igsim.local/specs/<name>.schema.json`) so relative
//! `$ref`s such as `common.schema.json#/$defs/graph_id` resolve without any network or file
//! retrieval. The directory is `<workspace>/specs`, or `$IGSIM_SPECS_DIR` when set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// Base URI every schema's `$id` must live under.
pub const BASE_URI: &str = "https://igsim.local/specs/";

/// File-name suffix of a schema in `specs/`.
pub const SUFFIX: &str = ".schema.json";

/// The shared-definitions document: registered as a resource, but not a response shape.
pub const COMMON: &str = "common";

/// Every schema in one directory, compiled.
pub struct Catalogue {
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("schemas", &self.validators.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Catalogue {
    /// Names (without `.schema.json`) of the shapes that can be validated against, sorted.
    pub fn names(&self) -> Vec<String> {
        self.validators.keys().cloned().collect()
    }

    /// Validate `instance` against the schema called `schema_name` (`ig_media` or
    /// `ig_media.schema.json`). Each error reads `<instance path>: <what is wrong>`.
    pub fn validate(&self, schema_name: &str, instance: &Value) -> Result<(), Vec<String>> {
        let name = normalise(schema_name);
        let Some(validator) = self.validators.get(name) else {
            return Err(vec![format!(
                "unknown schema '{schema_name}' (known: {})",
                self.names().join(", ")
            )]);
        };
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|error| {
                let path = error.instance_path().as_str();
                let path = if path.is_empty() { "/" } else { path };
                format!("{path}: {error}")
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Where the schemas are read from: `$IGSIM_SPECS_DIR`, else `<workspace root>/specs`.
pub fn specs_dir() -> PathBuf {
    match std::env::var_os("IGSIM_SPECS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("specs"),
    }
}

/// Read, cross-check and compile every `*.schema.json` in `dir`.
///
/// Fails if a file is not JSON, its `$id` does not match its file name, a `$ref` points at a
/// schema or a `$defs` entry that does not exist, or the jsonschema compiler rejects a schema.
pub fn compile(dir: &Path) -> Result<Catalogue, String> {
    let documents = read_documents(dir)?;
    if documents.is_empty() {
        return Err(format!("no *{SUFFIX} files in {}", dir.display()));
    }
    for (name, document) in &documents {
        check_refs(name, document, document, &documents)?;
    }
    let registry = jsonschema::Registry::new()
        .extend(
            documents
                .iter()
                .map(|(name, document)| (uri_of(name), document.clone())),
        )
        .and_then(|builder| builder.prepare())
        .map_err(|error| format!("registering specs/: {error}"))?;
    let mut validators = BTreeMap::new();
    for (name, document) in &documents {
        let validator = jsonschema::options()
            .offline()
            .with_registry(&registry)
            .build(document)
            .map_err(|error| format!("{name}{SUFFIX} does not compile: {error}"))?;
        if name != COMMON {
            validators.insert(name.clone(), validator);
        }
    }
    Ok(Catalogue { validators })
}

/// The catalogue for [`specs_dir`], compiled on first use.
pub fn catalogue() -> Result<&'static Catalogue, String> {
    static CATALOGUE: OnceLock<Result<Catalogue, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| compile(&specs_dir()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Validate `instance` against `specs/<schema_name>.schema.json`; see [`Catalogue::validate`].
/// An unknown schema name, or a `specs/` that does not compile, is an error, never a pass.
pub fn validate(schema_name: &str, instance: &Value) -> Result<(), Vec<String>> {
    match catalogue() {
        Ok(catalogue) => catalogue.validate(schema_name, instance),
        Err(error) => Err(vec![error]),
    }
}

/// Names of every response shape in `specs/` (sorted, without `.schema.json`; `common` holds only
/// shared `$defs` and is not listed). Empty if `specs/` does not compile.
pub fn schema_names() -> Vec<String> {
    catalogue().map(Catalogue::names).unwrap_or_default()
}

fn normalise(schema_name: &str) -> &str {
    schema_name.strip_suffix(SUFFIX).unwrap_or(schema_name)
}

fn uri_of(name: &str) -> String {
    format!("{BASE_URI}{name}{SUFFIX}")
}

fn read_documents(dir: &Path) -> Result<BTreeMap<String, Value>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("reading {}: {error}", dir.display()))?;
    let mut documents = BTreeMap::new();
    for entry in entries {
        let path = entry
            .map_err(|error| format!("reading {}: {error}", dir.display()))?
            .path();
        let Some(name) = path
            .file_name()
            .and_then(|file| file.to_str())
            .and_then(|file| file.strip_suffix(SUFFIX))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|error| format!("reading {}: {error}", path.display()))?;
        let document: Value =
            serde_json::from_str(&text).map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
        let expected = uri_of(name);
        if document.get("$id").and_then(Value::as_str) != Some(expected.as_str()) {
            return Err(format!("{name}{SUFFIX}: $id must be \"{expected}\""));
        }
        documents.insert(name.to_owned(), document);
    }
    Ok(documents)
}

/// Every `$ref` below `value` must name a schema in the directory and, if it has a fragment, a
/// JSON pointer that exists in that schema. The compiler would catch most of these too, but only
/// when the ref is reached; this names the file and the ref.
fn check_refs(name: &str, document: &Value, value: &Value, documents: &BTreeMap<String, Value>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let reference = reference
                    .as_str()
                    .ok_or_else(|| format!("{name}{SUFFIX}: $ref must be a string"))?;
                resolve(name, document, reference, documents)?;
            }
            map.values()
                .try_for_each(|child| check_refs(name, document, child, documents))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|child| check_refs(name, document, child, documents)),
        _ => Ok(()),
    }
}

fn resolve(name: &str, document: &Value, reference: &str, documents: &BTreeMap<String, Value>) -> Result<(), String> {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target = if file.is_empty() {
        document
    } else {
        let target_name = file
            .strip_prefix(BASE_URI)
            .unwrap_or(file)
            .strip_suffix(SUFFIX)
            .ok_or_else(|| format!("{name}{SUFFIX}: $ref \"{reference}\" is not a *{SUFFIX}"))?;
        documents
            .get(target_name)
            .ok_or_else(|| format!("{name}{SUFFIX}: $ref \"{reference}\" names a schema that does not exist"))?
    };
    if !fragment.is_empty() && target.pointer(fragment).is_none() {
        return Err(format!("{name}{SUFFIX}: $ref \"{reference}\" points at nothing"));
    }
    Ok(())
}
