//! Emits one call builder per operation: a struct holding the inputs, one
//! setter per query parameter and body property, the per-call options of
//! the runtime's `call_options_methods!`, and `send`, which checks the
//! inputs, builds the URL and body and hands them to `Client::execute`.
//!
//! Everything an operation's emission needs is computed once, in an
//! [`OpContext`], from the [model](crate::model).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::model::{Api, Bounds, Field, ModelKind, Operation, Parameter, Presence, TypeRef};
use crate::{naming, GenerateError};

/// Names the crate root re-exports besides the builders; an operation whose
/// builder would shadow one of them is rejected.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "ApiError",
    "ApiResponse",
    "Client",
    "ClientBuilder",
    "DecodeError",
    "Error",
    "Nullable",
    "Operation",
    "OutOfRange",
    "RetryPolicy",
    "Timestamp",
    "InvalidTimestamp",
    "DynamicCall",
];

/// Methods every builder has (`send`, `body`, and the runtime's per-call
/// options, present and planned: headers, extra query and body, extensions);
/// a parameter or property with one of these names is rejected.
const RESERVED_SETTERS: &[&str] = &[
    "send",
    "body",
    "new",
    "max_retries",
    "timeout",
    "retry_when_server_may_have_acted",
    "header",
    "extra_query",
    "extra_body",
    "extension",
];

/// A parameter, with its Rust identifier and type.
pub(crate) struct ParamContext<'a> {
    pub(crate) param: &'a Parameter,
    pub(crate) ident: Ident,
    pub(crate) ty: TokenStream,
}

/// How a builder holds a body property until `send`.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Holder {
    /// `Option<T>` of the declared type; `send` fails while `None`.
    Required,
    /// The declared `Option<T>`; the setter sets `Some`.
    Optional,
    /// The declared `Option<Nullable<T>>`: left out, `null`, or a value.
    Nullable,
    /// The declared type itself (a `Vec` or map typify defaults to empty).
    Defaulted,
}

impl Holder {
    fn of(field: &Field) -> Holder {
        match (field.presence, &field.ty) {
            (Presence::Required, _) => Holder::Required,
            (Presence::Nullable, _) => Holder::Nullable,
            (Presence::Optional, TypeRef::Option(_)) => Holder::Optional,
            (Presence::Optional, _) => Holder::Defaulted,
        }
    }

    /// The value before a setter runs.
    pub(crate) fn initial(self) -> TokenStream {
        match self {
            Holder::Defaulted => quote!(::std::default::Default::default()),
            _ => quote!(::std::option::Option::None),
        }
    }

