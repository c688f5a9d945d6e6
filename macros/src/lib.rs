//! `#[rill::main]` and `#[rill::test]`: attribute macros that build a rill runtime and run an
//! `async fn` body on it with `block_on`. Use them through `rill` (its default `macros`
//! feature re-exports both); this crate is not meant to be a direct dependency.
//!
//! Both take the [`rill::Builder`](https://docs.rs/rill) options as `name = value` arguments,
//! each mapped to the builder method of the same name, checked when the macro expands:
//!
//! | argument | value | builder call |
//! |---|---|---|
//! | `backend` | `"epoll"`, `"kqueue"`, `"poll"`, `"select"` or `"default"` | `.backend(..)` |
//! | `worker_threads` | integer ≥ 1 | `.worker_threads(n)` |
//! | `inline_budget` | integer (`u32`) | `.inline_budget(n)` |
//! | `max_io` | integer ≥ 1 | `.max_io(n)` |
//! | `event_capacity` | integer ≥ 1 | `.event_capacity(n)` |
//! | `timer_capacity` | integer ≥ 1 | `.timer_capacity(n)` |
//! | `task_capacity` | integer | `.task_capacity(n)` |
//! | `start_paused` | `true` or `false` | `.start_paused(b)` (the test clock) |
//! | `yield_before_block` | `true` or `false` | `.yield_before_block(b)` |
//!
//! The expansion keeps the function's attributes, visibility, name and return type; the body
//! becomes an inner `async fn` with that same return type (so `?` and `return` mean what they
//! mean in an `async fn`), and the outer function builds the runtime (panicking with the OS
//! error if that fails) and `block_on`s the inner one.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

/// Runs an `async fn main` on a rill runtime.
///
/// ```
/// #[rill::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = rill::TcpListener::bind("127.0.0.1:0")?;
///     assert!(listener.local_addr()?.port() != 0);
///     Ok(())
/// }
/// ```
///
/// With builder options (see the crate docs for the list):
///
/// ```
/// #[rill::main(backend = "poll", worker_threads = 2, inline_budget = 0, max_io = 1024)]
/// async fn main() {
///     assert_eq!(rill::Handle::try_current().unwrap().worker_count(), 2);
/// }
/// ```
///
/// The function must be `async` and take no arguments; arguments are checked:
///
/// ```compile_fail
/// #[rill::main]
/// fn main() {} // error: the function must be `async`
/// ```
///
/// ```compile_fail
/// #[rill::main(threads = 2)] // error: unknown argument `threads`
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[rill::main(backend = "iouring")] // error: unknown backend
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[rill::main(start_paused = 1)] // error: `start_paused` takes `true` or `false`
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into(), Kind::Main)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Runs an `async fn` test on a fresh rill runtime: the function becomes a `#[test]`.
///
/// ```
/// #[rill::test(backend = "poll")]
/// async fn echoes() -> std::io::Result<()> {
///     let (a, b) = rill::UnixStream::pair()?;
///     a.write_all(b"hi").await?;
///     let mut buf = [0u8; 2];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// }
/// # fn main() {} // (a doctest does not run `#[test]` functions; this shows the form)
/// ```
///
/// Do not add `#[test]` yourself: the macro does.
///
/// ```compile_fail
/// #[rill::test]
/// #[test] // error: `#[rill::test]` already adds `#[test]`
/// async fn twice() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into(), Kind::Test)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[rill::main]",
            Kind::Test => "#[rill::test]",
        }
    }
}

/// The builder options, by argument name: what each value must be.
const OPTIONS: &[(&str, Value)] = &[
    ("backend", Value::Backend),
    ("worker_threads", Value::PositiveUsize),
    ("inline_budget", Value::U32),
    ("max_io", Value::PositiveUsize),
    ("event_capacity", Value::PositiveUsize),
    ("timer_capacity", Value::PositiveUsize),
    ("task_capacity", Value::Usize),
    ("start_paused", Value::Bool),
    ("yield_before_block", Value::Bool),
];

#[derive(Clone, Copy)]
enum Value {
    Backend,
    Bool,
    U32,
    Usize,
    PositiveUsize,
}

