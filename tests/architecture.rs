//! The layering rule, checked: the table in docs/ARCHITECTURE.md ("Layers": `| module | may use |
//! holds |`) is the one place the order is written, and this module reads it and every
//! `src/**/*.rs` but the binary (`src/main.rs` may use anything). A written rule drifts from the
//! code unless the build fails when they part; this is that failure.
//!
//! Paths into the crate are found in code only (comments, doc comments and string literals are
//! skipped, except a whole-path string in an attribute, e.g. serde's `with = "crate::x::y"`, which
//! the compiler resolves like a `use`): `use crate::...` with its `{...}` groups, `pub use`,
//! `crate::a::x` anywhere in expressions and types, `$crate::` in macros, and `super::`/`self::`
//! paths (resolved from the file's module and any inline `mod` around them). Each path is mapped to
//! the deepest module of the crate it names. The check fails on
//! - an import from one top-level module into another that the table does not allow;
//! - a cycle between sibling modules at any level (`tui::app` -> `tui::form` -> `tui::app`): an
//!   import is an edge between the two children of the modules' nearest common ancestor, so
//!   descendants collapse into the sibling they are under; a module using its own ancestor (or
//!   descendant) is not an edge;
//! - a table that names a module the crate does not have, misses a top-level module, or allows a
//!   cycle itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// Where the rule is written, relative to the package.
const DOC: &str = "docs/ARCHITECTURE.md";

#[test]
fn the_crate_keeps_the_layers_docs_architecture_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join(DOC)).unwrap();
    let mut files = Vec::new();
    sources(root, &root.join("src"), &mut files);
    assert!(files.len() > 20, "found only {} source files under src/", files.len());
    let problems = check(&doc, &files);
    assert!(
        problems.is_empty(),
        "{} problem(s) with the layers of {DOC}:\n\n{}\n",
        problems.len(),
        problems.join("\n")
    );
}

/// Every `.rs` file under `dir` but `src/main.rs`, as (path relative to the package, text).
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if rel != "src/main.rs" {
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
}

/// Every problem with the crate's layers, one message each (empty: the layers hold).
/// `files` are (path relative to the package, e.g. `src/tui/app.rs`, its text).
pub fn check(doc: &str, files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let table = match layer_table(doc) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let modules: BTreeSet<Vec<String>> = files.iter().filter_map(|(p, _)| module_of(p)).collect();
    let top: BTreeSet<&str> = modules.iter().filter_map(|m| m.first().map(String::as_str)).collect();

    // The table against the crate.
    for (name, row) in &table {
        if !top.contains(name.as_str()) {
            problems.push(format!(
                "{DOC}:{}: the table names `{name}`, which is not a module of the crate (no src/{name}.rs or src/{name}/)",
                row.line
            ));
        }
        for used in &row.may_use {
            if !table.contains_key(used) {
                problems.push(format!(
                    "{DOC}:{}: `{name}` may use `{used}`, which has no row in the table",
                    row.line
                ));
            }
        }
    }
    for name in &top {
        if !table.contains_key(*name) {
            problems.push(format!("{DOC}: the top-level module `{name}` is missing from the layer table"));
        }
    }
    let allowed: BTreeMap<Vec<String>, BTreeMap<Vec<String>, Vec<String>>> = {
        let mut g: BTreeMap<Vec<String>, BTreeMap<Vec<String>, Vec<String>>> = BTreeMap::new();
        let edges = g.entry(Vec::new()).or_default();
        for (name, row) in &table {
            for used in &row.may_use {
                edges.insert(vec![name.clone(), used.clone()], vec![format!("{DOC}:{}", row.line)]);
            }
        }
        g
    };
    for cycle in cycles(&allowed) {
        problems.push(format!("{DOC}: the table itself allows a cycle: {cycle}"));
    }

    // The code against the table, and against cycles.
    // parent -> (from child, to child) -> evidence; the key `vec![parent.., from, to]` is
    // split again in `cycles`.
    let mut edges: BTreeMap<Vec<String>, BTreeMap<Vec<String>, Vec<String>>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (path, text) in files {
        let Some(module) = module_of(path) else { continue };
        if module.is_empty() {
            continue; // the crate root only declares its modules
        }
        for r in references(&module, text) {
            let target = deepest_module(&modules, &r.path);
            if target.is_empty() || !seen.insert((path.clone(), r.line, target.clone())) {
                continue;
            }
            let (from, to) = (&module[0], &target[0]);
            if from != to
                && let Some(row) = table.get(from)
                && !row.may_use.contains(to)
            {
                let may = if row.may_use.is_empty() {
                    "nothing".to_owned()
                } else {
                    row.may_use.iter().cloned().collect::<Vec<_>>().join(", ")
                };
                problems.push(format!(
                    "{path}:{}: `{from}` may not use `{to}` ({}); the table lets `{from}` use {may}",
                    r.line, r.written
                ));
            }
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == module.len() || common == target.len() {
                continue; // an ancestor or descendant, not a sibling
            }
            let mut key = module[..common].to_vec();
            key.push(module[common].clone());
            key.push(target[common].clone());
            edges
                .entry(module[..common].to_vec())
                .or_default()
                .entry(key)
                .or_default()
                .push(format!("{path}:{} {}", r.line, r.written));
        }
    }
    for cycle in cycles(&edges) {
        problems.push(format!("cycle between sibling modules: {cycle}"));
    }
    problems
}

