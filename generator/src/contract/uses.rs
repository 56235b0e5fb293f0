//! What a piece of runtime source names, read with `syn`: the types it takes from
//! `crate::types` (or `plaid_idv::types`), the `Type::Item` paths it uses, the fields it reads or
//! writes, the methods it calls, the `Webhook` variants it matches and the operation
//! descriptors (`operations::NAME`) it sends. Doc examples (`///`, `//!` and Markdown fences)
//! are read the same way, each as its own [`Uses`].
//!
//! Macro bodies are read as expressions where they parse as such (`assert_eq!`, `matches!`),
//! and token by token otherwise (`json!`), so that a name used only inside a macro still counts.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use syn::visit::Visit;

/// The names one piece of source uses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Uses {
    /// Generated types, by their real name (a `use … as Alias` is resolved).
    pub types: BTreeSet<String>,
    /// `Type::Item` paths (variants, constructors, associated constants), real type names.
    pub items: BTreeSet<(String, String)>,
    /// Field names read or written through `value.field` (on a value of any type).
    pub fields: BTreeSet<String>,
    /// Fields named in a struct literal or pattern, with the struct's (real) name.
    pub literal_fields: BTreeSet<(String, String)>,
    /// Method names called.
    pub methods: BTreeSet<String>,
    /// `Webhook::Variant`s named.
    pub webhooks: BTreeSet<String>,
    /// Operation descriptors named as `operations::NAME`.
    pub descriptors: BTreeSet<String>,
    /// `use … as Alias` renames of generated types: alias → real name.
    aliases: BTreeMap<String, String>,
}

impl Uses {
    /// Everything `other` uses too.
    pub fn extend(&mut self, other: Uses) {
        self.types.extend(other.types);
        self.items.extend(other.items);
        self.fields.extend(other.fields);
        self.literal_fields.extend(other.literal_fields);
        self.methods.extend(other.methods);
        self.webhooks.extend(other.webhooks);
        self.descriptors.extend(other.descriptors);
    }

    /// Whether it names anything generated from the spec: a type, an operation descriptor, a
    /// webhook variant, or a method in `operations` (the portion's operation method names).
    pub fn names_generated(&self, operations: &BTreeSet<&str>) -> bool {
        !self.types.is_empty()
            || !self.descriptors.is_empty()
            || !self.webhooks.is_empty()
            || self.methods.iter().any(|m| operations.contains(m.as_str()))
    }

