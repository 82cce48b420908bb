//! The values a template computes with, shaped like the Java objects API Gateway's Velocity sees:
//! strings, numbers, booleans, lists (`ArrayList`, or json-smart's `JSONArray` for what a JSONPath
//! returned: it prints as JSON), maps (`LinkedHashMap`: insertion order, printed `{a=1, b=x}`), and
//! `$input` / `$util`. Lists and maps are shared by reference, as Java's are, so `$m.put(..)` on a
//! variable changes every alias of it.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub type List = Rc<RefCell<Vec<Value>>>;
pub type Map = Rc<RefCell<Vec<(String, Value)>>>;

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// The flag: read from JSON (`$input.path`, `$util.parseJson`), printed as JSON.
    List(List, bool),
    Map(Map),
    Input,
    Util,
}

pub fn list(items: Vec<Value>) -> Value {
    Value::List(Rc::new(RefCell::new(items)), false)
}

pub fn map(entries: Vec<(String, Value)>) -> Value {
    Value::Map(Rc::new(RefCell::new(entries)))
}

pub fn str(s: impl Into<String>) -> Value {
    Value::Str(s.into())
}

pub fn map_get(m: &Map, key: &str) -> Option<Value> {
    m.borrow()
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// Puts `key`; the value it replaced.
pub fn map_put(m: &Map, key: String, value: Value) -> Value {
    let mut entries = m.borrow_mut();
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => std::mem::replace(v, value),
        None => {
            entries.push((key, value));
            Value::Null
        }
    }
}

impl Value {
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Null | Value::Bool(false))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as Java's `toString()` prints it (a null prints nothing, as API Gateway does).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&java_double(*f)),
            Value::Str(s) => out.push_str(s),
            Value::List(_, true) => self.write_json(out),
            Value::List(items, false) => {
                out.push('[');
                for (i, v) in items.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_text(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    if v.is_null() {
                        out.push_str("null");
                    } else {
                        v.write_text(out);
                    }
                }
                out.push('}');
            }
            Value::Input => out.push_str("$input"),
            Value::Util => out.push_str("$util"),
        }
    }

    /// The value as compact JSON text, maps in their order.
    pub fn json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null | Value::Input | Value::Util => out.push_str("null"),
            Value::Bool(_) | Value::Int(_) => self.write_text(out),
            Value::Float(f) if f.is_finite() => {
                out.push_str(&serde_json::Value::from(*f).to_string());
            }
            Value::Float(_) => out.push_str("null"),
            Value::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
            Value::List(items, _) => {
                out.push('[');
                for (i, v) in items.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(k.as_str()).to_string());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// A deep copy: what a JSON document read again would give.
    pub fn deep_clone(&self) -> Value {
        match self {
            Value::List(items, json) => Value::List(
                Rc::new(RefCell::new(
                    items.borrow().iter().map(Value::deep_clone).collect(),
                )),
                *json,
            ),
            Value::Map(entries) => map(entries
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.deep_clone()))
                .collect()),
            other => other.clone(),
        }
    }
}

/// Java's `Double.toString`: `1.0`, `0.5`, `1.0E10`.
fn java_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let a = f.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = f.to_string();
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{f:E}");
        match s.split_once('E') {
            Some((m, e)) if !m.contains('.') => format!("{m}.0E{e}"),
            _ => s,
        }
    }
}

/// A JSON document read with its maps in document order.
pub struct Json(pub Value);

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Json(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::List(Rc::new(RefCell::new(items)), true))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some((k, Json(v))) = m.next_entry::<String, Json>()? {
            // A repeated key keeps its first place and its last value, as a LinkedHashMap does.
            match entries.iter_mut().find(|(key, _)| *key == k) {
                Some((_, old)) => *old = v,
                None => entries.push((k, v)),
            }
        }
        Ok(map(entries))
    }
}

/// Reads JSON text into a value; `None` when it is not JSON.
pub fn parse_json(text: &str) -> Option<Value> {
    serde_json::from_str::<Json>(text).ok().map(|j| j.0)
}

/// A value as serde_json's (maps sorted by key).
pub fn to_serde(v: &Value) -> serde_json::Value {
    match v {
        Value::Null | Value::Input | Value::Util => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Value::from(*f),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::List(items, _) => {
            serde_json::Value::Array(items.borrow().iter().map(to_serde).collect())
        }
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

/// A serde_json value as a template's (lists print as JSON, as read from JSON).
pub fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::List(
            Rc::new(RefCell::new(items.iter().map(from_serde).collect())),
            true,
        ),
        serde_json::Value::Object(m) => {
            map(m.iter().map(|(k, v)| (k.clone(), from_serde(v))).collect())
        }
    }
}
