//! Loading and validating `openapi.yaml` before progenitor sees it.
//!
//! progenitor panics or gives terse errors on specs it cannot read; contributors
//! editing the spec by hand get a message with a location instead.

use std::fmt;
use std::path::{Path, PathBuf};

use openapiv3::OpenAPI;
use serde_norway::Value;

/// Why a spec could not be used for generation.
#[derive(Debug)]
pub enum SpecError {
    /// The file could not be read.
    Io {
        /// The spec's path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid YAML, or not a valid OpenAPI 3.0 document.
    Syntax {
        /// Where the document came from (a path or a label).
        origin: String,
        /// 1-based line and column, when the parser knows them.
        location: Option<(usize, usize)>,
        /// The parser's message.
        message: String,
    },
    /// The document declares an OpenAPI version progenitor cannot read.
    UnsupportedVersion {
        /// Where the document came from.
        origin: String,
        /// The `openapi` field as written (empty when missing).
        found: String,
    },
    /// A `$ref` points at nothing, or outside the document.
    BrokenRef {
        /// Where the document came from.
        origin: String,
        /// The reference as written.
        reference: String,
        /// JSON-pointer-like path of the `$ref` in the document.
        at: String,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SpecError::Syntax {
                origin,
                location: Some((line, column)),
                message,
            } => write!(f, "{origin}:{line}:{column}: {message}"),
            SpecError::Syntax {
                origin, message, ..
            } => write!(f, "{origin}: {message}"),
            SpecError::UnsupportedVersion { origin, found } => write!(
                f,
                "{origin}: `openapi: {found}` is not supported: progenitor reads OpenAPI 3.0.x only \
                 (write the spec as 3.0.3; 3.1's `type: [string, \"null\"]` becomes `nullable: true`)"
            ),
            SpecError::BrokenRef {
                origin,
                reference,
                at,
            } => write!(
                f,
                "{origin}: `$ref: {reference}` at {at} does not resolve to anything in this document"
            ),
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads and validates the spec at `path`.
pub fn load_spec(path: &Path) -> Result<OpenAPI, SpecError> {
    SpecFile::load(path).map(|file| file.spec)
}

/// A spec as read from its file: the validated document, and the text whose
/// fingerprint stamps everything generated from it.
pub struct SpecFile {
    text: String,
    spec: OpenAPI,
}

impl SpecFile {
    /// Reads and validates the spec at `path`.
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let spec = parse_spec(&text, &path.display().to_string())?;
        Ok(SpecFile { text, spec })
    }

    /// The validated document.
    pub fn spec(&self) -> &OpenAPI {
        &self.spec
    }

    /// What `generate` makes of the spec, stamped with the spec's fingerprint
    /// ([`invent_review_copy::stamp`]): a build without the `codegen` feature
    /// compiles the reviewed copy only if its stamp matches the
    /// `openapi.yaml` beside it.
    pub fn generate(
        &self,
        generate: impl FnOnce(&OpenAPI) -> Result<String, crate::GenerateError>,
    ) -> Result<String, crate::GenerateError> {
        let code = generate(&self.spec)?;
        Ok(invent_review_copy::stamp(&code, self.text.as_bytes()))
    }
}

/// Validates spec text; `origin` names it in error messages.
pub fn parse_spec(text: &str, origin: &str) -> Result<OpenAPI, SpecError> {
    let syntax = |e: serde_norway::Error| SpecError::Syntax {
        origin: origin.to_owned(),
        location: e.location().map(|l| (l.line(), l.column())),
        message: e.to_string(),
    };
    let value: Value = serde_norway::from_str(text).map_err(syntax)?;

    let found = match value.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => serde_norway::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
        None => String::new(),
    };
    if !found.starts_with("3.0.") {
        return Err(SpecError::UnsupportedVersion {
            origin: origin.to_owned(),
            found,
        });
    }

    check_refs(&value, &value, &mut Vec::new(), origin)?;

    // Deserializing from the text (not the `Value`) keeps line numbers in errors.
    serde_norway::from_str(text).map_err(syntax)
}

fn check_refs(
    root: &Value,
    node: &Value,
    path: &mut Vec<String>,
    origin: &str,
) -> Result<(), SpecError> {
    match node {
        Value::Mapping(map) => {
            for (key, child) in map {
                let key = key.as_str().unwrap_or("?");
                if key == "$ref" {
                    let reference = child.as_str().unwrap_or_default();
                    if resolve(root, reference).is_none() {
                        return Err(SpecError::BrokenRef {
                            origin: origin.to_owned(),
                            reference: reference.to_owned(),
                            at: format!("/{}", path.join("/")),
                        });
                    }
                    continue;
                }
                path.push(key.replace('~', "~0").replace('/', "~1"));
                check_refs(root, child, path, origin)?;
                path.pop();
            }
        }
        Value::Sequence(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(index.to_string());
                check_refs(root, child, path, origin)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Resolves a local reference (`#/a/b`); anything else is unresolvable here.
fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix("#/")?;
    pointer.split('/').try_fold(root, |node, token| {
        let token = token.replace("~1", "/").replace("~0", "~");
        match node {
            Value::Mapping(map) => map.get(token.as_str()),
            Value::Sequence(items) => items.get(token.parse::<usize>().ok()?),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

    #[test]
    fn accepts_a_minimal_3_0_document() {
        assert!(parse_spec(MINIMAL, "min.yaml").is_ok());
    }

    #[test]
    fn rejects_3_1_with_advice() {
        let text = MINIMAL.replace("3.0.3", "3.1.0");
        let err = parse_spec(&text, "new.yaml").unwrap_err().to_string();
        assert!(
            err.starts_with("new.yaml: `openapi: 3.1.0` is not supported"),
            "{err}"
        );
        assert!(err.contains("3.0.x"), "{err}");
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'\npaths: {}\n";
        let err = parse_spec(text, "bad.yaml").unwrap_err();
        match &err {
            SpecError::Syntax {
                location: Some((line, _)),
                ..
            } => assert!(*line >= 2, "{err}"),
            other => panic!("expected a located syntax error, got {other:?}"),
        }
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
    }

    #[test]
    fn broken_refs_name_the_reference_and_where_it_is() {
        let text = format!(
            "{MINIMAL}components:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/Missing'}}\n"
        );
        let err = parse_spec(&text, "refs.yaml").unwrap_err().to_string();
        assert!(err.contains("#/components/schemas/Missing"), "{err}");
        assert!(err.contains("/components/schemas/A/properties/b"), "{err}");
    }

    #[test]
    fn the_project_spec_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.yaml");
        if let Err(e) = load_spec(&path) {
            panic!("{e}");
        }
    }
}
