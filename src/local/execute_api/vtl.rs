//! The subset of API Gateway's mapping template language (Velocity) that stage traffic evaluates:
//! text with references, no directives. References: `$context.X` (dotted, e.g.
//! `$context.identity.sourceIp`, `$context.authorizer.X`), `$stageVariables.X`, `$input.body`,
//! `$input.json('$.a.b')`, `$input.path('$.a.b')`, `$input.params('name')` (path, then query string,
//! then header), `$util.escapeJavaScript(...)`, `$util.urlEncode(...)`, `$util.urlDecode(...)`,
//! `$util.base64Encode(...)`, `$util.base64Decode(...)`, each also as `${...}` or `$!...`; `##`
//! comments. A directive (`#set`, `#if`, `#foreach`, ...) or another member of `$input` / `$util` is
//! not evaluated: the caller answers 500 and logs what was not supported.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::super::common::{Req, percent_decode};

/// What a template may refer to.
pub struct Scope<'a> {
    pub req: Option<&'a Req>,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub variables: &'a BTreeMap<String, String>,
    /// `$context` members by dotted name (`requestId`, `identity.sourceIp`, ...).
    pub context: &'a BTreeMap<String, String>,
    /// `$input.body`: the request body for a request template, the integration's answer for a
    /// response template.
    pub body: &'a str,
}

const DIRECTIVES: [&str; 14] = [
    "set", "if", "elseif", "else", "end", "foreach", "macro", "parse", "include", "stop", "break",
    "define", "evaluate", "{",
];

