//! Request validators on stage traffic: the method's required parameters (headers, query strings,
//! path) when the validator checks parameters, and the body against the method's request model for
//! the request's content type when it checks bodies. Models are JSON schema draft 4; the keywords
//! checked are listed on `check_schema` (others are ignored, so a body is never refused for them).

use serde_json::Value;

use super::super::apigateway::model::{Method, Snapshot};
use super::event::EventInput;
use super::gateway::GatewayError;

/// Checks a request against the method's request validator, if it has one.
pub fn check(
    method: &Method,
    snapshot: &Snapshot,
    input: &EventInput<'_>,
) -> Result<(), GatewayError> {
    let Some(validator) = method
        .request_validator_id
        .as_deref()
        .and_then(|id| snapshot.request_validators.get(id))
    else {
        return Ok(());
    };
    if validator.validate_request_parameters {
        let missing: Vec<String> = method
            .request_parameters
            .iter()
            .filter(|(_, required)| **required)
            .filter_map(|(name, _)| {
                let present = if let Some(h) = name.strip_prefix("method.request.header.") {
                    input.req.header(h).is_some()
                } else if let Some(q) = name.strip_prefix("method.request.querystring.") {
                    input.req.query_one(q).is_some()
                } else if let Some(p) = name.strip_prefix("method.request.path.") {
                    input.path_parameters.get(p).is_some_and(|v| !v.is_empty())
                } else {
                    return None;
                };
                (!present).then(|| name.rsplit('.').next().unwrap_or(name).to_owned())
            })
            .collect();
        if !missing.is_empty() {
            return Err(GatewayError::bad_parameters(&missing));
        }
    }
    if validator.validate_request_body {
        let content_type = input
            .req
            .header("content-type")
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "application/json".to_owned());
        let model = method
            .request_models
            .get(&content_type)
            .or_else(|| method.request_models.get("$default"))
            .and_then(|name| snapshot.models.get(name));
        if let Some(schema) = model.and_then(|m| m.schema.as_deref()) {
            let Ok(schema) = serde_json::from_str::<Value>(schema) else {
                return Ok(());
            };
            let body: Value = if input.req.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&input.req.body).map_err(|_| GatewayError::bad_body())?
            };
            if !check_schema(&schema, &body, &schema) {
                return Err(GatewayError::bad_body());
            }
        }
    }
    Ok(())
}

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// Whether `v` satisfies `schema`. Draft 4 keywords checked: type, enum, required, properties,
/// additionalProperties, items (one schema), minimum / maximum (with exclusiveMinimum /
/// exclusiveMaximum as booleans), minLength / maxLength, pattern, minItems / maxItems, allOf / anyOf /
/// oneOf / not, and `$ref` to `#/definitions/...` of the same schema.
pub fn check_schema(schema: &Value, v: &Value, root: &Value) -> bool {
    let Some(s) = schema.as_object() else {
        return true;
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return match r.strip_prefix("#/") {
            Some(pointer) => root
                .pointer(&format!("/{pointer}"))
                .is_none_or(|target| check_schema(target, v, root)),
            None => true,
        };
    }
    let ok_type = match s.get("type") {
        Some(Value::String(t)) => is_type(t, v),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(|t| is_type(t, v)),
        _ => true,
    };
    if !ok_type {
        return false;
    }
    if let Some(Value::Array(values)) = s.get("enum")
        && !values.contains(v)
    {
        return false;
    }
    let each = |key: &str| -> Vec<&Value> {
        s.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    if !each("allOf").iter().all(|x| check_schema(x, v, root)) {
        return false;
    }
    let any = each("anyOf");
    if !any.is_empty() && !any.iter().any(|x| check_schema(x, v, root)) {
        return false;
    }
    let one = each("oneOf");
    if !one.is_empty() && one.iter().filter(|x| check_schema(x, v, root)).count() != 1 {
        return false;
    }
    if let Some(not) = s.get("not")
        && check_schema(not, v, root)
    {
        return false;
    }
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    let flag = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = v.as_f64() {
        if let Some(min) = num("minimum")
            && (n < min || (flag("exclusiveMinimum") && n <= min))
        {
            return false;
        }
        if let Some(max) = num("maximum")
            && (n > max || (flag("exclusiveMaximum") && n >= max))
        {
            return false;
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as f64;
        if num("minLength").is_some_and(|m| len < m) || num("maxLength").is_some_and(|m| len > m) {
            return false;
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str)
            && regex::Regex::new(p).is_ok_and(|re| !re.is_match(text))
        {
            return false;
        }
    }
    if let Some(items) = v.as_array() {
        let len = items.len() as f64;
        if num("minItems").is_some_and(|m| len < m) || num("maxItems").is_some_and(|m| len > m) {
            return false;
        }
        if let Some(item_schema) = s.get("items").filter(|i| i.is_object())
            && !items.iter().all(|i| check_schema(item_schema, i, root))
        {
            return false;
        }
    }
    if let Some(obj) = v.as_object() {
        if each("required")
            .iter()
            .filter_map(|r| r.as_str())
            .any(|r| !obj.contains_key(r))
        {
            return false;
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, value) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(p) => {
                    if !check_schema(p, value, root) {
                        return false;
                    }
                }
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => return false,
                    Some(extra @ Value::Object(_)) if !check_schema(extra, value, root) => {
                        return false;
                    }
                    _ => {}
                },
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid(schema: Value, v: Value) -> bool {
        check_schema(&schema, &v, &schema)
    }

    #[test]
    fn the_draft4_subset() {
        let s = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"},
                "age": {"type": "integer", "minimum": 0, "maximum": 150, "exclusiveMaximum": true},
                "tags": {"type": "array", "items": {"$ref": "#/definitions/tag"}, "maxItems": 2},
                "kind": {"enum": ["a", "b"]}
            },
            "additionalProperties": false,
            "definitions": {"tag": {"type": "string"}}
        });
        assert!(valid(
            s.clone(),
            json!({"name": "bob", "age": 3, "tags": ["x"], "kind": "a"})
        ));
        assert!(!valid(s.clone(), json!({"age": 3})));
        assert!(!valid(s.clone(), json!({"name": "Bob"})));
        assert!(!valid(s.clone(), json!({"name": "bob", "age": 150})));
        assert!(!valid(s.clone(), json!({"name": "bob", "age": 1.5})));
        assert!(!valid(s.clone(), json!({"name": "bob", "tags": [1]})));
        assert!(!valid(
            s.clone(),
            json!({"name": "bob", "tags": ["a", "b", "c"]})
        ));
        assert!(!valid(s.clone(), json!({"name": "bob", "kind": "c"})));
        assert!(!valid(s.clone(), json!({"name": "bob", "extra": 1})));
        assert!(!valid(s, json!([1])));
        assert!(valid(
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
            Value::Null
        ));
        assert!(!valid(json!({"not": {"type": "string"}}), json!("x")));
    }
}
