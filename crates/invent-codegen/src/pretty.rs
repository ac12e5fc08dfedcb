//! Pretty-printing (feature `pretty`): the layout of the reviewed copies under
//! `crates/*/generated/`, which build scripts do not produce.

use quote::ToTokens;

use crate::GenerateError;

/// `file` laid out by prettyplease. prettyplease 0.2 prints syn 2 trees, so
/// the tokens are parsed again as syn 2 (a few milliseconds).
///
/// An item macro whose body is one item (`crate::open_enum! { pub enum .. }`)
/// is laid out as that item: prettyplease leaves macro bodies as a run of
/// tokens, which reads poorly for the types the generated code states this way.
pub(crate) fn unparse(file: &syn::File) -> String {
    let tokens = file.to_token_stream();
    match syn2::parse2::<syn2::File>(tokens.clone()) {
        Ok(mut file) => {
            let mut bodies = Vec::new();
            take_item_bodies(&mut file.items, &mut bodies);
            put_back(&prettyplease::unparse(&file), &bodies)
        }
        // Unreachable for tokens syn printed; unformatted beats nothing.
        Err(_) => tokens.to_string(),
    }
}

/// Marks the line where a body laid out separately goes.
fn placeholder(index: usize) -> String {
    format!("__invent_codegen_item_body_{index}")
}

/// Replaces the body of every item macro of `items` (and of the modules in
/// them) that is one item by a placeholder, collecting the body laid out.
fn take_item_bodies(items: &mut [syn2::Item], bodies: &mut Vec<String>) {
    for item in items {
        match item {
            syn2::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    take_item_bodies(inner, bodies);
                }
            }
            syn2::Item::Macro(m)
                if m.ident.is_none()
                    && matches!(m.mac.delimiter, syn2::MacroDelimiter::Brace(_)) =>
            {
                if let Ok(body) = syn2::parse2::<syn2::Item>(m.mac.tokens.clone()) {
                    bodies.push(prettyplease::unparse(&syn2::File {
                        shebang: None,
                        attrs: Vec::new(),
                        items: vec![body],
                    }));
                    let mark = quote::format_ident!("{}", placeholder(bodies.len() - 1));
                    m.mac.tokens = mark.into_token_stream();
                }
            }
            _ => {}
        }
    }
}

/// `text` with each placeholder line replaced by its body, indented as the
/// placeholder was.
fn put_back(text: &str, bodies: &[String]) -> String {
    if bodies.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + bodies.iter().map(String::len).sum::<usize>());
    let mut next = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if next < bodies.len() && trimmed == placeholder(next) {
            let indent = &line[..line.len() - trimmed.len()];
            for body_line in bodies[next].lines() {
                if !body_line.is_empty() {
                    out.push_str(indent);
                    out.push_str(body_line);
                }
                out.push('\n');
            }
            next += 1;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// What a build script's output (`generate_sdk` or `generate_httpmock`
/// without this feature) looks like in the reviewed copy: its leading `//`
/// lines kept, the code pretty-printed.
pub fn review_copy(generated: &str) -> Result<String, GenerateError> {
    let header: String = generated
        .lines()
        .take_while(|line| line.starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let file: syn::File = syn::parse_str(generated)
        .map_err(|e| GenerateError::Emit(format!("generated code does not parse: {e}")))?;
    Ok(format!("{header}{}", unparse(&file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_macro_whose_body_is_one_item_is_laid_out_as_that_item() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                crate::open_enum! { #[doc = "A fruit."] #[non_exhaustive] pub enum Fruit { Apple = "APPLE", Pear = "pear", Unknown(::std::string::String), } }
                other::tokens! { not an item }
            }
        };
        assert_eq!(
            unparse(&file),
            "pub mod types {\n    crate::open_enum! {\n        ///A fruit.\n        #[non_exhaustive]\n        \
             pub enum Fruit {\n            Apple = \"APPLE\",\n            Pear = \"pear\",\n            \
             Unknown(::std::string::String),\n        }\n    }\n    other::tokens! {\n        not an item\n    }\n}\n"
        );
    }
}