/// One row of the layer table.
struct Row {
    line: usize,
    may_use: BTreeSet<String>,
}

/// The `| module | may use | holds |` table of the doc's "Layers" section.
fn layer_table(doc: &str) -> Result<BTreeMap<String, Row>, String> {
    let lines: Vec<&str> = doc.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("## ") && l.contains("Layers"))
        .ok_or_else(|| format!("{DOC}: no \"## Layers\" section"))?;
    let end =
        lines[start + 1..].iter().position(|l| l.starts_with("## ")).map_or(lines.len(), |p| start + 1 + p);
    let header = (start..end)
        .find(|&i| cells(lines[i]).is_some_and(|c| c == ["module", "may use", "holds"]))
        .ok_or_else(|| format!("{DOC}: the Layers section has no `| module | may use | holds |` table"))?;
    let mut table = BTreeMap::new();
    for (i, line) in lines.iter().enumerate().take(end).skip(header + 2) {
        let Some(c) = cells(line) else { break };
        let [module, may_use, _holds] = c.as_slice() else {
            return Err(format!("{DOC}:{}: a layer row has {} cells, not 3", i + 1, c.len()));
        };
        let names = |s: &str| -> BTreeSet<String> {
            if s.contains("nothing") {
                BTreeSet::new()
            } else {
                s.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
            }
        };
        let row = Row { line: i + 1, may_use: names(may_use) };
        if table.insert(module.clone(), row).is_some() {
            return Err(format!("{DOC}:{}: `{module}` has two rows", i + 1));
        }
    }
    if table.is_empty() {
        return Err(format!("{DOC}:{}: the layer table has no rows", header + 1));
    }
    Ok(table)
}

/// The cells of a markdown table row, trimmed, backticks and a trailing `/` or `.rs` gone.
fn cells(line: &str) -> Option<Vec<String>> {
    let line = line.trim();
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    let inner = inner.replace("\\|", "\u{0}");
    Some(
        inner
            .split('|')
            .map(|c| {
                let c = c.replace('\u{0}', "|").replace('`', "");
                let c = c.trim();
                c.strip_suffix(".rs").or_else(|| c.strip_suffix('/')).unwrap_or(c).to_lowercase()
            })
            .collect(),
    )
}

/// `src/lib.rs` -> [], `src/tui.rs` and `src/tui/mod.rs` -> [tui], `src/tui/view/queue.rs` ->
/// [tui, view, queue]. None for anything not under src/.
fn module_of(path: &str) -> Option<Vec<String>> {
    let rel = path.strip_prefix("src/")?.strip_suffix(".rs")?;
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|l| l == "mod") || parts == ["lib"] {
        parts.pop();
    }
    Some(parts)
}

/// The longest prefix of `path` that is a module of the crate.
fn deepest_module(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)).unwrap_or_default()
}

