//! Pretty-printing (feature `pretty`): the layout of the reviewed copies under
//! `crates/*/generated/`, which build scripts do not produce.

use quote::ToTokens;

use crate::GenerateError;

/// `file` laid out by prettyplease. prettyplease 0.2 prints syn 2 trees, so
/// the tokens are parsed again as syn 2 (a few milliseconds).
pub(crate) fn unparse(file: &syn::File) -> String {
    let tokens = file.to_token_stream();
    match syn2::parse2::<syn2::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Unreachable for tokens syn printed; unformatted beats nothing.
        Err(_) => tokens.to_string(),
    }
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
