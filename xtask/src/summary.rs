//! What a regeneration changed in the models, in words a reviewer can scan.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::{Fields, Item};

use crate::spec_diff::generated::{compact, render, types_module};

/// The models of a generated SDK module: struct fields and enum variants.
#[derive(Debug, Default)]
pub struct ModelSummary {
    structs: BTreeMap<String, BTreeMap<String, String>>,
    enums: BTreeMap<String, Vec<String>>,
}

impl ModelSummary {
    /// Summarizes generated source; unparsable or empty source has no models.
    pub fn of(source: &str) -> Self {
        let mut summary = Self::default();
        let Ok(file) = syn::parse_file(source) else {
            return summary;
        };
        for item in types_module(&file).into_iter().flatten() {
            match item {
                Item::Struct(s) => {
                    let fields = match &s.fields {
                        Fields::Named(named) => named
                            .named
                            .iter()
                            .filter_map(|f| {
                                let name = f.ident.as_ref()?.to_string();
                                Some((name, render(&f.ty)))
                            })
                            .collect(),
                        other => BTreeMap::from([(
                            String::new(),
                            compact(&other.to_token_stream().to_string()),
                        )]),
                    };
                    summary.structs.insert(s.ident.to_string(), fields);
                }
                Item::Enum(e) => {
                    let variants = e.variants.iter().map(|v| v.ident.to_string()).collect();
                    summary.enums.insert(e.ident.to_string(), variants);
                }
                _ => {}
            }
        }
        summary
    }

    /// One line per change from `self` to `new`.
    pub fn changes_to(&self, new: &ModelSummary) -> Vec<String> {
        let mut out = Vec::new();
        for (name, fields) in &new.structs {
            match self.structs.get(name) {
                None => out.push(format!("type added: {name}")),
                Some(old) => diff_map(name, old, fields, &mut out),
            }
        }
        for name in self
            .structs
            .keys()
            .filter(|n| !new.structs.contains_key(*n))
        {
            out.push(format!("type removed: {name}"));
        }
        for (name, variants) in &new.enums {
            match self.enums.get(name) {
                None => out.push(format!("type added: {name}")),
                Some(old) => {
                    for v in variants.iter().filter(|v| !old.contains(v)) {
                        out.push(format!("variant added: {name}::{v}"));
                    }
                    for v in old.iter().filter(|v| !variants.contains(v)) {
                        out.push(format!("variant removed: {name}::{v}"));
                    }
                }
            }
        }
        for name in self.enums.keys().filter(|n| !new.enums.contains_key(*n)) {
            out.push(format!("type removed: {name}"));
        }
        out
    }
}

fn diff_map(
    ty: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    for (field, new_ty) in new {
        match old.get(field) {
            None => out.push(format!("field added: {ty}.{field}")),
            Some(old_ty) if old_ty != new_ty => {
                out.push(format!("field changed: {ty}.{field}: {old_ty} -> {new_ty}"))
            }
            Some(_) => {}
        }
    }
    for field in old.keys().filter(|f| !new.contains_key(*f)) {
        out.push(format!("field removed: {ty}.{field}"));
    }
}

/// The formatted source of model `name` in generated source, as the model
/// snapshots show it; `None` when there is no such model.
pub fn model_source(source: &str, name: &str) -> Option<String> {
    let file = syn::parse_file(source).ok()?;
    let item = types_module(&file)?.iter().find(|item| match item {
        Item::Struct(s) => s.ident == name,
        Item::Enum(e) => e.ident == name,
        _ => false,
    })?;
    Some(prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item.clone()],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_source_finds_one_model() {
        let source = "pub mod types { pub struct A { pub x: i64 } pub enum E { P } }";
        assert_eq!(
            model_source(source, "A").as_deref(),
            Some("pub struct A {\n    pub x: i64,\n}\n")
        );
        assert_eq!(
            model_source(source, "E").as_deref(),
            Some("pub enum E {\n    P,\n}\n")
        );
        assert_eq!(model_source(source, "Missing"), None);
    }

    #[test]
    fn reports_types_fields_and_variants() {
        let old = ModelSummary::of(
            "pub mod types { pub struct A { pub x: Option<String>, pub y: i64 } pub enum E { P, Q } pub struct Gone {} }",
        );
        let new = ModelSummary::of(
            "pub mod types { pub struct A { pub x: String, pub z: bool } pub enum E { P, R } pub struct B {} }",
        );
        assert_eq!(
            old.changes_to(&new),
            vec![
                "field changed: A.x: Option<String> -> String",
                "field added: A.z",
                "field removed: A.y",
                "type added: B",
                "type removed: Gone",
                "variant added: E::R",
                "variant removed: E::Q",
            ]
        );
    }
}