/// Renders `template`; the error says what is not supported.
pub fn render(template: &str, scope: &Scope<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['$', '#']) {
        out.push_str(&rest[..i]);
        let at = &rest[i..];
        if let Some(comment) = at.strip_prefix("##") {
            // A line comment takes its line's end with it, as in Velocity.
            rest = comment.find('\n').map_or("", |n| &comment[n + 1..]);
            continue;
        }
        if let Some(d) = at.strip_prefix('#') {
            if let Some(name) = DIRECTIVES.iter().find(|n| {
                d.starts_with(*n) && !d[n.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
            }) {
                return Err(format!("the VTL directive #{name} is not supported"));
            }
            out.push('#');
            rest = d;
            continue;
        }
        match reference(at, scope)? {
            Some((value, used)) => {
                out.push_str(&value);
                rest = &at[used..];
            }
            None => {
                out.push('$');
                rest = &at[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One call or member of a reference chain.
#[derive(Debug)]
enum Part {
    Name(String),
    Call(String, Vec<Arg>),
}

#[derive(Debug)]
enum Arg {
    Text(String),
    Reference(String),
}

fn ident_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(s.len())
}

/// Parses the arguments of a call starting after `(`; the arguments and the bytes used up to and
/// including `)`.
fn args(s: &str) -> Option<(Vec<Arg>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let rest = &s[i..];
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        let rest = &s[i..];
        if let Some(r) = rest.strip_prefix(')') {
            let _ = r;
            return Some((out, i + 1));
        }
        if let Some(r) = rest.strip_prefix(',') {
            let _ = r;
            i += 1;
            continue;
        }
        let quote = rest.chars().next()?;
        if quote == '\'' || quote == '"' {
            let end = rest[1..].find(quote)?;
            out.push(Arg::Text(rest[1..1 + end].to_owned()));
            i += end + 2;
        } else if quote == '$' {
            let len = reference_len(rest)?;
            out.push(Arg::Reference(rest[..len].to_owned()));
            i += len;
        } else {
            return None;
        }
    }
}

/// The length of the reference at the start of `s` (`$a.b('x').c`), for nesting.
fn reference_len(s: &str) -> Option<usize> {
    let (_, used) = parse(s)?;
    Some(used)
}

/// Parses `$[!][{]name(.name | (args))*[}]`; the chain and the bytes used.
fn parse(s: &str) -> Option<(Vec<Part>, usize)> {
    let mut i = 1;
    if s[i..].starts_with('!') {
        i += 1;
    }
    let braced = s[i..].starts_with('{');
    if braced {
        i += 1;
    }
    let first = ident_len(&s[i..]);
    if first == 0 || !s[i..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut parts = vec![Part::Name(s[i..i + first].to_owned())];
    i += first;
    loop {
        let rest = &s[i..];
        if let Some(after) = rest.strip_prefix('.') {
            let len = ident_len(after);
            if len == 0 || !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                break;
            }
            let name = after[..len].to_owned();
            if after[len..].starts_with('(') {
                let (a, used) = args(&after[len + 1..])?;
                parts.push(Part::Call(name, a));
                i += 1 + len + 1 + used;
            } else {
                parts.push(Part::Name(name));
                i += 1 + len;
            }
        } else {
            break;
        }
    }
    if braced {
        if !s[i..].starts_with('}') {
            return None;
        }
        i += 1;
    }
    Some((parts, i))
}

fn arg_text(a: &Arg, scope: &Scope<'_>) -> Result<String, String> {
    match a {
        Arg::Text(t) => Ok(t.clone()),
        Arg::Reference(r) => Ok(reference(r, scope)?.map(|(v, _)| v).unwrap_or_default()),
    }
}

/// A JSONPath of the form `$`, `$.a.b`, `$.a[0]`, `$['a']`.
fn json_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    let mut rest = path.trim().strip_prefix('$')?;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let len = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..len])?;
            rest = &r[len..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = r[..end].trim();
            cur = match key.parse::<usize>() {
                Ok(n) => cur.get(n)?,
                Err(_) => cur.get(key.trim_matches(['\'', '"']))?,
            };
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

/// Evaluates the reference at the start of `s`; `None` when it is not a reference (rendered as text).
fn reference(s: &str, scope: &Scope<'_>) -> Result<Option<(String, usize)>, String> {
    let Some((parts, used)) = parse(s) else {
        return Ok(None);
    };
    let text = &s[..used];
    let unsupported = || Err(format!("the VTL reference {text} is not supported"));
    let names = |parts: &[Part]| -> Option<String> {
        parts
            .iter()
            .map(|p| match p {
                Part::Name(n) => Some(n.as_str()),
                Part::Call(..) => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join("."))
    };
    let Some(Part::Name(root)) = parts.first() else {
        return Ok(None);
    };
    let value = match root.as_str() {
        "context" => match names(&parts[1..]) {
            Some(path) => scope.context.get(&path).cloned().unwrap_or_default(),
            None => return unsupported(),
        },
        "stageVariables" => match names(&parts[1..]) {
            Some(name) => scope.variables.get(&name).cloned().unwrap_or_default(),
            None => return unsupported(),
        },
        "input" => match &parts[1..] {
            [Part::Name(n)] if n == "body" => scope.body.to_owned(),
            [Part::Call(f, a)] if a.len() == 1 && (f == "json" || f == "path") => {
                let path = arg_text(&a[0], scope)?;
                let doc: Value = serde_json::from_str(scope.body).unwrap_or(Value::Null);
                match (json_path(&doc, &path), f.as_str()) {
                    (None, _) => String::new(),
                    (Some(Value::String(s)), "path") => s.clone(),
                    (Some(v), _) => v.to_string(),
                }
            }
            [Part::Call(f, a)] if f == "params" && a.len() == 1 => {
                let name = arg_text(&a[0], scope)?;
                scope
                    .path_parameters
                    .get(&name)
                    .cloned()
                    .or_else(|| {
                        scope
                            .req
                            .and_then(|r| r.query_one(&name).map(ToOwned::to_owned))
                    })
                    .or_else(|| {
                        scope
                            .req
                            .and_then(|r| r.header(&name).map(ToOwned::to_owned))
                    })
                    .unwrap_or_default()
            }
            _ => return unsupported(),
        },
        "util" => match &parts[1..] {
            [Part::Call(f, a)] if a.len() == 1 => {
                let v = arg_text(&a[0], scope)?;
                match f.as_str() {
                    "escapeJavaScript" => {
                        let quoted = Value::String(v).to_string();
                        quoted[1..quoted.len() - 1].replace('\'', "\\'")
                    }
                    "urlEncode" => url_encode(&v),
                    "urlDecode" => percent_decode(&v.replace('+', " ")),
                    "base64Encode" => B64.encode(v.as_bytes()),
                    "base64Decode" => B64
                        .decode(v.as_bytes())
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                    _ => return unsupported(),
                }
            }
            _ => return unsupported(),
        },
        // Any other name is a variable no `#set` defined: Velocity renders it as written.
        _ => return Ok(None),
    };
    Ok(Some((value, used)))
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope<'a>(
        req: &'a Req,
        path: &'a BTreeMap<String, String>,
        vars: &'a BTreeMap<String, String>,
        ctx: &'a BTreeMap<String, String>,
        body: &'a str,
    ) -> Scope<'a> {
        Scope {
            req: Some(req),
            path_parameters: path,
            variables: vars,
            context: ctx,
            body,
        }
    }

    fn req() -> Req {
        let mut h = http::HeaderMap::new();
        h.insert("x-user", http::HeaderValue::from_static("ann"));
        Req {
            method: http::Method::GET,
            segments: vec![],
            raw_path: String::new(),
            query: vec![("q".into(), "a b".into())],
            headers: h,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn references_render_and_directives_are_refused() {
        let r = req();
        let path = BTreeMap::from([("id".to_owned(), "7".to_owned())]);
        let vars = BTreeMap::from([("env".to_owned(), "dev".to_owned())]);
        let ctx = BTreeMap::from([
            ("requestId".to_owned(), "r-1".to_owned()),
            ("identity.sourceIp".to_owned(), "10.0.0.1".to_owned()),
        ]);
        let body = r#"{"a": {"b": [1, "two"]}, "s": "it's \"x\""}"#;
        let s = scope(&r, &path, &vars, &ctx, body);
        let t = r#"{"statusCode": 200, "id": "$input.params('id')", "q": "$input.params("q")", "user": "$input.params('x-user')", "rid": "${context.requestId}", "ip": "$context.identity.sourceIp", "env": "$stageVariables.env", "b": $input.json('$.a.b'), "two": "$input.path('$.a.b[1]')", "esc": "$util.escapeJavaScript($input.path('$.s'))", "cost": "$5", "mail": "a#b"}
## a comment
"#;
        assert_eq!(
            render(t, &s).unwrap(),
            r#"{"statusCode": 200, "id": "7", "q": "a b", "user": "ann", "rid": "r-1", "ip": "10.0.0.1", "env": "dev", "b": [1,"two"], "two": "two", "esc": "it\'s \"x\"", "cost": "$5", "mail": "a#b"}
"#
        );
        assert_eq!(render("$undefined.thing", &s).unwrap(), "$undefined.thing");
        assert_eq!(
            render("#set($x = 1)$x", &s).unwrap_err(),
            "the VTL directive #set is not supported"
        );
        assert_eq!(
            render("#if($a)x#end", &s).unwrap_err(),
            "the VTL directive #if is not supported"
        );
        assert_eq!(
            render("$input.params()", &s).unwrap_err(),
            "the VTL reference $input.params() is not supported"
        );
        assert_eq!(render("$util.urlEncode('a b/c')", &s).unwrap(), "a+b%2Fc");
    }
}
