//! Snapshots of what is generated from `openapi.yaml`: one per model, the
//! JSON Schemas of `Chat` and both request bodies, and the public signatures
//! of the operations (the `Client` methods and their call builders). A spec change shows up here as a small per-type diff.
//!
//! Update with `cargo xtask codegen` (never by accepting blindly: read the diff).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use quote::ToTokens;
use syn::{ImplItem, Item};

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/invent_sdk.rs"));
const REVIEW_COPY: &str = include_str!("../generated/invent_sdk.rs");

fn generated_file() -> syn::File {
    syn::parse_file(GENERATED).expect("generated code parses")
}

fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

fn types_module(file: &syn::File) -> &[Item] {
    module(&file.items, "types").expect("a `types` module")
}

fn unparse(item: Item) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: vec![],
        items: vec![item],
    })
}

/// The build writes the code unformatted; the review copy is the same code
/// laid out by `cargo xtask codegen`.
#[test]
fn review_copy_matches_what_the_build_generates() {
    let laid_out = invent_codegen::pretty::review_copy(GENERATED).expect("generated code parses");
    assert!(
        laid_out == REVIEW_COPY.replace("\r\n", "\n"),
        "crates/invent-sdk/generated/invent_sdk.rs is stale: run `cargo xtask codegen`"
    );
}

#[test]
fn each_model() {
    let file = generated_file();
    let mut count = 0;
    for item in types_module(&file) {
        let name = match item {
            Item::Struct(s) => s.ident.to_string(),
            Item::Enum(e) => e.ident.to_string(),
            _ => continue,
        };
        insta::assert_snapshot!(format!("model__{name}"), unparse(item.clone()));
        count += 1;
    }
    assert!(count >= 40, "only {count} models generated");
}

#[test]
fn json_schemas() {
    use invent_sdk::types::{Chat, ForkChatRequest, UpdateChatStateRequest};
    let pretty = |schema: schemars::schema::RootSchema| {
        serde_json::to_string_pretty(&schema).expect("encodes")
    };
    insta::assert_snapshot!("schema__Chat", pretty(schemars::schema_for!(Chat)));
    insta::assert_snapshot!(
        "schema__UpdateChatStateRequest",
        pretty(schemars::schema_for!(UpdateChatStateRequest))
    );
    insta::assert_snapshot!(
        "schema__ForkChatRequest",
        pretty(schemars::schema_for!(ForkChatRequest))
    );
}

#[test]
fn operation_signatures() {
    let file = generated_file();
    let mut lines = Vec::new();
    let mut signatures = |scope: String, items: &[ImplItem]| {
        for item in items {
            if let ImplItem::Fn(f) = item {
                if matches!(f.vis, syn::Visibility::Public(_)) {
                    let sig = f.sig.to_token_stream().to_string();
                    let item: Item =
                        syn::parse_str(&format!("{sig} {{}}")).expect("signature parses");
                    let text = unparse(item);
                    lines.push(format!(
                        "{scope}: {}",
                        text.trim().trim_end_matches("{}").trim()
                    ));
                }
            }
        }
    };
    let operations = module(&file.items, "operations").expect("a `operations` module");
    for item in operations {
        if let Item::Impl(i) = item {
            if i.trait_.is_none() && i.self_ty.to_token_stream().to_string().ends_with("Client") {
                signatures("Client".to_owned(), &i.items);
            }
        }
    }
    for item in module(operations, "builders").expect("a `builders` module") {
        if let Item::Impl(i) = item {
            if i.trait_.is_none() {
                let ty = i.self_ty.to_token_stream().to_string().replace(' ', "");
                signatures(ty, &i.items);
            }
        }
    }
    insta::assert_snapshot!("operations", lines.join("\n"));
}
