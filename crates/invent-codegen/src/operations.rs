//! Emits the operation layer from the [model](crate::model): `pub mod
//! operations` with an `Operation` static per operation, `OPERATIONS`, the
//! `Client` methods, `dispatch` (the untyped entry point) and the call
//! builders (module `builders` of this crate).
//!
//! Generated code names the runtime it runs on by `crate::` paths (the
//! `Client`, `request`, `CallOptions`, `OperationFields`, `extras`, …), so a
//! crate that includes it provides those names at its root: invent-sdk
//! itself, or a crate re-exporting them from `invent_sdk::__private` (the
//! fixture crate, `crates/invent-codegen/fixture`). Statics are built with
//! `Operation::from_fields`: `Operation` is `#[non_exhaustive]`, so no
//! other crate could write it as a struct literal.
//!
//! Spec extensions read (on an operation), through the model:
//!
//! | extension | meaning |
//! |---|---|
//! | `x-invent-idempotent: true/false` | overrides the retry safety the method implies (GET, HEAD, PUT, PATCH, DELETE, OPTIONS idempotent; POST not) |
//! | `x-invent-extra-checks: true` | the crate has a hand-written `ExtraChecks` impl for this operation's builder (checks the schema cannot express) |

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::builders::{self, OpContext};
use crate::model::{Api, Location};
use crate::GenerateError;

/// Generates `pub mod operations` for every operation of `api`.
pub(crate) fn generate(api: &Api) -> Result<Item, GenerateError> {
    let contexts = api
        .operations
        .iter()
        .map(|op| OpContext::new(api, op))
        .collect::<Result<Vec<_>, _>>()?;

    let builders = contexts
        .iter()
        .map(builders::builder)
        .collect::<Result<Vec<_>, _>>()?;
    let client_methods: Vec<TokenStream> = contexts.iter().map(client_method).collect();
    let statics = contexts
        .iter()
        .map(operation_static)
        .collect::<Result<Vec<_>, _>>()?;
    let static_idents = contexts.iter().map(|c| &c.static_ident);
    let arms: Vec<TokenStream> = contexts.iter().map(dispatch_arm).collect();

    let tokens = quote! {
        /// The operations of `openapi.yaml`: a description of each
        /// ([`OPERATIONS`](crate::operations::OPERATIONS)) and its call
        /// builder ([`builders`](crate::operations::builders)), reached
        /// through the [`Client`](crate::Client) method named after its
        /// `operationId`.
        pub mod operations {
            pub use self::builders::*;

            #( #statics )*

            /// Every operation in the spec, in spec order.
            pub static OPERATIONS: &[&crate::Operation] = &[ #( &#static_idents ),* ];

            impl crate::Client {
                #( #client_methods )*
            }

            /// Runs the operation named `operation_id` with untyped inputs,
            /// through the same typed builder as a direct call.
            #[allow(unused_mut)]
            pub(crate) async fn dispatch(
                client: &crate::Client,
                operation_id: &str,
                mut call: crate::DynamicCall,
            ) -> ::std::result::Result<crate::ApiResponse<::serde_json::Value>, crate::Error> {
                match operation_id {
                    #( #arms )*
                    _ => ::std::result::Result::Err(crate::dynamic::unknown_operation(operation_id)),
                }
            }

            /// One call builder per operation.
            pub mod builders {
                #( #builders )*
            }
        }
    };
    syn::parse2(tokens).map_err(|e| GenerateError::Emit(format!("operations module: {e}")))
}

fn operation_static(c: &OpContext<'_>) -> Result<TokenStream, GenerateError> {
    let op = c.op;
    let ident = &c.static_ident;
    let id = &op.id;
    let method = &op.method;
    let path = &op.path;
    let idempotent = op.idempotent;
    let names = |location: Location| -> Vec<&str> {
        op.parameters
            .iter()
            .filter(|p| p.location == location)
            .map(|p| p.name.as_str())
            .collect()
    };
    let (path_params, query_params) = (names(Location::Path), names(Location::Query));
    let body_properties = c.body_fields.iter().map(|f| f.field.name.as_str());
    let has_body = op.body.is_some();
    let body_required = op.body.as_ref().is_some_and(|b| b.required);
    let example = match &op.response_example {
        Some(e) => {
            let text = serde_json::to_string(e)
                .map_err(|e| GenerateError::Emit(format!("operation {id}: example: {e}")))?;
            quote!(::std::option::Option::Some(#text))
        }
        None => quote!(::std::option::Option::None),
    };
    let method_name = &c.method_ident;
    let doc =
        format!("`{method} {path}` ([`Client::{method_name}`](crate::Client::{method_name})).");
    Ok(quote! {
        #[doc = #doc]
        pub static #ident: crate::Operation = crate::Operation::from_fields(crate::OperationFields {
            id: #id,
            method: #method,
            path: #path,
            idempotent: #idempotent,
            path_params: &[ #( #path_params ),* ],
            query_params: &[ #( #query_params ),* ],
            has_body: #has_body,
            body_required: #body_required,
            body_properties: &[ #( #body_properties ),* ],
            response_example: #example,
        });
    })
}

fn client_method(c: &OpContext<'_>) -> TokenStream {
    let name = &c.method_ident;
    let builder = &c.builder_ident;
    let doc = &c.doc;
    let args = c.path_params.iter().map(|p| {
        let (ident, ty) = (&p.ident, &p.ty);
        quote!(#ident: impl ::std::convert::Into<#ty>)
    });
    let path_inits = c.path_params.iter().map(|p| {
        let ident = &p.ident;
        quote!(#ident: #ident.into(),)
    });
    let query_inits = c.query_params.iter().map(|p| {
        let ident = &p.ident;
        quote!(#ident: ::std::option::Option::None,)
    });
    let body_inits = c.body_fields.iter().map(|f| {
        let ident = &f.ident;
        let init = f.holder.initial();
        quote!(#ident: #init,)
    });
    let see = format!("Returns a [`{builder}`]: set inputs, then `.send().await`.");
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[doc = #see]
        pub fn #name(&self, #( #args ),*) -> #builder<'_> {
            #builder {
                client: self,
                #( #path_inits )*
                #( #query_inits )*
                #( #body_inits )*
                options: ::std::default::Default::default(),
            }
        }
    }
}

fn dispatch_arm(c: &OpContext<'_>) -> TokenStream {
    let id = &c.op.id;
    let name = &c.method_ident;
    let static_ident = &c.static_ident;
    let path_args = c.path_params.iter().map(|p| {
        let (ty, name) = (&p.ty, &p.param.name);
        quote!(call.path_param::<#ty>(&#static_ident, #name)?)
    });
    let query = c.query_params.iter().map(|p| {
        let (ty, name, ident) = (&p.ty, &p.param.name, &p.ident);
        quote! {
            if let ::std::option::Option::Some(value) = call.query_param::<#ty>(#name)? {
                builder = builder.#ident(value);
            }
        }
    });
    let body = c.body_ty.as_ref().map(|ty| {
        quote! {
            if let ::std::option::Option::Some(body) = call.take_body::<#ty>()? {
                builder = builder.body(body);
            }
        }
    });
    let into_json = if c.response_ty.is_some() {
        quote!(crate::ApiResponse::into_json(response))
    } else {
        quote!(response.map(|()| ::serde_json::Value::Null))
    };
    quote! {
        #id => {
            call.check(&#static_ident)?;
            #[allow(unused_mut)]
            let mut builder = client.#name( #( #path_args ),* );
            #( #query )*
            #body
            builder.options = call.options();
            let response = builder.send().await?;
            ::std::result::Result::Ok(#into_json)
        }
    }
}
