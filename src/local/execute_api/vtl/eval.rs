//! Runs a parsed template: Velocity 1.7's semantics (as API Gateway runs them) over [`Value`]s,
//! with `$input` and `$util` as API Gateway defines them.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::parse::{Access, BinOp, Block, Expr, Node, Reference};
use super::value::{self, Map, Value, map_get, map_put, parse_json};
use crate::local::common::percent_decode;

/// Work a template may do before it is stopped: node visits, and characters of output. A template
/// past either fails (500), as a runaway one would on AWS, rather than tie up the server.
const MAX_STEPS: usize = 2_000_000;
const MAX_OUTPUT: usize = 10 * 1024 * 1024;
const MAX_RANGE: u64 = 100_000;

pub struct Eval<'a> {
    pub vars: HashMap<String, Value>,
    /// `$input.body`.
    pub body: &'a str,
    /// `$input.params()`: `{path, querystring, header}`.
    pub params: Value,
    /// Maps whose keys may each be assigned once (`$context.requestOverride.*`,
    /// `$context.responseOverride.*`): AWS fails a template that overrides one twice.
    pub once: Vec<Map>,
    /// The (map, key) pairs of `once` maps this template assigned.
    assigned: Vec<(usize, String)>,
    pub out: String,
    steps: usize,
    /// The body read as JSON, once (`$input.path`, `$input.json`).
    document: Option<Option<Value>>,
}

/// How a block ended.
enum Flow {
    Normal,
    Break,
    Stop,
}

impl<'a> Eval<'a> {
    pub fn new(vars: HashMap<String, Value>, body: &'a str, params: Value, once: Vec<Map>) -> Self {
        Eval {
            vars,
            body,
            params,
            once,
            assigned: Vec::new(),
            out: String::new(),
            steps: 0,
            document: None,
        }
    }

    pub fn run(&mut self, block: &Block) -> Result<(), String> {
        self.block(block).map(|_| ())
    }