/// Each cycle in the sibling graphs, as "a -> b -> a" and the evidence of every edge between
/// the modules on it. `graphs`: parent -> [parent.., from, to] -> evidence.
fn cycles(graphs: &BTreeMap<Vec<String>, BTreeMap<Vec<String>, Vec<String>>>) -> Vec<String> {
    let mut found = Vec::new();
    for (parent, edges) in graphs {
        let n = parent.len();
        let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for key in edges.keys() {
            next.entry(&key[n]).or_default().insert(&key[n + 1]);
        }
        let reach = |from: &str| -> BTreeSet<&str> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![from];
            while let Some(m) = todo.pop() {
                for &t in next.get(m).into_iter().flatten() {
                    if seen.insert(t) {
                        todo.push(t);
                    }
                }
            }
            seen
        };
        let mut done: BTreeSet<&str> = BTreeSet::new();
        for &start in next.keys() {
            if done.contains(start) {
                continue;
            }
            let forward = reach(start);
            if !forward.contains(start) {
                continue;
            }
            let scc: BTreeSet<&str> = forward.iter().copied().filter(|m| reach(m).contains(start)).collect();
            done.extend(scc.iter().copied());
            let name = |m: &str| parent.iter().map(String::as_str).chain([m]).collect::<Vec<_>>().join("::");
            // The shortest way round from `start`, for the headline.
            let mut back: BTreeMap<&str, &str> = BTreeMap::new();
            let mut queue = VecDeque::from([start]);
            'bfs: while let Some(m) = queue.pop_front() {
                for &t in next.get(m).into_iter().flatten() {
                    if t == start {
                        back.insert(start, m);
                        break 'bfs;
                    }
                    if scc.contains(t) && !back.contains_key(t) {
                        back.insert(t, m);
                        queue.push_back(t);
                    }
                }
            }
            let mut ring = vec![start];
            let mut at = back[start];
            while at != start {
                ring.push(at);
                at = back[at];
            }
            ring.push(start);
            ring.reverse();
            let mut text = ring.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> ");
            for (key, evidence) in edges {
                if scc.contains(key[n].as_str()) && scc.contains(key[n + 1].as_str()) {
                    text.push_str(&format!("\n    {} -> {}:", name(&key[n]), name(&key[n + 1])));
                    for e in evidence {
                        text.push_str(&format!("\n      {e}"));
                    }
                }
            }
            found.push(text);
        }
    }
    found
}

/// A path into the crate found in one file.
#[derive(Debug)]
struct Reference {
    line: usize,
    /// Resolved from the crate root, e.g. [engine, Engine].
    path: Vec<String>,
    /// As written, for the message.
    written: String,
}