    fn real(&self, name: &str) -> String {
        self.aliases.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    fn path(&mut self, segments: &[String]) {
        if let Some(i) = segments.iter().position(|s| s == "types") {
            if let Some(t) = segments.get(i + 1) {
                let t = self.real(t);
                self.types.insert(t.clone());
                if let Some(item) = segments.get(i + 2) {
                    self.items.insert((t, item.clone()));
                }
            }
            return;
        }
        if let Some(i) = segments.iter().position(|s| s == "operations") {
            if let Some(d) = segments.get(i + 1) {
                self.descriptors.insert(d.clone());
            }
            return;
        }
        if let [.., a, b] = segments {
            if a == "Webhook" {
                self.webhooks.insert(b.clone());
            } else if a.starts_with(|c: char| c.is_ascii_uppercase()) {
                let a = self.real(a);
                self.items.insert((a, b.clone()));
            }
        }
    }

    fn tokens(&mut self, tokens: TokenStream) {
        // As expressions first (`assert_eq!(a.b, T::V)`), else token by token.
        use syn::parse::Parser;
        let exprs = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated.parse2(tokens.clone());
        if let Ok(exprs) = exprs {
            for e in exprs {
                self.visit_expr(&e);
            }
            return;
        }
        let list: Vec<TokenTree> = tokens.into_iter().collect();
        let mut path: Vec<String> = Vec::new();
        let mut i = 0;
        while i < list.len() {
            match &list[i] {
                TokenTree::Ident(id) => {
                    path.push(id.to_string());
                    let colons = matches!((list.get(i + 1), list.get(i + 2)),
                        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                    if colons {
                        i += 3;
                        continue;
                    }
                    if path.len() > 1 {
                        self.path(&path);
                    }
                    path.clear();
                }
                TokenTree::Punct(p) if p.as_char() == '.' => {
                    if let Some(TokenTree::Ident(id)) = list.get(i + 1) {
                        let call = matches!(list.get(i + 2), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
                        if call {
                            self.methods.insert(id.to_string());
                        } else {
                            self.fields.insert(id.to_string());
                        }
                        i += 2;
                        continue;
                    }
                    path.clear();
                }
                TokenTree::Group(g) => {
                    path.clear();
                    self.tokens(g.stream());
                }
                _ => path.clear(),
            }
            i += 1;
        }
    }
}

fn segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        fn walk(uses: &mut Uses, tree: &syn::UseTree, prefix: &mut Vec<String>) {
            match tree {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    walk(uses, &p.tree, prefix);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    prefix.push(n.ident.to_string());
                    uses.path(prefix);
                    prefix.pop();
                }
                syn::UseTree::Rename(r) => {
                    prefix.push(r.ident.to_string());
                    if prefix.iter().any(|s| s == "types") {
                        uses.aliases.insert(r.rename.to_string(), r.ident.to_string());
                    }
                    uses.path(prefix);
                    prefix.pop();
                }
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        walk(uses, t, prefix);
                    }
                }
                syn::UseTree::Glob(_) => {}
            }
        }
        walk(self, &u.tree, &mut Vec::new());
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.path(&segments(p));
        syn::visit::visit_path(self, p);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.methods.insert(m.method.to_string());
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_field(&mut self, e: &'ast syn::ExprField) {
        if let syn::Member::Named(n) = &e.member {
            self.fields.insert(n.to_string());
        }
        self.visit_expr(&e.base);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        self.visit_path(&e.path);
        let ty = e.path.segments.last().map(|s| self.real(&s.ident.to_string())).unwrap_or_default();
        for f in &e.fields {
            if let syn::Member::Named(n) = &f.member {
                self.literal_fields.insert((ty.clone(), n.to_string()));
            }
            self.visit_expr(&f.expr);
        }
        if let Some(rest) = &e.rest {
            self.visit_expr(rest);
        }
    }

    fn visit_pat_struct(&mut self, p: &'ast syn::PatStruct) {
        self.visit_path(&p.path);
        let ty = p.path.segments.last().map(|s| self.real(&s.ident.to_string())).unwrap_or_default();
        for f in &p.fields {
            if let syn::Member::Named(n) = &f.member {
                self.literal_fields.insert((ty.clone(), n.to_string()));
            }
            self.visit_pat(&f.pat);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}

/// The names used by a whole source file (doc examples excluded: see [`doc_blocks`]).
/// A file that does not parse uses nothing (the runtime is compiled, so it always parses; a
/// test reads every runtime file).
pub fn of_file(src: &str) -> Uses {
    let mut uses = Uses::default();
    if let Ok(file) = syn::parse_file(src) {
        uses.visit_file(&file);
    }
    uses
}

/// The names used by one doc example's code (hidden `# ` lines included).
pub fn of_example(code: &str) -> Uses {
    let mut uses = Uses::default();
    let wrapped = format!("fn __doc_example() {{\n{code}\n}}");
    if let Ok(file) = syn::parse_file(&wrapped).or_else(|_| syn::parse_file(code)) {
        uses.visit_file(&file);
    }
    uses
}

/// A fenced code block in documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocBlock {
    /// Line index (0-based) of the opening fence in the source.
    pub fence_line: usize,
    /// Line index of the closing fence.
    pub end_line: usize,
    /// The fence's info string (`rust`, `no_run`, `ignore`, …).
    pub info: String,
    /// The code, with the doc-comment markers and the hidden-line `# ` removed.
    pub code: String,
}

impl DocBlock {
    /// Whether rustdoc compiles it: a Rust block that is not `ignore`d. A `compile_fail`
    /// block counts: it must fail with its error code, not with a name the crate lacks.
    pub fn is_compiled(&self) -> bool {
        let words: Vec<&str> = self.info.split(',').map(str::trim).filter(|w| !w.is_empty()).collect();
        let rust = words.is_empty()
            || words
                .iter()
                .all(|w| matches!(*w, "rust" | "no_run" | "should_panic" | "compile_fail") || w.starts_with("edition"));
        rust && !words.contains(&"ignore")
    }
}

/// The fenced code blocks of `src`: in `///` and `//!` comments for a Rust file, in the text
/// itself for Markdown (`markdown`).
pub fn doc_blocks(src: &str, markdown: bool) -> Vec<DocBlock> {
    let mut out = Vec::new();
    let mut open: Option<DocBlock> = None;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim_start();
        let text = if markdown {
            Some(line)
        } else {
            t.strip_prefix("///").or_else(|| t.strip_prefix("//!")).map(|r| r.strip_prefix(' ').unwrap_or(r))
        };
        let Some(text) = text else {
            open = None;
            continue;
        };
        let fence = text.trim_start();
        match (&mut open, fence.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(DocBlock { fence_line: i, end_line: i, info: info.trim().to_string(), code: String::new() })
            }
            (Some(b), Some(_)) => {
                b.end_line = i;
                out.extend(open.take());
            }
            (Some(b), None) => {
                let code = match text.trim_start().strip_prefix('#') {
                    Some(rest) if rest.is_empty() || rest.starts_with(' ') => rest.strip_prefix(' ').unwrap_or(rest),
                    _ => text,
                };
                b.code.push_str(code);
                b.code.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}