    fn step(&mut self) -> Result<(), String> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err("the template does too much work (a loop too long?)".into());
        }
        if self.out.len() > MAX_OUTPUT {
            return Err("the template's output is over 10 MB".into());
        }
        Ok(())
    }

    fn block(&mut self, block: &Block) -> Result<Flow, String> {
        for node in block {
            self.step()?;
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Ref(r) => {
                    let v = self.reference(r)?;
                    let text = v.text();
                    self.out.push_str(&text);
                }
                Node::Set(target, e) => {
                    let v = self.expr(e)?;
                    self.set(target, v)?;
                }
                Node::If(branches, otherwise) => {
                    let mut chosen = otherwise.as_ref();
                    for (cond, body) in branches {
                        if self.expr(cond)?.truthy() {
                            chosen = Some(body);
                            break;
                        }
                    }
                    if let Some(body) = chosen {
                        match self.block(body)? {
                            Flow::Normal => {}
                            other => return Ok(other),
                        }
                    }
                }
                Node::Foreach(var, e, body) => {
                    let items = self.iterable(e)?;
                    if let Flow::Stop = self.foreach(var, &items, body)? {
                        return Ok(Flow::Stop);
                    }
                }
                Node::Break => return Ok(Flow::Break),
                Node::Stop => return Ok(Flow::Stop),
            }
        }
        Ok(Flow::Normal)
    }

    /// What `#foreach` walks: a list's items, a map's values; nothing for anything else.
    fn iterable(&mut self, e: &Expr) -> Result<Vec<Value>, String> {
        Ok(match self.expr(e)? {
            Value::List(items, _) => items.borrow().clone(),
            Value::Map(entries) => entries.borrow().iter().map(|(_, v)| v.clone()).collect(),
            _ => Vec::new(),
        })
    }

    fn foreach(&mut self, var: &str, items: &[Value], body: &Block) -> Result<Flow, String> {
        let saved: Vec<(String, Option<Value>)> = [var, "foreach", "velocityCount"]
            .iter()
            .map(|k| ((*k).to_owned(), self.vars.get(*k).cloned()))
            .collect();
        let mut flow = Flow::Normal;
        for (i, item) in items.iter().enumerate() {
            self.step()?;
            let count = i64::try_from(i + 1).unwrap_or(i64::MAX);
            let has_next = i + 1 < items.len();
            self.vars.insert(var.to_owned(), item.clone());
            self.vars.insert(
                "foreach".into(),
                value::map(vec![
                    ("index".into(), Value::Int(count - 1)),
                    ("count".into(), Value::Int(count)),
                    ("hasNext".into(), Value::Bool(has_next)),
                    ("first".into(), Value::Bool(i == 0)),
                    ("last".into(), Value::Bool(!has_next)),
                ]),
            );
            self.vars.insert("velocityCount".into(), Value::Int(count));
            match self.block(body)? {
                Flow::Normal => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        for (k, v) in saved {
            match v {
                Some(v) => self.vars.insert(k, v),
                None => self.vars.remove(&k),
            };
        }
        Ok(flow)
    }

    /// `#set`: a null value leaves the target as it was (Velocity 1.7).
    fn set(&mut self, target: &Reference, v: Value) -> Result<(), String> {
        if v.is_null() {
            return Ok(());
        }
        let Some((last, path)) = target.chain.split_last() else {
            self.vars.insert(target.root.clone(), v);
            return Ok(());
        };
        let mut holder = self.root(&target.root);
        for access in path {
            holder = self.access(holder, access)?;
        }
        match (last, holder) {
            (Access::Property(name), Value::Map(m)) => self.put_once(&m, name.clone(), v),
            (Access::Index(i), Value::Map(m)) => {
                let key = self.expr(i)?.text();
                self.put_once(&m, key, v)
            }
            (Access::Index(i), Value::List(items, _)) => {
                let i = self.expr(i)?;
                let mut items = items.borrow_mut();
                let index = index_of(&i, items.len())
                    .ok_or_else(|| format!("{}: index {} out of range", target.text, i.text()))?;
                items[index] = v;
                Ok(())
            }
            // Velocity logs and goes on when the target cannot take the value.
            _ => Ok(()),
        }
    }

    fn put_once(&mut self, m: &Map, key: String, v: Value) -> Result<(), String> {
        if self.once.iter().any(|o| std::rc::Rc::ptr_eq(o, m)) {
            let id = (std::rc::Rc::as_ptr(m) as usize, key.clone());
            if self.assigned.contains(&id) {
                return Err(format!("{key} is overridden twice (overrides are final)"));
            }
            self.assigned.push(id);
        }
        map_put(m, key, v);
        Ok(())
    }

    fn root(&self, name: &str) -> Value {
        match name {
            "input" => Value::Input,
            "util" => Value::Util,
            _ => self.vars.get(name).cloned().unwrap_or(Value::Null),
        }
    }

    fn reference(&mut self, r: &Reference) -> Result<Value, String> {
        let mut v = self.root(&r.root);
        for access in &r.chain {
            v = self
                .access(v, access)
                .map_err(|e| format!("{}: {e}", r.text))?;
        }
        Ok(v)
    }

    fn access(&mut self, v: Value, access: &Access) -> Result<Value, String> {
        match access {
            Access::Property(name) => Ok(self.property(&v, name)),
            Access::Index(i) => {
                let i = self.expr(i)?;
                match &v {
                    Value::List(items, _) => {
                        let items = items.borrow();
                        let index = index_of(&i, items.len())
                            .ok_or_else(|| format!("index {} out of range", i.text()))?;
                        Ok(items[index].clone())
                    }
                    Value::Map(m) => Ok(map_get(m, &i.text()).unwrap_or(Value::Null)),
                    _ => Ok(Value::Null),
                }
            }
            Access::Call(name, args) => {
                let args = args
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Result<Vec<_>, _>>()?;
                self.call(&v, name, &args)
            }
        }
    }

    fn property(&mut self, v: &Value, name: &str) -> Value {
        match v {
            Value::Map(m) => map_get(m, name).unwrap_or(Value::Null),
            Value::Input if name == "body" => value::str(self.body),
            Value::Input if name == "params" => self.params.clone(),
            // A bean property is its getter: `$s.empty` is `$s.isEmpty()`.
            _ => {
                let mut chars = name.chars();
                let capitalized = chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default();
                for getter in [format!("get{capitalized}"), format!("is{capitalized}")] {
                    if let Ok(r) = call_plain(v, &getter, &[])
                        && !r.is_null()
                    {
                        return r;
                    }
                }
                Value::Null
            }
        }
    }

    fn call(&mut self, v: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
        match v {
            Value::Input => self.input_call(name, args),
            Value::Util => util_call(name, args),
            _ => call_plain(v, name, args),
        }
    }

    fn document(&mut self) -> Option<Value> {
        if self.document.is_none() {
            let body = self.body.trim();
            // An empty body reads as an empty object.
            let doc = if body.is_empty() {
                Some(value::map(Vec::new()))
            } else {
                parse_json(body)
            };
            self.document = Some(doc);
        }
        self.document.clone().flatten()
    }

    fn input_call(&mut self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("path", [p]) => {
                let doc = self.document();
                Ok(doc
                    .and_then(|d| json_path(&d, &p.text()))
                    .map_or(Value::Null, |v| v.deep_clone()))
            }
            ("json", [p]) => {
                let doc = self.document();
                Ok(value::str(
                    doc.and_then(|d| json_path(&d, &p.text()))
                        .map(|v| v.json())
                        .unwrap_or_default(),
                ))
            }
            ("params", []) => Ok(self.params.clone()),
            ("params", [n]) => {
                let n = n.text();
                let Value::Map(params) = &self.params else {
                    return Ok(value::str(""));
                };
                for (kind, case_insensitive) in
                    [("path", false), ("querystring", false), ("header", true)]
                {
                    if let Some(Value::Map(m)) = map_get(params, kind) {
                        let found = m
                            .borrow()
                            .iter()
                            .find(|(k, _)| {
                                if case_insensitive {
                                    k.eq_ignore_ascii_case(&n)
                                } else {
                                    *k == n
                                }
                            })
                            .map(|(_, v)| v.clone());
                        if let Some(v) = found {
                            return Ok(v);
                        }
                    }
                }
                Ok(value::str(""))
            }
            _ => Err(format!(
                "$input.{name} with {} argument(s) is not a method of $input",
                args.len()
            )),
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Value, String> {
        self.step()?;
        Ok(match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => value::str(s.clone()),
            Expr::Interpolated(block) => {
                let outer = std::mem::take(&mut self.out);
                let flow = self.block(block);
                let inner = std::mem::replace(&mut self.out, outer);
                flow?;
                Value::Str(inner)
            }
            Expr::List(items) => value::list(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Expr::Map(entries) => {
                let mut out: Vec<(String, Value)> = Vec::new();
                for (k, v) in entries {
                    let k = self.expr(k)?.text();
                    let v = self.expr(v)?;
                    match out.iter_mut().find(|(key, _)| *key == k) {
                        Some((_, old)) => *old = v,
                        None => out.push((k, v)),
                    }
                }
                value::map(out)
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let (Some(a), Some(b)) = (int_of(&a), int_of(&b)) else {
                    return Err("a range's ends must be integers".into());
                };
                if a.abs_diff(b) >= MAX_RANGE {
                    return Err(format!("a range of more than {MAX_RANGE} items"));
                }
                let items: Vec<Value> = if a <= b {
                    (a..=b).map(Value::Int).collect()
                } else {
                    (b..=a).rev().map(Value::Int).collect()
                };
                value::list(items)
            }
            Expr::Ref(r) => self.reference(r)?,
            Expr::Not(e) => Value::Bool(!self.expr(e)?.truthy()),
            Expr::Neg(e) => match self.expr(e)? {
                Value::Int(i) => i
                    .checked_neg()
                    .map_or(Value::Float(-(i as f64)), Value::Int),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Null,
            },
            Expr::Binary(BinOp::And, a, b) => {
                Value::Bool(self.expr(a)?.truthy() && self.expr(b)?.truthy())
            }
            Expr::Binary(BinOp::Or, a, b) => {
                Value::Bool(self.expr(a)?.truthy() || self.expr(b)?.truthy())
            }
            Expr::Binary(op, a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                binary(*op, &a, &b)
            }
        })
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A list index (negative counts from the end), if in range.
fn index_of(i: &Value, len: usize) -> Option<usize> {
    let i = int_of(i)?;
    let len = i64::try_from(len).ok()?;
    let i = if i < 0 { len + i } else { i };
    (0..len)
        .contains(&i)
        .then(|| usize::try_from(i).ok())
        .flatten()
}

/// Velocity's `==`: numbers by value, values of one kind by equality, others by their text.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => match (a, b) {
                (Value::Int(i), Value::Int(j)) => i == j,
                _ => x == y,
            },
            _ => match (a, b) {
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::List(x, _), Value::List(y, _)) => {
                    let (x, y) = (x.borrow(), y.borrow());
                    x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b))
                }
                (Value::Map(x), Value::Map(y)) => {
                    let (x, y) = (x.borrow(), y.borrow());
                    x.len() == y.len()
                        && x.iter()
                            .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && equal(v, v2)))
                }
                _ => a.text() == b.text(),
            },
        },
    }
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    match op {
        BinOp::Eq => Value::Bool(equal(a, b)),
        BinOp::Ne => Value::Bool(!equal(a, b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            // Velocity compares numbers only; anything else is false.
            let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
                return Value::Bool(false);
            };
            let ord = match (a, b) {
                (Value::Int(i), Value::Int(j)) => i.cmp(j),
                _ => match x.partial_cmp(&y) {
                    Some(o) => o,
                    None => return Value::Bool(false),
                },
            };
            Value::Bool(match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinOp::Add if matches!(a, Value::Str(_)) || matches!(b, Value::Str(_)) => {
            // `+` with a string concatenates (a null side is null).
            if a.is_null() || b.is_null() {
                Value::Null
            } else {
                Value::Str(a.text() + &b.text())
            }
        }
        _ => arithmetic(op, a, b),
    }
}

fn arithmetic(op: BinOp, a: &Value, b: &Value) -> Value {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        let r = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            // Division by zero is null, as Velocity logs and goes on.
            BinOp::Div if y == 0 => return Value::Null,
            BinOp::Rem if y == 0 => return Value::Null,
            BinOp::Div => x.checked_div(y),
            BinOp::Rem => x.checked_rem(y),
            _ => return Value::Null,
        };
        if let Some(r) = r {
            return Value::Int(r);
        }
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return Value::Null;
    };
    match op {
        BinOp::Add => Value::Float(x + y),
        BinOp::Sub => Value::Float(x - y),
        BinOp::Mul => Value::Float(x * y),
        BinOp::Div if y == 0.0 => Value::Null,
        BinOp::Div => Value::Float(x / y),
        BinOp::Rem if y == 0.0 => Value::Null,
        BinOp::Rem => Value::Float(x % y),
        _ => Value::Null,
    }
}

fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|_| format!("{pattern:?} is not a regular expression"))
}

/// A Java replacement string (`$1`, `\$`) as the regex crate writes it (`${1}`, `$$`).
fn java_replacement(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(n) => out.push(n),
                None => {}
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn char_index(s: &str, i: i64) -> Option<usize> {
    let i = usize::try_from(i).ok()?;
    if i == s.chars().count() {
        return Some(s.len());
    }
    s.char_indices().nth(i).map(|(b, _)| b)
}

fn position(s: &str, byte: Option<usize>) -> Value {
    Value::Int(byte.map_or(-1, |b| i64::try_from(s[..b].chars().count()).unwrap_or(-1)))
}

/// Methods of strings, numbers, booleans, lists and maps (the Java ones templates call).
fn call_plain(v: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    let s = |i: usize| args.get(i).map(Value::text).unwrap_or_default();
    let n = |i: usize| args.get(i).and_then(int_of);
    match (name, args.len()) {
        ("toString", 0) => return Ok(value::str(v.text())),
        ("equals", 1) => return Ok(Value::Bool(equal(v, &args[0]))),
        _ => {}
    }
    Ok(match v {
        Value::Str(st) => match (name, args.len()) {
            ("length", 0) => Value::Int(i64::try_from(st.chars().count()).unwrap_or(0)),
            ("isEmpty", 0) => Value::Bool(st.is_empty()),
            ("isBlank", 0) => Value::Bool(st.trim().is_empty()),
            ("contains", 1) => Value::Bool(st.contains(&s(0))),
            ("startsWith", 1) => Value::Bool(st.starts_with(&s(0))),
            ("endsWith", 1) => Value::Bool(st.ends_with(&s(0))),
            ("equalsIgnoreCase", 1) => Value::Bool(st.to_lowercase() == s(0).to_lowercase()),
            ("indexOf", 1) => position(st, st.find(&s(0))),
            ("lastIndexOf", 1) => position(st, st.rfind(&s(0))),
            ("charAt", 1) => {
                let c = n(0)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| st.chars().nth(i))
                    .ok_or_else(|| format!("charAt({}) out of range", s(0)))?;
                value::str(c.to_string())
            }
            ("substring", 1 | 2) => {
                let start = n(0).and_then(|i| char_index(st, i));
                let end = if args.len() == 2 {
                    n(1).and_then(|i| char_index(st, i))
                } else {
                    Some(st.len())
                };
                match (start, end) {
                    (Some(a), Some(b)) if a <= b => value::str(&st[a..b]),
                    _ => {
                        return Err(format!(
                            "substring out of range for a string of {} characters",
                            st.chars().count()
                        ));
                    }
                }
            }
            ("toLowerCase", 0) => value::str(st.to_lowercase()),
            ("toUpperCase", 0) => value::str(st.to_uppercase()),
            ("trim", 0) => value::str(st.trim()),
            ("concat", 1) => value::str(format!("{st}{}", s(0))),
            ("replace", 2) => value::str(st.replace(&s(0), &s(1))),
            ("replaceAll", 2) => {
                value::str(regex(&s(0))?.replace_all(st, java_replacement(&s(1)).as_str()))
            }
            ("replaceFirst", 2) => {
                value::str(regex(&s(0))?.replace(st, java_replacement(&s(1)).as_str()))
            }
            ("matches", 1) => Value::Bool(regex(&format!("^(?:{})$", s(0)))?.is_match(st)),
            ("split", 1) => {
                let mut parts: Vec<String> =
                    regex(&s(0))?.split(st).map(ToOwned::to_owned).collect();
                // Java drops the trailing empty strings.
                while parts.last().is_some_and(String::is_empty) && parts.len() > 1 {
                    parts.pop();
                }
                if parts.len() == 1 && parts[0].is_empty() && !st.is_empty() {
                    parts.clear();
                }
                value::list(parts.into_iter().map(Value::Str).collect())
            }
            ("compareTo", 1) => Value::Int(match st.as_str().cmp(s(0).as_str()) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }),
            _ => Value::Null,
        },
        Value::Int(_) | Value::Float(_) => match name {
            "intValue" | "longValue" => v
                .as_f64()
                .map_or(Value::Null, |f| Value::Int(f.trunc() as i64)),
            "doubleValue" | "floatValue" => v.as_f64().map_or(Value::Null, Value::Float),
            _ => Value::Null,
        },
        Value::Bool(b) => match name {
            "booleanValue" => Value::Bool(*b),
            _ => Value::Null,
        },
        Value::List(items, _) => match (name, args.len()) {
            ("size", 0) => Value::Int(i64::try_from(items.borrow().len()).unwrap_or(0)),
            ("isEmpty", 0) => Value::Bool(items.borrow().is_empty()),
            ("get", 1) => {
                let items = items.borrow();
                let i = n(0)
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|i| *i < items.len())
                    .ok_or_else(|| {
                        format!("get({}) out of range for a list of {}", s(0), items.len())
                    })?;
                items[i].clone()
            }
            ("contains", 1) => Value::Bool(items.borrow().iter().any(|x| equal(x, &args[0]))),
            ("indexOf", 1) => Value::Int(
                items
                    .borrow()
                    .iter()
                    .position(|x| equal(x, &args[0]))
                    .and_then(|i| i64::try_from(i).ok())
                    .unwrap_or(-1),
            ),
            ("add", 1) => {
                items.borrow_mut().push(args[0].clone());
                Value::Bool(true)
            }
            ("addAll", 1) => {
                if let Value::List(more, _) = &args[0] {
                    let more = more.borrow().clone();
                    items.borrow_mut().extend(more);
                }
                Value::Bool(true)
            }
            ("set", 2) => {
                let mut items = items.borrow_mut();
                let len = items.len();
                let i = n(0)
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|i| *i < len)
                    .ok_or_else(|| format!("set({}) out of range for a list of {len}", s(0)))?;
                std::mem::replace(&mut items[i], args[1].clone())
            }
            ("remove", 1) => {
                let mut items = items.borrow_mut();
                match &args[0] {
                    Value::Int(i) => {
                        let len = items.len();
                        let i = usize::try_from(*i)
                            .ok()
                            .filter(|i| *i < len)
                            .ok_or_else(|| {
                                format!("remove({i}) out of range for a list of {len}")
                            })?;
                        items.remove(i)
                    }
                    other => match items.iter().position(|x| equal(x, other)) {
                        Some(i) => {
                            items.remove(i);
                            Value::Bool(true)
                        }
                        None => Value::Bool(false),
                    },
                }
            }
            ("clear", 0) => {
                items.borrow_mut().clear();
                Value::Null
            }
            _ => Value::Null,
        },
        Value::Map(m) => match (name, args.len()) {
            ("size", 0) => Value::Int(i64::try_from(m.borrow().len()).unwrap_or(0)),
            ("isEmpty", 0) => Value::Bool(m.borrow().is_empty()),
            ("get", 1) => map_get(m, &s(0)).unwrap_or(Value::Null),
            ("getOrDefault", 2) => map_get(m, &s(0)).unwrap_or_else(|| args[1].clone()),
            ("containsKey", 1) => Value::Bool(map_get(m, &s(0)).is_some()),
            ("containsValue", 1) => Value::Bool(m.borrow().iter().any(|(_, x)| equal(x, &args[0]))),
            ("keySet", 0) => value::list(
                m.borrow()
                    .iter()
                    .map(|(k, _)| value::str(k.clone()))
                    .collect(),
            ),
            ("values", 0) => value::list(m.borrow().iter().map(|(_, v)| v.clone()).collect()),
            ("entrySet", 0) => value::list(
                m.borrow()
                    .iter()
                    .map(|(k, v)| {
                        value::map(vec![
                            ("key".into(), value::str(k.clone())),
                            ("value".into(), v.clone()),
                        ])
                    })
                    .collect(),
            ),
            ("put", 2) => map_put(m, s(0), args[1].clone()),
            ("putAll", 1) => {
                if let Value::Map(more) = &args[0] {
                    let more = more.borrow().clone();
                    for (k, v) in more {
                        map_put(m, k, v);
                    }
                }
                Value::Null
            }
            ("remove", 1) => {
                let key = s(0);
                let mut entries = m.borrow_mut();
                match entries.iter().position(|(k, _)| *k == key) {
                    Some(i) => entries.remove(i).1,
                    None => Value::Null,
                }
            }
            ("clear", 0) => {
                m.borrow_mut().clear();
                Value::Null
            }
            // A getter of a member: `$entry.getKey()`, `$foreach.hasNext()`.
            (other, 0) => {
                let key = other
                    .strip_prefix("get")
                    .or_else(|| other.strip_prefix("is"))
                    .filter(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
                    .map(|k| {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    });
                map_get(m, other)
                    .or_else(|| key.and_then(|k| map_get(m, &k)))
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        Value::Null | Value::Input | Value::Util => Value::Null,
    })
}