/// Every path into the crate in `text`, the source of `module`.
fn references(module: &[String], text: &str) -> Vec<Reference> {
    let toks = lex(text);
    let mut out = Vec::new();
    let mut depth = 0usize;
    // Inline modules (`mod tests { .. }`) open around the current token: (name, brace depth of
    // their body).
    let mut inline: Vec<(String, usize)> = Vec::new();
    // Inside an attribute: its bracket depth.
    let mut attribute: Option<usize> = None;
    let base = |inline: &[(String, usize)]| -> Vec<String> {
        module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect()
    };
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let next = toks.get(i + 1).map(|t| &t.tok);
        if let Some(d) = attribute.as_mut() {
            match &t.tok {
                Tok::Punct('[') => *d += 1,
                Tok::Punct(']') => {
                    *d -= 1;
                    if *d == 0 {
                        attribute = None;
                    }
                }
                Tok::Str(s) if is_path(s) => {
                    let segs: Vec<String> = s.split("::").map(str::to_owned).collect();
                    push(&mut out, &base(&inline), segs, t.line, s.clone());
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match &t.tok {
            Tok::Punct('#') => {
                let mut j = i + 1;
                if toks.get(j).is_some_and(|t| t.tok == Tok::Punct('!')) {
                    j += 1;
                }
                if toks.get(j).is_some_and(|t| t.tok == Tok::Punct('[')) {
                    attribute = Some(1);
                    i = j + 1;
                    continue;
                }
            }
            Tok::Ident(k) if k == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) =
                    (next, toks.get(i + 2).map(|t| &t.tok))
                {
                    inline.push((name.clone(), depth + 1));
                    i += 2;
                    continue;
                }
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(k) if k == "use" => {
                let mut leaves = Vec::new();
                i += 1;
                use_tree(&toks, &mut i, Vec::new(), &mut leaves);
                for (segs, line) in leaves {
                    let written = segs.join("::");
                    let written = written.strip_suffix("::self").unwrap_or(&written).to_owned();
                    push(&mut out, &base(&inline), segs, line, written);
                }
                continue;
            }
            Tok::Ident(k)
                if matches!(k.as_str(), "crate" | "super" | "self") && next == Some(&Tok::PathSep) =>
            {
                let after_sep = i > 0 && toks[i - 1].tok == Tok::PathSep;
                let mut segs = vec![k.clone()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|t| t.tok == Tok::PathSep) {
                    match toks.get(j + 1).map(|t| &t.tok) {
                        Some(Tok::Ident(s)) => segs.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                if !after_sep {
                    let written = segs.join("::");
                    push(&mut out, &base(&inline), segs, t.line, written);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `crate::a::b`, `super::x`, `self::y` as a whole string.
fn is_path(s: &str) -> bool {
    let mut parts = s.split("::");
    matches!(parts.next(), Some("crate" | "super" | "self"))
        && s.contains("::")
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// Resolve `segs` (starting with crate, $crate, super or self; others are external crates or
/// children, which never cross a layer) from `base` and keep it.
fn push(out: &mut Vec<Reference>, base: &[String], segs: Vec<String>, line: usize, written: String) {
    let mut path = match segs.first().map(String::as_str) {
        Some("crate" | "$crate") => Vec::new(),
        Some("super" | "self") => base.to_vec(),
        _ => return,
    };
    if segs[0] == "super" && path.pop().is_none() {
        return;
    }
    for s in &segs[1..] {
        match s.as_str() {
            "super" => {
                if path.pop().is_none() {
                    return;
                }
            }
            "self" => {}
            _ => path.push(s.clone()),
        }
    }
    out.push(Reference { line, path, written });
}

/// The leaves of the use tree at `toks[*i]`, each as its full path and the line of its last
/// segment; `*i` ends after the tree.
fn use_tree(toks: &[Token], i: &mut usize, mut prefix: Vec<String>, out: &mut Vec<(Vec<String>, usize)>) {
    loop {
        let Some(t) = toks.get(*i) else { return };
        match &t.tok {
            Tok::Punct('$') => *i += 1,
            Tok::PathSep if prefix.is_empty() => {
                prefix.push("::".into()); // `use ::name`: an external crate
                *i += 1;
            }
            Tok::Ident(s) => {
                let s = if s == "crate" && *i > 0 && toks[*i - 1].tok == Tok::Punct('$') {
                    "$crate".to_owned()
                } else {
                    s.clone()
                };
                prefix.push(s);
                *i += 1;
                if toks.get(*i).is_some_and(|t| t.tok == Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                out.push((prefix, t.line));
                if toks.get(*i).is_some_and(|t| t.tok == Tok::Ident("as".into())) {
                    *i += 2;
                }
                return;
            }
            Tok::Punct('*') => {
                out.push((prefix, t.line));
                *i += 1;
                return;
            }
            Tok::Punct('{') => {
                *i += 1;
                while let Some(t) = toks.get(*i) {
                    match t.tok {
                        Tok::Punct('}') => {
                            *i += 1;
                            return;
                        }
                        Tok::Punct(',') => *i += 1,
                        _ => {
                            let before = *i;
                            use_tree(toks, i, prefix.clone(), out);
                            if *i == before {
                                *i += 1; // not a use tree after all; never loop on it
                            }
                        }
                    }
                }
                return;
            }
            _ => return,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string literal's raw text (escapes left as written).
    Str(String),
    /// A number, char or byte literal: nothing to look into.
    Literal,
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Rust source as tokens, without comments (doc comments included) and whitespace.
fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // The end of a quoted string whose opening quote is at `i`; counts its lines.
    let quoted = |mut i: usize, line: &mut usize| -> usize {
        i += 1;
        while i < c.len() && c[i] != '"' {
            if c[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    // A raw string whose `#`s (or quote) start at `i`: (end, text).
    let raw = |mut i: usize, line: &mut usize| -> (usize, String) {
        let mut hashes = 0;
        while at(i) == '#' {
            hashes += 1;
            i += 1;
        }
        i += 1; // the quote
        let start = i;
        loop {
            if i >= c.len() {
                return (i, c[start..].iter().collect());
            }
            if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                return (i + 1 + hashes, c[start..i].iter().collect());
            }
            if c[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
    };
    // Is there a raw string's `#..#"` or `"` at `i`?
    let raw_at = |i: usize| {
        let mut j = i;
        while at(j) == '#' {
            j += 1;
        }
        at(j) == '"'
    };
    while i < c.len() {
        let ch = c[i];
        let l = line;
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut nest = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    nest += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            let end = quoted(i, &mut line);
            toks.push(Token {
                tok: Tok::Str(c[i + 1..end.saturating_sub(1).max(i + 1)].iter().collect()),
                line: l,
            });
            i = end;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                toks.push(Token { tok: Tok::Literal, line: l });
                i = j + 1;
            } else if at(i + 2) == '\'' {
                toks.push(Token { tok: Tok::Literal, line: l });
                i += 3;
            } else {
                i += 1; // a lifetime: its name follows as an identifier
            }
        } else if ident_start(ch) {
            // String and char prefixes: r"..", r#".."#, b"..", br"..", b'x', c"..", cr"..".
            let two: String = [ch, at(i + 1)].iter().collect();
            if (ch == 'r' && raw_at(i + 1)) || ((two == "br" || two == "cr") && raw_at(i + 2)) {
                let from = if ch == 'r' { i + 1 } else { i + 2 };
                let (end, text) = raw(from, &mut line);
                toks.push(Token { tok: Tok::Str(text), line: l });
                i = end;
            } else if (ch == 'b' || ch == 'c') && at(i + 1) == '"' {
                let end = quoted(i + 1, &mut line);
                toks.push(Token {
                    tok: Tok::Str(c[i + 2..end.saturating_sub(1).max(i + 2)].iter().collect()),
                    line: l,
                });
                i = end;
            } else if ch == 'b' && at(i + 1) == '\'' {
                i += 1; // the char literal follows
            } else {
                let start = if ch == 'r' && at(i + 1) == '#' { i + 2 } else { i };
                let mut j = start;
                while j < c.len() && ident_char(c[j]) {
                    j += 1;
                }
                toks.push(Token { tok: Tok::Ident(c[start..j].iter().collect()), line: l });
                i = j;
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            toks.push(Token { tok: Tok::Literal, line: l });
        } else if ch == ':' && at(i + 1) == ':' {
            toks.push(Token { tok: Tok::PathSep, line: l });
            i += 2;
        } else {
            toks.push(Token { tok: Tok::Punct(ch), line: l });
            i += 1;
        }
    }
    toks
}

// The checker's own tests, on small inputs.

const TABLE: &str = "\
# doc

## Layers

| module | may use | holds |
|---|---|---|
| `domain` | (nothing) | rules |
| `engine` | domain | commands |
| `tui` | domain, engine | screens |

## Next
";

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()
}

/// The crate of TABLE with `extra` files added (or replacing one of the same path).
fn crate_with(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut base: BTreeMap<String, String> = files(&[
        ("src/lib.rs", "pub mod domain; pub mod engine; pub mod tui;"),
        ("src/domain.rs", "pub struct Event;"),
        ("src/engine.rs", "pub struct Engine;"),
        ("src/tui.rs", "pub mod app; pub mod form;"),
        ("src/tui/app.rs", "pub struct App;"),
        ("src/tui/form.rs", "pub struct Form;"),
    ])
    .into_iter()
    .collect();
    base.extend(files(extra));
    base.into_iter().collect()
}

#[test]
fn an_allowed_import_passes() {
    let problems = check(
        TABLE,
        &crate_with(&[
            ("src/engine.rs", "use crate::domain::Event;\npub fn f(e: crate::domain::Event) {}"),
            ("src/tui/app.rs", "use crate::engine::Engine;\nuse super::form::Form;\nuse crate::tui::Thing;"),
        ]),
    );
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn an_upward_import_fails_naming_file_line_and_path() {
    let problems = check(
        TABLE,
        &crate_with(&[("src/domain.rs", "//! pure\n\nuse crate::engine::Engine;\npub struct Event;")]),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/domain.rs:3: `domain` may not use `engine` (crate::engine::Engine)"),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("use nothing"), "{}", problems[0]);
}

#[test]
fn an_import_in_an_expression_or_type_is_seen() {
    let problems = check(
        TABLE,
        &crate_with(&[("src/engine.rs", "pub fn f() -> usize {\n    crate::tui::app::App::size()\n}")]),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/engine.rs:2: `engine` may not use `tui` (crate::tui::app::App::size)")
    );
}

#[test]
fn a_cycle_between_siblings_fails_with_both_edges() {
    let problems = check(
        TABLE,
        &crate_with(&[
            ("src/tui/app.rs", "use crate::tui::form::Form;\npub struct App;"),
            ("src/tui/form.rs", "pub struct Form;\nfn f() { let _ = super::app::App; }"),
        ]),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert!(p.starts_with("cycle between sibling modules: tui::app -> tui::form -> tui::app"), "{p}");
    assert!(p.contains("src/tui/app.rs:1 crate::tui::form::Form"), "{p}");
    assert!(p.contains("src/tui/form.rs:2 super::app::App"), "{p}");
}

#[test]
fn descendants_collapse_into_their_sibling_and_a_child_using_its_ancestor_is_no_cycle() {
    let mut extra = vec![
        ("src/tui/app.rs", "use super::Thing;\nuse crate::tui;\nuse crate::tui::view::queue::Row;"),
        ("src/tui/view.rs", "pub mod queue;"),
        ("src/tui/view/queue.rs", "use super::super::super::tui::Thing;"),
    ];
    assert_eq!(check(TABLE, &crate_with(&extra)), Vec::<String>::new());
    extra.push(("src/tui/view/queue.rs", "use crate::tui::app::App;"));
    let problems = check(TABLE, &crate_with(&extra));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("tui::app -> tui::view -> tui::app"), "{}", problems[0]);
    assert!(problems[0].contains("src/tui/view/queue.rs:1 crate::tui::app::App"), "{}", problems[0]);
}

#[test]
fn group_imports_and_super_paths_out_of_a_top_level_module_are_seen() {
    let problems = check(
        TABLE,
        &crate_with(&[
            (
                "src/domain.rs",
                "pub mod rules;\npub use crate::{\n    domain::rules,\n    engine::{self, Engine as E},\n};",
            ),
            ("src/domain/rules.rs", "use super::super::tui::app::*;"),
        ]),
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("src/domain.rs:4: `domain` may not use `engine` (crate::engine)"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("src/domain/rules.rs:1: `domain` may not use `tui` (super::super::tui::app)"),
        "{problems:?}"
    );
}

#[test]
fn super_in_an_inline_module_climbs_from_that_module() {
    let ok = "pub struct Event;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::domain::Event;\n}\n";
    assert_eq!(check(TABLE, &crate_with(&[("src/engine.rs", ok)])), Vec::<String>::new());
    let up = "mod tests {\n    use super::super::tui::app::App;\n}\nfn f() { super::tui::app::App; }";
    let problems = check(TABLE, &crate_with(&[("src/engine.rs", up)]));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("src/engine.rs:2: `engine` may not use `tui`"), "{problems:?}");
    assert!(problems[1].starts_with("src/engine.rs:4: `engine` may not use `tui`"), "{problems:?}");
}

#[test]
fn paths_in_comments_and_strings_are_not_imports_but_attribute_paths_are() {
    let text = r####"//! Unlike crate::tui::app, this is pure.
/// See [`crate::engine::Engine`].
// use crate::engine::Engine;
/* use crate::tui::app::App; /* nested crate::tui */ crate::engine::x */
pub const A: &str = "use crate::engine::Engine;";
pub const B: &str = r#"crate::tui::app::App "quoted" "#;
pub const C: &[u8] = b"crate::engine::Engine";
pub const D: char = '"';
pub fn f<'a>(x: &'a str) -> &'a str { x }
pub const E: &str = "crate::engine::E";
"####;
    assert_eq!(check(TABLE, &crate_with(&[("src/domain.rs", text)])), Vec::<String>::new());
    let with = format!(
        "{text}#[derive(Serialize)]\npub struct W {{\n    #[serde(with = \"crate::engine::ts\")]\n    at: u64,\n}}\n"
    );
    let problems = check(TABLE, &crate_with(&[("src/domain.rs", &with)]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/domain.rs:13: `domain` may not use `engine` (crate::engine::ts)"),
        "{problems:?}"
    );
}

#[test]
fn the_table_must_name_exactly_the_top_level_modules() {
    let doc = TABLE.replace("| `tui` | domain, engine | screens |", "| `wire` | domain | types |");
    let problems = check(&doc, &crate_with(&[]));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("docs/ARCHITECTURE.md:9: the table names `wire`, which is not a module"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("the top-level module `tui` is missing from the layer table"),
        "{problems:?}"
    );
    let cyclic = TABLE.replace("| `domain` | (nothing) |", "| `domain` | engine |");
    let problems = check(&cyclic, &crate_with(&[]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("the table itself allows a cycle: domain -> engine -> domain"),
        "{problems:?}"
    );
    assert_eq!(check("# no layers here", &crate_with(&[])), vec![format!("{DOC}: no \"## Layers\" section")]);
}
