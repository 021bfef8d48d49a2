//! Import circles between the modules of a crate, read from its source text.
//!
//! The rule the workspace keeps: arrows point down. A module may use its children and the
//! modules below it; when two modules use each other, directly or around a longer circle,
//! neither can be understood (or changed) without the other. This reads every module file of
//! a crate (from `mod` declarations, starting at `lib.rs`/`main.rs`), every `crate::…`,
//! `super::…` and `self::…` path in it (in `use` lists, braces expanded, and inline), resolves
//! each to the module it names, and finds the circles among those arrows.
//!
//! Two kinds of reference are not arrows: a module naming one of its ancestors (a child is part
//! of its parent: `use super::Decoder` in `wire/line.rs` beside `pub use line::LineDecoder` in
//! `wire/mod.rs` is one unit, the usual facade), and anything inside a `#[cfg(test)]` item.
//! A parent naming its children is an arrow like any other, so a folder that uses a module
//! which uses the folder back is a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One circle: the module files in it, and, for each arrow inside it, the path that draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circle {
    /// The files of the circle, sorted.
    pub files: Vec<String>,
    /// `from -> to: crate::path` for every arrow between two files of the circle.
    pub arrows: Vec<String>,
}

impl std::fmt::Display for Circle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "circle of {} modules: {}",
            self.files.len(),
            self.files.join(", ")
        )?;
        for arrow in &self.arrows {
            writeln!(f, "  {arrow}")?;
        }
        Ok(())
    }
}

/// The circles of the crate whose root file is `root_file` (e.g. `src/lib.rs`), reading
/// files from disk.
///
/// # Panics
///
/// When a declared module's file cannot be read.
pub fn circles_in(root_file: &Path) -> Vec<Circle> {
    circles(root_file, |path| std::fs::read_to_string(path).ok())
}

/// The circles of the crate rooted at `root_file`, reading files with `read`.
///
/// # Panics
///
/// When a declared module's file cannot be read.
pub fn circles(root_file: &Path, read: impl Fn(&Path) -> Option<String>) -> Vec<Circle> {
    let modules = load(root_file, &read);
    let mut arrows: BTreeMap<usize, BTreeMap<usize, String>> = BTreeMap::new();
    for (from, module) in modules.iter().enumerate() {
        for path in &module.paths {
            let Some(to) = resolve(&modules, from, path) else {
                continue;
            };
            if to == from || is_ancestor(&modules, to, from) {
                continue;
            }
            arrows
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert_with(|| path.join("::"));
        }
    }
    strongly_connected(modules.len(), &arrows)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let set: BTreeSet<usize> = component.iter().copied().collect();
            let mut files: Vec<String> = component
                .iter()
                .map(|&m| modules[m].file.display().to_string())
                .collect();
            files.sort();
            let mut lines = Vec::new();
            for &from in &set {
                for (to, path) in arrows.get(&from).into_iter().flatten() {
                    if set.contains(to) {
                        lines.push(format!(
                            "{} -> {}: {path}",
                            modules[from].file.display(),
                            modules[*to].file.display()
                        ));
                    }
                }
            }
            Circle {
                files,
                arrows: lines,
            }
        })
        .collect()
}

/// A module: its file, its place in the tree, and the paths its code names.
struct Module {
    file: PathBuf,
    parent: Option<usize>,
    /// Child module name → index.
    children: BTreeMap<String, usize>,
    /// Every path starting at `crate`, `super` or `self`, as segments.
    paths: Vec<Vec<String>>,
}

