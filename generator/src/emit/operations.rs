//! Operations: one async method per operation on `Client`, plus page and item streams for
//! cursor-paginated ones.

use super::{doc_attr, ident, ty_tokens};
use crate::ir::{Ir, Operation, RetrySafety, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// Emits the `operations` module body.
pub fn emit(ir: &Ir) -> TokenStream {
    let types = quote!(types::);
    let methods = ir.operations.iter().map(|op| emit_op(op, &types));
    let descriptors = ir.operations.iter().map(emit_descriptor);
    let pages = ir.operations.iter().filter_map(|op| emit_pagination(op, &types));
    if ir.operations.is_empty() {
        return quote! {
            //! This portion has no operations.
        };
    }
    // Only when some signature names a generated type (responses may all be `Value`).
    let uses_types = ir.operations.iter().any(|op| {
        op.request.iter().chain([&op.response]).chain(op.pagination.as_ref().map(|p| &p.item_ty)).any(names_a_type)
    });
    let use_types = uses_types.then(|| quote! { use crate::types; });
    quote! {
        #![allow(deprecated)]
        //! One async method per operation of the portion.
        //!
        //! The methods are `#[inline]`, so a method and the decoder of its response are compiled
        //! in the crate that calls it, only for the operations that crate uses, rather than all
        //! of them here (they are most of this crate's build time).
        #use_types
        use crate::runtime::client::{Operation, Retry};
        use crate::runtime::{Client, Error};
        #(#descriptors)*
        impl Client {
            #(#methods)*
        }
        #(#pages)*
    }
}

/// Whether `t` mentions a generated type.
fn names_a_type(t: &Ty) -> bool {
    match t {
        Ty::Named(_) => true,
        Ty::Vec(i) | Ty::Map(i) | Ty::Nullable(i) => names_a_type(i),
        _ => false,
    }
}

/// The operation's descriptor: the one place its id, HTTP method and path are spelled. The
/// method sends through it, and so does the runtime (the flow helpers, the fake, the
/// verifier's key fetch), under the name [`crate::naming::descriptor_name`] gives.
fn emit_descriptor(op: &Operation) -> TokenStream {
    let name = ident(&crate::naming::descriptor_name(&op.method_name));
    let (id, path) = (&op.id, &op.path);
    let method = ident(&op.http_method);
    let doc = format!(" `{} {}` (operation `{}`).", op.http_method, op.path, op.id);
    quote! {
        #[doc = #doc]
        pub(crate) const #name: Operation = Operation { id: #id, method: ::reqwest::Method::#method, path: #path };
    }
}

fn emit_op(op: &Operation, types: &TokenStream) -> TokenStream {
    let name = ident(&op.method_name);
    let mut doc = op.doc.clone().unwrap_or_default();
    doc.push_str(&format!("\n\n`{} {}` (operation `{}`).", op.http_method, op.path, op.id));
    let retry_note = match &op.retry {
        RetrySafety::Always => {
            "\n\nRead-only: retried on connect failures, timeouts, resets, 429 and 5xx under the client's \
             retry policy, within its operation timeout."
                .to_string()
        }
        RetrySafety::Never => "\n\nRetried only when the request was never sent (a connect failure): repeating \
                               it could change state twice."
            .to_string(),
        RetrySafety::WhenTrue { field, .. } => {
            format!(
                "\n\nRetried on timeouts, resets, 429 and 5xx only when `{field}` is `true`, which makes \
                 repeating it safe; a connect failure (the request was never sent) is retried either way."
            )
        }
    };
    doc.push_str(&retry_note);
    let doc = doc_attr(Some(&doc), "");
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let descriptor = ident(&crate::naming::descriptor_name(&op.method_name));
    let resp = ty_tokens(&op.response, types);
    let retry = match &op.retry {
        RetrySafety::Always => quote!(Retry::Safe),
        RetrySafety::Never => quote!(Retry::Never),
        RetrySafety::WhenTrue { field, shape } => {
            let f = ident(field);
            let test = match shape.options() {
                0 => quote!(request.#f),
                1 => quote!(request.#f == Some(true)),
                _ => quote!(request.#f == Some(Some(true))),
            };
            quote!(if #test { Retry::Safe } else { Retry::Never })
        }
    };
    match &op.request {
        Some(req) => {
            let req = ty_tokens(req, types);
            let paged = op.pagination.as_ref().map(|p| {
                let pages = ident(&p.pages_method);
                let stream = ident(&p.stream_method);
                let item = ty_tokens(&p.item_ty, types);
                let dp = format!(" Every page of [`Client::{}`], following `next_cursor` until it is empty.", op.method_name);
                let ds = format!(" Every item of every page of [`Client::{}`], in order.", op.method_name);
                quote! {
                    #[doc = #dp]
                    #[doc = ""]
                    #[doc = " A cursor that repeats (the starting one included) ends the stream with [`Error::RepeatedCursor`];"]
                    #[doc = " more than [`Client::max_pages`] pages end it with [`Error::PageLimit`]."]
                    #[inline]
                    pub fn #pages(&self, request: &#req) -> impl ::futures_util::Stream<Item = Result<#resp, Error>> + Send + 'static {
                        crate::runtime::paginate::pages(self.clone(), request.clone())
                    }
                    #[doc = #ds]
                    #[inline]
                    pub fn #stream(&self, request: &#req) -> impl ::futures_util::Stream<Item = Result<#item, Error>> + Send + 'static {
                        crate::runtime::paginate::items(self.clone(), request.clone())
                    }
                }
            });
            quote! {
                #doc
                #deprecated
                #[inline]
                pub async fn #name(&self, request: &#req) -> Result<#resp, Error> {
                    self.execute(&#descriptor, Some(request), #retry).await
                }
                #paged
            }
        }
        None => quote! {
            #doc
            #deprecated
            #[inline]
            pub async fn #name(&self) -> Result<#resp, Error> {
                self.execute::<::serde_json::Value, _>(&#descriptor, None, #retry).await
            }
        },
    }
}

fn emit_pagination(op: &Operation, types: &TokenStream) -> Option<TokenStream> {
    let p = op.pagination.as_ref()?;
    let req = ty_tokens(op.request.as_ref()?, types);
    let resp = ty_tokens(&op.response, types);
    let item = ty_tokens(&p.item_ty, types);
    let method = ident(&op.method_name);
    let cursor = ident(&p.cursor_field);
    let next = ident(&p.next_field);
    let items = ident(&p.items_field);
    let (set, get) = match p.cursor_shape.options() {
        0 => (quote!(self.#cursor = cursor.unwrap_or_default()), quote!(Some(self.#cursor.as_str()))),
        1 => (quote!(self.#cursor = cursor), quote!(self.#cursor.as_deref())),
        _ => (quote!(self.#cursor = Some(cursor)), quote!(self.#cursor.as_ref().and_then(|c| c.as_deref()))),
    };
    let next_expr = match p.next_shape.options() {
        0 => quote!(Some(self.#next.as_str())),
        _ => quote!(self.#next.as_deref()),
    };
    Some(quote! {
        impl crate::runtime::paginate::PagedRequest for #req {
            type Page = #resp;
            fn cursor(&self) -> Option<&str> { #get }
            fn set_cursor(&mut self, cursor: Option<String>) { #set; }
            fn fetch(client: &Client, request: &Self) -> impl ::std::future::Future<Output = Result<#resp, Error>> + Send {
                let (client, request) = (client.clone(), request.clone());
                async move { client.#method(&request).await }
            }
        }
        impl crate::runtime::paginate::Page for #resp {
            type Item = #item;
            fn next_cursor(&self) -> Option<&str> { #next_expr }
            fn into_items(self) -> Vec<#item> { self.#items }
        }
    })
}