    /// What a setter stores for `value` (of the field's value type).
    fn wrap(self, value: TokenStream) -> TokenStream {
        match self {
            Holder::Nullable => quote!(::std::option::Option::Some(crate::Nullable::Value(#value))),
            Holder::Required | Holder::Optional => quote!(::std::option::Option::Some(#value)),
            Holder::Defaulted => value,
        }
    }

    /// A pattern binding `value` when the held field (`#ident`) has a value to check.
    fn present(self, ident: &Ident) -> Option<TokenStream> {
        match self {
            Holder::Required => None,
            Holder::Optional => Some(quote!(::std::option::Option::Some(value) = &#ident)),
            Holder::Nullable => {
                Some(quote!(::std::option::Option::Some(crate::Nullable::Value(value)) = &#ident))
            }
            Holder::Defaulted => None,
        }
    }
}

/// A body property, with its Rust identifier and types.
pub(crate) struct FieldContext<'a> {
    pub(crate) field: &'a Field,
    pub(crate) ident: Ident,
    pub(crate) holder: Holder,
    /// The builder field's type.
    held: TokenStream,
    /// The type a setter takes.
    value: TokenStream,
    /// The value type is a checked integer (`TryFrom<i64, Error = OutOfRange>`).
    checked: bool,
    /// The value type is a `Timestamp`: must be RFC 3339 when sent.
    timestamp: bool,
}

/// Everything the emission of one operation needs.
pub(crate) struct OpContext<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) builder_ident: Ident,
    pub(crate) method_ident: Ident,
    pub(crate) static_ident: Ident,
    /// The `Client` method's doc: summary, description, method and path.
    pub(crate) doc: String,
    pub(crate) path_params: Vec<ParamContext<'a>>,
    pub(crate) query_params: Vec<ParamContext<'a>>,
    /// The body's type, if the operation takes one.
    pub(crate) body_ty: Option<TokenStream>,
    pub(crate) body_fields: Vec<FieldContext<'a>>,
    /// The success body's type; `None`: no body.
    pub(crate) response_ty: Option<TokenStream>,
}

impl<'a> OpContext<'a> {
    pub(crate) fn new(api: &'a Api, op: &'a Operation) -> Result<Self, GenerateError> {
        let refuse = |why: String| GenerateError::Emit(format!("operation {}: {why}", op.id));
        if RESERVED_TYPE_NAMES.contains(&op.builder.as_str()) {
            return Err(refuse(format!(
                "its builder would be named {}, which the SDK already uses",
                op.builder
            )));
        }
        let mut path_params = Vec::new();
        let mut query_params = Vec::new();
        for param in &op.parameters {
            if RESERVED_SETTERS.contains(&param.rust_name.as_str()) {
                return Err(refuse(format!(
                    "parameter {} clashes with a builder method",
                    param.name
                )));
            }
            let context = ParamContext {
                param,
                ident: naming::ident(&param.rust_name)?,
                ty: param.ty.to_tokens()?,
            };
            match param.location {
                crate::model::Location::Path => path_params.push(context),
                crate::model::Location::Query => query_params.push(context),
            }
        }
        let mut body_fields = Vec::new();
        let body_ty = match &op.body {
            Some(body) => {
                let fields = api
                    .body_fields(op)
                    .ok_or_else(|| refuse(format!("body {} is not a struct", body.model)))?;
                for field in fields {
                    let clash = RESERVED_SETTERS.contains(&field.rust_name.as_str())
                        || op.parameters.iter().any(|p| p.rust_name == field.rust_name);
                    if clash {
                        return Err(refuse(format!(
                            "body property {} clashes with a builder method or parameter",
                            field.name
                        )));
                    }
                    body_fields.push(field_context(api, field)?);
                }
                Some(TypeRef::Model(body.model.clone()).to_tokens()?)
            }
            None => None,
        };
        let mut doc = String::new();
        for text in [&op.summary, &op.description].into_iter().flatten() {
            doc.push_str(text.trim());
            doc.push_str("\n\n");
        }
        doc.push_str(&format!("`{} {}`", op.method, op.path));
        Ok(OpContext {
            op,
            builder_ident: naming::ident(&op.builder)?,
            method_ident: naming::ident(&op.rust_name)?,
            static_ident: naming::ident(&naming::static_name(&op.id))?,
            doc,
            path_params,
            query_params,
            body_ty,
            body_fields,
            response_ty: op.success.ty.as_ref().map(TypeRef::to_tokens).transpose()?,
        })
    }
}

fn field_context<'a>(api: &Api, field: &'a Field) -> Result<FieldContext<'a>, GenerateError> {
    let holder = Holder::of(field);
    let declared = field.ty.to_tokens()?;
    let value_ty = field.value_ty();
    let checked = match value_ty {
        TypeRef::Model(name) => matches!(
            api.models.get(name).map(|m| &m.kind),
            Some(ModelKind::CheckedInteger { .. })
        ),
        _ => false,
    };
    Ok(FieldContext {
        field,
        ident: naming::ident(&field.rust_name)?,
        holder,
        held: match holder {
            Holder::Required => quote!(::std::option::Option<#declared>),
            _ => declared,
        },
        value: value_ty.to_tokens()?,
        checked,
        timestamp: *value_ty == TypeRef::Timestamp,
    })
}

/// `crate::request::check_bounds(..)?` for `value` (an expression of a
/// `Display` type), or nothing without bounds.
fn bounds_check(name: &str, value: TokenStream, bounds: Option<Bounds>) -> Option<TokenStream> {
    let bounds = bounds?;
    let limit = |limit: Option<crate::model::Bound>| match limit {
        Some(b) => {
            let (value, exclusive) = (b.value, b.exclusive);
            quote!(::std::option::Option::Some((#value, #exclusive)))
        }
        None => quote!(::std::option::Option::None),
    };
    let (min, max) = (limit(bounds.min), limit(bounds.max));
    Some(quote!(crate::request::check_bounds(#name, #value, #min, #max)?;))
}

/// The call builder of one operation.
pub(crate) fn builder(c: &OpContext<'_>) -> Result<TokenStream, GenerateError> {
    let op = c.op;
    let ident = &c.builder_ident;
    let method_name = &c.method_ident;
    let doc = format!(
        "Builder for [`Client::{method_name}`](crate::Client::{method_name}): `{} {}`. Finish with [`send`](Self::send).\n\n\
         Input is checked when sending; a rejected call sends nothing.",
        op.method, op.path
    );
    let path_fields = c.path_params.iter().map(|p| {
        let (ident, ty) = (&p.ident, &p.ty);
        quote!(pub(crate) #ident: #ty,)
    });
    let query_fields = c.query_params.iter().map(|p| {
        let (ident, ty) = (&p.ident, &p.ty);
        quote!(pub(crate) #ident: ::std::option::Option<#ty>,)
    });
    let body_fields = c.body_fields.iter().map(|f| {
        let (ident, held) = (&f.ident, &f.held);
        quote!(pub(crate) #ident: #held,)
    });
    let query_setters = c.query_params.iter().map(query_setter);
    let body_setters = c
        .body_fields
        .iter()
        .map(body_setter)
        .collect::<Result<Vec<_>, _>>()?;
    let body_setter_whole = whole_body_setter(c);
    let options = if op.idempotent {
        quote!(crate::call_options_methods!(idempotent);)
    } else {
        quote!(crate::call_options_methods!(not_idempotent);)
    };
    let send = send(c)?;
    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[must_use = "nothing is sent until `.send().await`"]
        pub struct #ident<'a> {
            pub(crate) client: &'a crate::Client,
            #( #path_fields )*
            #( #query_fields )*
            #( #body_fields )*
            pub(crate) options: crate::CallOptions,
        }

        impl<'a> #ident<'a> {
            #( #query_setters )*
            #( #body_setters )*
            #body_setter_whole
            #options
            #send
        }
    })
}

fn query_setter(p: &ParamContext<'_>) -> TokenStream {
    let (ident, ty, name) = (&p.ident, &p.ty, &p.param.name);
    let doc = p
        .param
        .description
        .clone()
        .unwrap_or_else(|| format!("`{name}`."));
    let req = if p.param.required {
        format!("Query parameter `{name}` (required).")
    } else {
        format!("Query parameter `{name}`.")
    };
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[doc = #req]
        pub fn #ident(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
            self.#ident = ::std::option::Option::Some(value.into());
            self
        }
    }
}

fn body_setter(f: &FieldContext<'_>) -> Result<TokenStream, GenerateError> {
    let (ident, name, value_ty) = (&f.ident, &f.field.name, &f.value);
    let mut doc = f
        .field
        .description
        .clone()
        .unwrap_or_else(|| format!("`{name}`."));
    if f.holder == Holder::Required {
        doc.push_str(" Required.");
    }
    let setter = if f.checked {
        doc.push_str(
            " A value out of range fails the call with `Error::InvalidInput` before sending.",
        );
        let set = f.holder.wrap(quote!(value));
        quote! {
            #[doc = #doc]
            pub fn #ident<V>(mut self, value: V) -> Self
            where
                V: ::std::convert::TryInto<#value_ty, Error = crate::OutOfRange>,
            {
                match value.try_into() {
                    ::std::result::Result::Ok(value) => self.#ident = #set,
                    ::std::result::Result::Err(e) => self.options.reject(#name, e),
                }
                self
            }
        }
    } else {
        let set = f.holder.wrap(quote!(value.into()));
        quote! {
            #[doc = #doc]
            pub fn #ident(mut self, value: impl ::std::convert::Into<#value_ty>) -> Self {
                self.#ident = #set;
                self
            }
        }
    };
    let clear = if f.holder == Holder::Nullable {
        let clear = naming::ident(&naming::clear_name(&f.field.rust_name))?;
        let doc = format!("Sends `\"{name}\": null` (cancel / clear the value).");
        Some(quote! {
            #[doc = #doc]
            pub fn #clear(mut self) -> Self {
                self.#ident = ::std::option::Option::Some(crate::Nullable::Null);
                self
            }
        })
    } else {
        None
    };
    Ok(quote!(#setter #clear))
}

fn whole_body_setter(c: &OpContext<'_>) -> Option<TokenStream> {
    let ty = c.body_ty.as_ref()?;
    let fields: Vec<&Ident> = c.body_fields.iter().map(|f| &f.ident).collect();
    let assigns = c.body_fields.iter().map(|f| {
        let ident = &f.ident;
        match f.holder {
            Holder::Required => quote!(self.#ident = ::std::option::Option::Some(#ident);),
            _ => quote!(self.#ident = #ident;),
        }
    });
    Some(quote! {
        /// Replace the whole body (properties set earlier on this builder are dropped).
        pub fn body(mut self, body: #ty) -> Self {
            let #ty { #( #fields ),* } = body;
            #( #assigns )*
            self
        }
    })
}

/// `send`: destructure, check, build the URL and the body, execute.
fn send(c: &OpContext<'_>) -> Result<TokenStream, GenerateError> {
    let op = c.op;
    let all_idents = c
        .path_params
        .iter()
        .chain(&c.query_params)
        .map(|p| &p.ident)
        .chain(c.body_fields.iter().map(|f| &f.ident));
    let extra = op
        .extra_checks
        .then(|| quote!(crate::extras::ExtraChecks::extra_checks(&self)?;));
    let path_checks = c.path_params.iter().map(|p| {
        let (ident, name) = (&p.ident, &p.param.name);
        match &p.param.ty {
            TypeRef::String => quote!(crate::request::check_path_segment(#name, &#ident)?;),
            TypeRef::Timestamp => quote!(crate::request::check_timestamp(#name, &#ident)?;),
            _ => TokenStream::new(),
        }
    });
    let query_checks = c.query_params.iter().map(|p| {
        let (ident, name) = (&p.ident, &p.param.name);
        let required = p.param.required.then(|| {
            quote!(let #ident = ::std::option::Option::Some(crate::request::required(#name, #ident)?);)
        });
        let timestamp = (p.param.ty == TypeRef::Timestamp)
            .then(|| quote!(crate::request::check_timestamp(#name, value)?;));
        let bounds = bounds_check(name, quote!(value), p.param.bounds);
        let checks = (timestamp.is_some() || bounds.is_some()).then(|| {
            quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    #timestamp
                    #bounds
                }
            }
        });
        quote!(#required #checks)
    });
    let body_checks = c.body_fields.iter().map(body_checks);
    let url = url_tokens(c);
    let body_value = match &c.body_ty {
        Some(ty) => {
            let fields = c.body_fields.iter().map(|f| &f.ident);
            quote! {
                let body = #ty { #( #fields ),* };
                let body = ::std::option::Option::Some(crate::request::json_body(&body)?);
            }
        }
        None => quote!(let body = ::std::option::Option::None;),
    };
    let method = naming::ident(&op.method)?;
    let static_ident = &c.static_ident;
    let (response_ty, execute) = match &c.response_ty {
        Some(ty) => (
            quote!(#ty),
            quote!(client.execute::<#ty>(&super::#static_ident, request, options)),
        ),
        None => (
            quote!(()),
            quote!(client.execute_empty(&super::#static_ident, request, options)),
        ),
    };
    Ok(quote! {
        /// Checks the input and sends the request (retrying as the
        /// operation's retry safety allows).
        pub async fn send(mut self) -> ::std::result::Result<crate::ApiResponse<#response_ty>, crate::Error> {
            self.options.check()?;
            #extra
            let Self { client, #( #all_idents, )* options } = self;
            #( #path_checks )*
            #( #query_checks )*
            #( #body_checks )*
            #url
            #body_value
            let request = crate::request::Prepared {
                method: ::reqwest::Method::#method,
                url,
                body,
            };
            #execute.await
        }
    })
}

fn body_checks(f: &FieldContext<'_>) -> TokenStream {
    let (ident, name) = (&f.ident, &f.field.name);
    let required = (f.holder == Holder::Required)
        .then(|| quote!(let #ident = crate::request::required(#name, #ident)?;));
    // A check of the value, where there is one to check.
    let on_value = |check: TokenStream| match f.holder.present(ident) {
        Some(pattern) => quote!(if let #pattern { #check }),
        None if f.holder == Holder::Required => quote!({ let value = &#ident; #check }),
        None => TokenStream::new(),
    };
    let timestamp = f
        .timestamp
        .then(|| on_value(quote!(crate::request::check_timestamp(#name, value)?;)));
    let bounds = bounds_check(name, quote!(value), f.field.bounds).map(on_value);
    quote!(#required #timestamp #bounds)
}

/// Literal pieces and parameters of a path template, in order.
enum Piece<'a> {
    Literal(&'a str),
    Param(&'a str),
}

fn path_pieces(path: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Literal(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}') else {
            pieces.push(Piece::Literal(&rest[open..]));
            return pieces;
        };
        pieces.push(Piece::Param(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest));
    }
    pieces
}

fn url_tokens(c: &OpContext<'_>) -> TokenStream {
    let pieces = path_pieces(&c.op.path);
    let literal_len: usize = pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => l.len(),
            // Room for a typical id.
            Piece::Param(_) => 32,
        })
        .sum();
    let pushes = pieces.iter().map(|piece| match piece {
        Piece::Literal(l) => quote!(url.push_str(#l);),
        Piece::Param(name) => match c.path_params.iter().find(|p| p.param.name == *name) {
            Some(p) if p.param.ty.is_string() => {
                let ident = &p.ident;
                quote!(crate::request::push_segment(&mut url, &#ident);)
            }
            Some(p) => {
                let ident = &p.ident;
                quote!(crate::request::push_segment(&mut url, &::std::string::ToString::to_string(&#ident));)
            }
            None => quote!(),
        },
    });
    let query = (!c.query_params.is_empty()).then(|| {
        let pushes = c.query_params.iter().map(|p| {
            let (ident, name) = (&p.ident, &p.param.name);
            quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    query.push(#name, value);
                }
            }
        });
        quote! {
            let mut query = crate::request::Query::new(&mut url);
            #( #pushes )*
            drop(query);
        }
    });
    quote! {
        let mut url = ::std::string::String::with_capacity(client.base_url().len() + #literal_len);
        url.push_str(client.base_url());
        #( #pushes )*
        #query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates_split_into_literals_and_parameters() {
        let pieces: Vec<String> = path_pieces("/chats/{chat_id}/messages/{message_id}")
            .into_iter()
            .map(|p| match p {
                Piece::Literal(l) => format!("L{l}"),
                Piece::Param(p) => format!("P{p}"),
            })
            .collect();
        assert_eq!(
            pieces,
            ["L/chats/", "Pchat_id", "L/messages/", "Pmessage_id"]
        );
    }
}