/// Reads the module tree from `root_file` down.
fn load(root_file: &Path, read: &impl Fn(&Path) -> Option<String>) -> Vec<Module> {
    let mut modules: Vec<Module> = Vec::new();
    let mut queue = vec![(root_file.to_path_buf(), None::<(usize, String)>)];
    while let Some((file, parent)) = queue.pop() {
        let text = read(&file).unwrap_or_else(|| panic!("cannot read {}", file.display()));
        let code = without_tests(&strip_comments_and_strings(&text));
        let index = modules.len();
        if let Some((parent, name)) = &parent {
            modules[*parent].children.insert(name.clone(), index);
        }
        // Where this module's children live: beside `lib.rs`/`main.rs`/`mod.rs`, or in a
        // folder named after `name.rs`.
        let dir = match file.file_stem().and_then(|s| s.to_str()) {
            Some("lib" | "main" | "mod") if parent.is_none() || file.ends_with("mod.rs") => {
                file.parent().map(Path::to_path_buf).unwrap_or_default()
            }
            Some(stem) => file.parent().unwrap_or(Path::new("")).join(stem),
            None => PathBuf::new(),
        };
        let children = declared_modules(&code);
        for child in &children {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(child).join("mod.rs");
            let child_file = if read(&flat).is_some() { flat } else { nested };
            queue.push((child_file, Some((index, child.clone()))));
        }
        modules.push(Module {
            file,
            parent: parent.map(|(p, _)| p),
            children: BTreeMap::new(),
            paths: paths_in(&code, &children),
        });
    }
    modules
}

/// `true` when `ancestor` is `module`'s parent, grandparent, …
fn is_ancestor(modules: &[Module], ancestor: usize, module: usize) -> bool {
    let mut at = modules[module].parent;
    while let Some(m) = at {
        if m == ancestor {
            return true;
        }
        at = modules[m].parent;
    }
    false
}

/// The module a path names: its deepest module prefix.
fn resolve(modules: &[Module], from: usize, path: &[String]) -> Option<usize> {
    let mut segments = path.iter().peekable();
    let mut at = match segments.next()?.as_str() {
        "crate" => 0,
        "self" => from,
        "super" => modules[from].parent?,
        _ => return None,
    };
    while segments.peek().is_some_and(|s| *s == "super") {
        segments.next();
        at = modules[at].parent?;
    }
    for segment in segments {
        match modules[at].children.get(segment.as_str()) {
            Some(&child) => at = child,
            None => break,
        }
    }
    Some(at)
}

/// The names of `mod name;` declarations (not inline `mod name { … }` blocks).
fn declared_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for statement in code.split(';') {
        let words: Vec<&str> = statement.split_whitespace().collect();
        if let Some(at) = words.iter().rposition(|w| *w == "mod")
            && at + 2 == words.len()
            && words[..at]
                .iter()
                .all(|w| w.starts_with("pub") || w.starts_with('#') || w.ends_with(']'))
        {
            names.push(words[at + 1].to_string());
        }
    }
    names
}

/// Every `crate::…`, `super::…` and `self::…` path, and every path that starts with the name
/// of one of the module's `children` (read as `self::child::…`), `use` lists expanded.
fn paths_in(code: &str, children: &[String]) -> Vec<Vec<String>> {
    let heads: Vec<String> = ["crate", "super", "self"]
        .into_iter()
        .map(str::to_string)
        .chain(children.iter().cloned())
        .map(|h| format!("{h}::"))
        .collect();
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b':';
        let rest = &code[i..];
        let head = heads.iter().find(|h| rest.starts_with(h.as_str()));
        match head {
            Some(head) if starts_word => {
                let end = path_end(rest);
                let mut prefix = Vec::new();
                if !["crate::", "super::", "self::"].contains(&head.as_str()) {
                    prefix.push("self".to_string());
                }
                expand(&rest[..end], &mut prefix, &mut paths);
                i += end.max(1);
            }
            _ => i += 1,
        }
    }
    paths
}