fn expand(args: TokenStream2, item: TokenStream2, kind: Kind) -> syn::Result<TokenStream2> {
    let func: ItemFn = syn::parse2(item)?;
    let calls = builder_calls(args)?;
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "{}: the function must be `async` (`async fn {}`)",
                kind.name(),
                sig.ident
            ),
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!("{}: the function must take no arguments", kind.name()),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("{}: the function must not be generic", kind.name()),
        ));
    }
    if kind == Kind::Test {
        if let Some(attr) = func.attrs.iter().find(|a| a.path().is_ident("test")) {
            return Err(syn::Error::new(
                attr.span(),
                "#[rill::test] already adds `#[test]`: remove this one",
            ));
        }
    }
    let attrs = &func.attrs;
    let vis = &func.vis;
    let ident = &sig.ident;
    let output = &sig.output;
    let body = &func.block;
    let test_attr = match kind {
        Kind::Test => quote! { #[::core::prelude::v1::test] },
        Kind::Main => quote! {},
    };
    let what = kind.name();
    // The inner fn carries the body's spans, so errors in the body point at the user's code.
    let inner = quote_spanned! {body.span()=>
        async fn __rill_body() #output #body
    };
    Ok(quote! {
        #test_attr
        #(#attrs)*
        #vis fn #ident() #output {
            #inner
            let __rill_runtime = ::rill::Builder::new()
                #(#calls)*
                .build()
                .unwrap_or_else(|e| ::core::panic!("{}: building the runtime: {}", #what, e));
            __rill_runtime.block_on(__rill_body())
        }
    })
}

/// Parses `name = value, ...` into `.name(value)` builder calls, checking every name and value.
fn builder_calls(args: TokenStream2) -> syn::Result<Vec<TokenStream2>> {
    let parsed = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut seen: Vec<String> = Vec::new();
    let mut calls = Vec::new();
    for arg in parsed {
        let Some(name) = arg.path.get_ident().map(ToString::to_string) else {
            return Err(syn::Error::new(arg.path.span(), unknown_message("this")));
        };
        let Some(&(_, value)) = OPTIONS.iter().find(|(n, _)| *n == name) else {
            return Err(syn::Error::new(
                arg.path.span(),
                unknown_message(&format!("`{name}`")),
            ));
        };
        if seen.contains(&name) {
            return Err(syn::Error::new(
                arg.path.span(),
                format!("`{name}` is given twice"),
            ));
        }
        seen.push(name.clone());
        let method = syn::Ident::new(&name, arg.path.span());
        let v = &arg.value;
        let value = match value {
            Value::Backend => backend(v)?,
            Value::Bool => match v {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => quote! { #b },
                _ => {
                    return Err(syn::Error::new(
                        v.span(),
                        format!("`{name}` takes `true` or `false`"),
                    ))
                }
            },
            Value::U32 => {
                let n: u32 = int(v, &name)?;
                quote! { #n }
            }
            Value::Usize | Value::PositiveUsize => {
                let n: usize = int(v, &name)?;
                if n == 0 && matches!(value, Value::PositiveUsize) {
                    return Err(syn::Error::new(
                        v.span(),
                        format!("`{name}` must be at least 1"),
                    ));
                }
                quote! { #n }
            }
        };
        calls.push(quote! { .#method(#value) });
    }
    Ok(calls)
}

fn unknown_message(what: &str) -> String {
    let names: Vec<&str> = OPTIONS.iter().map(|(n, _)| *n).collect();
    format!(
        "unknown argument {what}: expected one of {}",
        names.join(", ")
    )
}

/// A backend name as a `rill::Backend` expression.
fn backend(v: &Expr) -> syn::Result<TokenStream2> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = v
    else {
        return Err(syn::Error::new(
            v.span(),
            "`backend` takes a string: \"epoll\", \"kqueue\", \"poll\", \"select\" or \"default\"",
        ));
    };
    let span = s.span();
    Ok(match s.value().as_str() {
        "epoll" => quote_spanned! {span=> ::rill::Backend::Epoll },
        "kqueue" => quote_spanned! {span=> ::rill::Backend::Kqueue },
        "poll" => quote_spanned! {span=> ::rill::Backend::Poll },
        "select" => quote_spanned! {span=> ::rill::Backend::Select },
        "default" => quote_spanned! {span=> ::rill::Backend::platform_default() },
        other => {
            return Err(syn::Error::new(
                span,
                format!(
                    "unknown backend \"{other}\": expected \"epoll\", \"kqueue\", \"poll\", \
                     \"select\" or \"default\""
                ),
            ))
        }
    })
}

/// An integer literal that fits `N`.
fn int<N>(v: &Expr, name: &str) -> syn::Result<N>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    match v {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<N>().map_err(|e| {
            syn::Error::new(i.span(), format!("`{name}`: {e} (`{}`)", i.base10_digits()))
        }),
        _ => Err(syn::Error::new(
            v.span(),
            format!("`{name}` takes an integer literal"),
        )),
    }
}