/// `$util.*`.
fn util_call(name: &str, args: &[Value]) -> Result<Value, String> {
    let [arg] = args else {
        return Err(format!("$util.{name} takes one argument"));
    };
    if arg.is_null() {
        return Ok(Value::Null);
    }
    let text = arg.text();
    Ok(match name {
        "escapeJavaScript" => value::str(escape_javascript(&text)),
        "parseJson" => parse_json(&text)
            .ok_or_else(|| "$util.parseJson: the argument is not JSON".to_owned())?,
        "urlEncode" => value::str(url_encode(&text)),
        "urlDecode" => value::str(percent_decode(&text.replace('+', " "))),
        "base64Encode" => value::str(B64.encode(text.as_bytes())),
        "base64Decode" => {
            let bytes = B64
                .decode(text.trim().as_bytes())
                .map_err(|_| "$util.base64Decode: the argument is not base64".to_owned())?;
            value::str(String::from_utf8_lossy(&bytes))
        }
        _ => return Err(format!("$util.{name} is not a method of $util")),
    })
}

/// Java's `URLEncoder.encode(s, "UTF-8")`.
pub fn url_encode(s: &str) -> String {
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

/// commons-lang's `StringEscapeUtils.escapeJavaScript`, which `$util.escapeJavaScript` is: quotes,
/// backslash and `/` escaped, control characters as `\n`-style or `\u00XX`, and every character
/// past ASCII as `\uXXXX` (UTF-16 units).
pub fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04X}", u));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A JSONPath as API Gateway's `$input.path` / `$input.json` take it: `$`, `.name`, `['name']`,
/// `[0]` (negative from the end), `[*]` / `.*`; a path with a wildcard gives the list of matches.
pub fn json_path(root: &Value, path: &str) -> Option<Value> {
    let path = path.trim();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    let mut current = vec![root.clone()];
    let mut many = false;
    while !rest.is_empty() {
        enum Step {
            Key(String),
            Index(i64),
            All,
        }
        let step;
        if let Some(r) = rest.strip_prefix('.') {
            if let Some(r) = r.strip_prefix('*') {
                step = Step::All;
                rest = r;
            } else {
                let len = r.find(['.', '[']).unwrap_or(r.len());
                step = Step::Key(r[..len].to_owned());
                rest = &r[len..];
            }
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = r[..end].trim();
            step = if key == "*" {
                Step::All
            } else if let Ok(i) = key.parse::<i64>() {
                Step::Index(i)
            } else {
                Step::Key(key.trim_matches(['\'', '"']).to_owned())
            };
            rest = &r[end + 1..];
        } else if current.len() == 1 && path == rest {
            // `a.b` without `$.`: read as `$.a.b`.
            let len = rest.find(['.', '[']).unwrap_or(rest.len());
            step = Step::Key(rest[..len].to_owned());
            rest = &rest[len..];
        } else {
            return None;
        }
        let mut next = Vec::new();
        for v in &current {
            match (&step, v) {
                (Step::Key(k), Value::Map(m)) => next.extend(map_get(m, k)),
                (Step::Index(i), Value::List(items, _)) => {
                    let items = items.borrow();
                    if let Some(i) = index_of(&Value::Int(*i), items.len()) {
                        next.push(items[i].clone());
                    }
                }
                (Step::All, Value::List(items, _)) => next.extend(items.borrow().iter().cloned()),
                (Step::All, Value::Map(m)) => {
                    next.extend(m.borrow().iter().map(|(_, v)| v.clone()));
                }
                _ => {}
            }
        }
        if matches!(step, Step::All) {
            many = true;
        }
        current = next;
    }
    if many {
        Some(Value::List(
            std::rc::Rc::new(std::cell::RefCell::new(current)),
            true,
        ))
    } else {
        current.into_iter().next()
    }
}