/// Where a path (with `{…}` groups) ends in `text`.
fn path_end(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            c if depth > 0 => {
                let _ = c;
            }
            c if c.is_alphanumeric() || c == '_' || c == ':' => {}
            _ => return i,
        }
    }
    text.len()
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(text: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let text = text.trim();
    let Some(open) = text.find('{') else {
        let mut path = prefix.clone();
        path.extend(
            text.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.split_whitespace().next().unwrap_or(s).to_string()),
        );
        if !path.is_empty() {
            out.push(path);
        }
        return;
    };
    let head: Vec<String> = text[..open]
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let inner = &text[open + 1..text.rfind('}').unwrap_or(text.len())];
    let depth_before = prefix.len();
    prefix.extend(head);
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                expand(&inner[start..i], prefix, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    expand(&inner[start..], prefix, out);
    prefix.truncate(depth_before);
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The code with comments removed and string and char literals emptied, so that a path in a
/// doc comment or a message is not an import.
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied()) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            ('r', Some('#' | '"')) if i == 0 || !is_ident(chars[i - 1] as u8) => {
                // A raw string: r"…", r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    out.push(chars[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < chars.len() {
                    if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            ('\'', Some(c)) if chars.get(i + 2) == Some(&'\'') || c == '\\' => {
                // A char literal ('a', '\n', '\u{1b}'); a lifetime ('a) has no closing quote.
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '\'' {
                    j += if chars[j] == '\\' { 2 } else { 1 };
                }
                i = j + 1;
                out.push_str("' '");
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The code without its `#[cfg(test)]` items (test modules use whatever they test).
fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at its first `;` (a declaration) or at the `}` closing its first `{`.
        let semi = after.find(';');
        let open = after.find('{');
        let end = match (semi, open) {
            (Some(s), Some(o)) if s < o => s + 1,
            (_, Some(o)) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[o..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = o + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Tarjan's strongly connected components of the graph `arrows` over `n` nodes.
fn strongly_connected(
    n: usize,
    arrows: &BTreeMap<usize, BTreeMap<usize, String>>,
) -> Vec<Vec<usize>> {
    struct State<'a> {
        arrows: &'a BTreeMap<usize, BTreeMap<usize, String>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let targets: Vec<usize> = s
            .arrows
            .get(&v)
            .into_iter()
            .flatten()
            .map(|(w, _)| *w)
            .collect();
        for w in targets {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(wi) if s.on_stack[w] => s.low[v] = s.low[v].min(wi),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut state = State {
        arrows,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn crate_of(files: &[(&str, &str)]) -> Vec<Circle> {
        let files: HashMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        circles(Path::new("src/lib.rs"), |p| files.get(p).cloned())
    }

    #[test]
    fn arrows_pointing_down_make_no_circle() {
        let found = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\npub mod wire;"),
            (
                "src/a.rs",
                "use crate::b::Thing;\nuse crate::wire::{Event, line::Decoder};",
            ),
            ("src/b.rs", "use crate::wire::Event;"),
            (
                "src/wire/mod.rs",
                "mod line;\npub use line::Decoder;\npub enum Event {}",
            ),
            (
                "src/wire/line.rs",
                "use super::Event; // a child may use its parent",
            ),
        ]);
        assert_eq!(found, Vec::new());
    }

    #[test]
    fn a_circle_is_found_and_explained() {
        let found = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;"),
            ("src/a.rs", "use crate::{b::{self, B}, c::C};"),
            ("src/b.rs", "fn f() { crate::c::g(); }"),
            ("src/c.rs", "use super::a::A;"),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].files, ["src/a.rs", "src/b.rs", "src/c.rs"]);
        let text = found[0].to_string();
        assert!(text.contains("src/b.rs -> src/c.rs: crate::c::g"), "{text}");
        assert!(text.contains("src/c.rs -> src/a.rs: super::a::A"), "{text}");
    }

    #[test]
    fn comments_strings_and_tests_draw_no_arrow() {
        let found = crate_of(&[
            ("src/lib.rs", "pub mod a;\npub mod b;"),
            ("src/a.rs", "use crate::b::B;"),
            (
                "src/b.rs",
                "// crate::a::A\n/// see [`crate::a`]\nconst S: &str = \"crate::a::A\";\n\
                 #[cfg(test)]\nmod tests { use crate::a::A; }",
            ),
        ]);
        assert_eq!(found, Vec::new());
    }

    #[test]
    fn nested_folders_resolve() {
        let found = crate_of(&[
            ("src/lib.rs", "pub mod user;\npub(crate) mod session;"),
            ("src/user/mod.rs", "mod shared;\npub use shared::Shared;"),
            ("src/user/shared.rs", "use crate::session::Roster;"),
            ("src/session.rs", "use crate::user::User;"),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].files,
            ["src/session.rs", "src/user/mod.rs", "src/user/shared.rs"]
        );
    }
}
