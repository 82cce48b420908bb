//! API Gateway's mapping templates: Velocity (VTL) as API Gateway runs it, read by `parse` into a
//! tree and run by `eval` over Java-like values (`value`). No Rust crate for Velocity is kept well
//! enough to take (the few on crates.io are unmaintained 0.0.x/0.1.x releases of other dialects),
//! so the language is written here, to the developer guide's mapping template reference.
//!
//! What a template sees: `$input` (`body`, `json(path)`, `path(path)`, `params()`, `params(name)`),
//! `$util` (`escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`,
//! `base64Decode`), `$context` (with `requestOverride.{header,querystring,path}` and
//! `responseOverride.{status,header}`, which the caller applies) and `$stageVariables`. A
//! reference with no value renders as nothing, as API Gateway renders it. A template AWS would fail
//! on (a syntax error, an override set twice, a method that throws) is an `Err` saying why: the
//! caller answers 500 and logs it.

mod eval;
mod parse;
mod value;

use std::collections::{BTreeMap, HashMap};

use super::super::common::Req;
use value::Value;

pub use eval::{escape_javascript, url_encode};

/// What a template may refer to.
pub struct Scope<'a> {
    pub req: Option<&'a Req>,
    /// The request's headers with their names as the client spelled them (`$input.params().header`);
    /// `None`: `req`'s, lowercase.
    pub headers: Option<&'a [(String, String)]>,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub variables: &'a BTreeMap<String, String>,
    /// `$context` members by dotted name (`requestId`, `identity.sourceIp`, ...).
    pub context: &'a BTreeMap<String, String>,
    /// `$input.body`: the request body for a request template, the integration's answer for a
    /// response template.
    pub body: &'a str,
}

/// `$context.requestOverride` and `$context.responseOverride` as a template left them. The request
/// template's carry over into the response template (a MOCK passes data this way), and what they
/// hold applies to the integration request and to the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrides {
    /// `{header, querystring, path}`.
    pub request: serde_json::Value,
    /// `{status, header, ...}`.
    pub response: serde_json::Value,
}

impl Default for Overrides {
    fn default() -> Self {
        Overrides {
            request: serde_json::json!({"header": {}, "querystring": {}, "path": {}}),
            response: serde_json::json!({"status": null, "header": {}}),
        }
    }
}

fn plain_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn members(holder: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    holder[key]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), plain_text(v)))
                .collect()
        })
        .unwrap_or_default()
}

impl Overrides {
    /// `$context.responseOverride.status`, as set.
    pub fn status(&self) -> Option<String> {
        Some(&self.response["status"])
            .filter(|v| !v.is_null())
            .map(plain_text)
    }

    pub fn response_headers(&self) -> Vec<(String, String)> {
        members(&self.response, "header")
    }

    pub fn request_headers(&self) -> Vec<(String, String)> {
        members(&self.request, "header")
    }

    pub fn request_querystring(&self) -> Vec<(String, String)> {
        members(&self.request, "querystring")
    }

    pub fn request_path(&self) -> Vec<(String, String)> {
        members(&self.request, "path")
    }
}

/// A rendered template.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub body: String,
    pub overrides: Overrides,
}

/// Renders `template`; the error says why it failed.
pub fn render(template: &str, scope: &Scope<'_>) -> Result<String, String> {
    render_full(template, scope, None).map(|r| r.body)
}

/// Renders `template`, starting from the overrides an earlier template left (`carried`), with the
/// overrides it leaves.
pub fn render_full(
    template: &str,
    scope: &Scope<'_>,
    carried: Option<&Overrides>,
) -> Result<Rendered, String> {
    let block = parse::parse(template)?;
    let context = nested(scope.context.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let Value::Map(context_map) = &context else {
        return Err("no context".into());
    };
    let start = carried.cloned().unwrap_or_default();
    let request_override = value::from_serde(&start.request);
    let response_override = value::from_serde(&start.response);
    value::map_put(
        context_map,
        "requestOverride".into(),
        request_override.clone(),
    );
    value::map_put(
        context_map,
        "responseOverride".into(),
        response_override.clone(),
    );
    let mut once = Vec::new();
    for o in [&request_override, &response_override] {
        if let Value::Map(m) = o {
            once.push(m.clone());
            for (_, v) in m.borrow().iter() {
                if let Value::Map(inner) = v {
                    once.push(inner.clone());
                }
            }
        }
    }
    let variables = value::map(
        scope
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), value::str(v.clone())))
            .collect(),
    );
    let vars = HashMap::from([
        ("context".to_owned(), context.clone()),
        ("stageVariables".to_owned(), variables),
    ]);
    let mut e = eval::Eval::new(vars, scope.body, params(scope), once);
    e.run(&block)?;
    Ok(Rendered {
        body: e.out,
        overrides: Overrides {
            request: value::to_serde(&request_override),
            response: value::to_serde(&response_override),
        },
    })
}

/// Dotted names (`identity.sourceIp`) as nested maps.
fn nested<'k>(entries: impl Iterator<Item = (&'k str, &'k str)>) -> Value {
    let root = value::map(Vec::new());
    for (name, v) in entries {
        let mut holder = root.clone();
        let mut parts = name.split('.').peekable();
        while let Some(part) = parts.next() {
            let Value::Map(m) = holder.clone() else {
                break;
            };
            if parts.peek().is_none() {
                value::map_put(&m, part.to_owned(), value::str(v));
                break;
            }
            holder = match value::map_get(&m, part) {
                Some(inner @ Value::Map(_)) => inner,
                _ => {
                    let inner = value::map(Vec::new());
                    value::map_put(&m, part.to_owned(), inner.clone());
                    inner
                }
            };
        }
    }
    root
}

/// `$input.params()`: `{path, querystring, header}`, each name to its (last) value.
fn params(scope: &Scope<'_>) -> Value {
    let strings = |pairs: Vec<(String, String)>| {
        let m = value::map(Vec::new());
        if let Value::Map(inner) = &m {
            for (k, v) in pairs {
                value::map_put(inner, k, value::str(v));
            }
        }
        m
    };
    let path = strings(
        scope
            .path_parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
    let query = strings(scope.req.map(|r| r.query.clone()).unwrap_or_default());
    let headers = match (scope.headers, scope.req) {
        (Some(h), _) => h.to_vec(),
        (None, Some(r)) => r
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        (None, None) => Vec::new(),
    };
    value::map(vec![
        ("path".into(), path),
        ("querystring".into(), query),
        ("header".into(), strings(headers)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Renders `t` over `body` with a fixed request, path `{id: 7}`, stage variable `env=dev`.
    fn run(t: &str, body: &str) -> Result<Rendered, String> {
        run_after(t, body, None)
    }

    fn run_after(t: &str, body: &str, carried: Option<&Overrides>) -> Result<Rendered, String> {
        let r = req();
        let path = BTreeMap::from([("id".to_owned(), "7".to_owned())]);
        let vars = BTreeMap::from([("env".to_owned(), "dev".to_owned())]);
        let ctx = BTreeMap::from([
            ("requestId".to_owned(), "r-1".to_owned()),
            ("stage".to_owned(), "prod".to_owned()),
            ("identity.sourceIp".to_owned(), "10.0.0.1".to_owned()),
        ]);
        let headers = vec![("X-User".to_owned(), "ann".to_owned())];
        let s = Scope {
            req: Some(&r),
            headers: Some(&headers),
            path_parameters: &path,
            variables: &vars,
            context: &ctx,
            body,
        };
        render_full(t, &s, carried)
    }

    fn out(t: &str, body: &str) -> String {
        match run(t, body) {
            Ok(r) => r.body,
            Err(e) => panic!("{t:?} failed: {e}"),
        }
    }

    #[test]
    fn references_render() {
        let body = r#"{"a": {"b": [1, "two"]}, "s": "it's \"x\""}"#;
        let t = r#"{"id": "$input.params('id')", "q": "$input.params("q")", "user": "$input.params('x-user')", "rid": "${context.requestId}", "ip": "$context.identity.sourceIp", "env": "$stageVariables.env", "b": $input.json('$.a.b'), "two": "$input.path('$.a.b[1]')", "esc": "$util.escapeJavaScript($input.path('$.s'))", "cost": "$5", "mail": "a#b"}
## a comment
"#;
        assert_eq!(
            out(t, body),
            r#"{"id": "7", "q": "a b", "user": "ann", "rid": "r-1", "ip": "10.0.0.1", "env": "dev", "b": [1,"two"], "two": "two", "esc": "it\'s \"x\"", "cost": "$5", "mail": "a#b"}
"#
        );
        // A reference with no value renders as nothing; `$!` too.
        assert_eq!(
            out("[$undefined.thing][$!nothing][$context.nope]", ""),
            "[][][]"
        );
        assert_eq!(out("$util.urlEncode('a b/c')", ""), "a+b%2Fc");
        assert_eq!(out("$util.urlDecode('a+b%2Fc')", ""), "a b/c");
        assert_eq!(out("$util.base64Encode('hi')", ""), "aGk=");
        assert_eq!(out("$util.base64Decode('aGk=')", ""), "hi");
        assert_eq!(
            out(r#"$util.escapeJavaScript("a/b	é")"#, ""),
            r"a\/b\t\u00E9"
        );
        assert_eq!(
            out("#set($o = $util.parseJson('{\"k\":[1,2]}'))$o.k[1]", ""),
            "2"
        );
        assert_eq!(out("$input.body", "raw text"), "raw text");
    }

    /// The developer guide's photo album example: `#set`, `#foreach`, `$foreach.hasNext`.
    #[test]
    fn the_photos_example_transforms_as_the_guide_shows() {
        let body = r#"{"photos": {"page": 1, "pages": "1234", "perpage": 100, "total": "123398",
            "photo": [
              {"id": "12345678901", "owner": "23456789@A12", "photographer_first_name": "Saanvi",
               "photographer_last_name": "Sarkar", "secret": "abc123d456", "server": "1234",
               "farm": 1, "title": "Sample photo 1", "ispublic": true, "isfriend": false,
               "isfamily": false},
              {"id": "23456789012", "owner": "34567890@B23", "photographer_first_name": "Richard",
               "photographer_last_name": "Roe", "secret": "bcd234e567", "server": "2345",
               "farm": 2, "title": "Sample photo 2", "ispublic": true, "isfriend": false,
               "isfamily": false}]}}"#;
        let t = r#"#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end
#end
  ]
}"#;
        let rendered = out(t, body);
        let v: serde_json::Value = serde_json::from_str(&rendered).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"photos": [
                {"id": "12345678901", "photographedBy": "Saanvi Sarkar", "title": "Sample photo 1",
                 "ispublic": true, "isfriend": false, "isfamily": false},
                {"id": "23456789012", "photographedBy": "Richard Roe", "title": "Sample photo 2",
                 "ispublic": true, "isfriend": false, "isfamily": false}]})
        );
        // Directive lines leave no blank lines behind (Velocity 1.7's gobbling).
        assert!(
            rendered.starts_with("{\n  \"photos\": [\n    {\n"),
            "{rendered}"
        );
        // `#end` takes its line's end: the next item follows on the same line.
        assert!(rendered.contains("    },    {"), "{rendered}");
        assert!(rendered.ends_with("    }  ]\n}"), "{rendered}");
    }

    #[test]
    fn conditions_and_operators() {
        assert_eq!(
            out("#if(1 < 2 && !false)a#elseif(true)b#{else}c#end", ""),
            "a"
        );
        assert_eq!(out("#if(1 > 2)a#elseif(2 >= 2)b#else c#end", ""), "b");
        // The space after `#else` is text.
        assert_eq!(out("#if(1 gt 2 or 3 eq 4)a#else c#end", ""), " c");
        assert_eq!(out("#if(not (1 lt 2))a#{else}b#end", ""), "b");
        assert_eq!(out("#if($x)set#{else}unset#end", ""), "unset");
        assert_eq!(out("#if(\"400\" == 400)eq#end", ""), "eq");
        assert_eq!(out("#if($nothing == $null)nulls#end", ""), "nulls");
        // `#set` takes the spaces before it.
        assert_eq!(
            out("#set($a = 7)$a #set($b = $a * 3 - 1)$b ${a}x", ""),
            "720 7x"
        );
        assert_eq!(
            out(
                "#set($d = 7 / 2)#set($f = 7.0 / 2)#set($m = 7 % 3)$d $f $m",
                ""
            ),
            "3 3.5 1"
        );
        assert_eq!(out(r#"#set($s = "a" + 1)$s"#, ""), "a1");
        assert_eq!(out(r#"#set($n = "x")#set($s = "$n-${n}y")$s"#, ""), "x-xy");
        assert_eq!(out("#set($s = 'no $interp')$s", ""), "no $interp");
    }

    #[test]
    fn loops_lists_maps_and_ranges() {
        assert_eq!(
            out(
                "#foreach($i in [1..3])$i:$foreach.index:$foreach.count:$velocityCount#if($foreach.hasNext),#end#end",
                ""
            ),
            "1:0:1:1,2:1:2:2,3:2:3:3"
        );
        assert_eq!(out("#foreach($i in [3..1])$i#end", ""), "321");
        assert_eq!(
            out("#foreach($i in [1..9])#if($i == 3)#break#end$i#end", ""),
            "12"
        );
        assert_eq!(out("a#foreach($i in [1,2])$i#stop#end b", ""), "a1");
        assert_eq!(
            out(
                "#set($m = {\"a\": 1, \"b\": [1, \"x\"]})$m $m.a $m.get('b').size() $m.keySet() #foreach($v in $m)[$v]#end",
                ""
            ),
            "{a=1, b=[1, x]} 1 2 [a, b] [1][[1, x]]"
        );
        assert_eq!(
            out(
                "#set($l = [])#set($ok = $l.add('x'))#set($ok = $l.add('y'))$l.size() $l[0] $l[-1] $l.contains('y') $l.isEmpty()",
                ""
            ),
            "2 x y true false"
        );
        assert_eq!(
            out(
                "#set($m = {})#set($old = $m.put('k', 'v'))#set($m.k2 = 'w')$m $m.containsKey('k2') #foreach($e in $m.entrySet())$e.key=$e.getValue();#end",
                ""
            ),
            "{k=v, k2=w} true k=v;k2=w;"
        );
        // A JSONPath result: maps print as Java maps, lists as JSON.
        assert_eq!(
            out(
                "$input.path('$') | $input.path('$.b') | $input.path('$.b[0].c') | $input.json('$.b[*].c')",
                r#"{"a": 1, "b": [{"c": 5}]}"#
            ),
            r#"{a=1, b=[{"c":5}]} | [{"c":5}] | 5 | [5]"#
        );
        assert_eq!(
            out(
                "$input.json('$')",
                r#"{"z": 1, "a": {"y": [true, null, 1.5]}}"#
            ),
            r#"{"z":1,"a":{"y":[true,null,1.5]}}"#
        );
        assert_eq!(
            out("[$input.json('$.missing')][$input.path('$.missing')]", "{}"),
            "[][]"
        );
    }

    #[test]
    fn string_methods() {
        let t = r#"#set($s = " Hello, World ")$s.trim().toLowerCase()|$s.toUpperCase().trim()|$s.length()|$s.trim().substring(7)|$s.trim().substring(0, 5)|$s.contains("World")|$s.trim().startsWith("Hello")|$s.trim().endsWith("!")|$s.indexOf("o")|$s.replaceAll("o+", "0")|$s.trim().split(", ")|$s.trim().replaceAll("(\w+), (\w+)", "$2 $1")|$s.equals(" Hello, World ")|"#;
        assert_eq!(
            out(t, ""),
            "hello, world|HELLO, WORLD|14|World|Hello|true|true|false|5| Hell0, W0rld |[Hello, World]|World Hello|true|"
        );
        assert_eq!(
            out("#set($s = 'a,b,,')#set($l = $s.split(','))$l.size()", ""),
            "2"
        );
    }

    #[test]
    fn params_give_path_querystring_and_header_maps() {
        let t = "#set($all = $input.params())#foreach($type in $all.keySet())$type:#foreach($n in $all.get($type).keySet())$n=$all.get($type).get($n);#end#end|$input.params().header.get('X-User')";
        assert_eq!(
            out(t, ""),
            "path:id=7;querystring:q=a b;header:X-User=ann;|ann"
        );
    }

    /// The developer guide's override examples: the status and a header of the answer, and the
    /// request's header and query string.
    #[test]
    fn overrides_are_reported_and_final() {
        let t = r#"#set($inputRoot = $input.path('$'))
$input.json("$")
#if($inputRoot.toString().contains("error"))
#set($context.responseOverride.status = 400)
#set($context.responseOverride.header.Content-Type = "application/problem+json")
#end"#;
        let r = run(t, r#"{"errors": [{"key": "GetPetRequest.petId", "message": "The value is out of range."}]}"#).unwrap();
        assert_eq!(r.overrides.status().as_deref(), Some("400"));
        assert_eq!(
            r.overrides.response_headers(),
            vec![(
                "Content-Type".to_owned(),
                "application/problem+json".to_owned()
            )]
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["errors"][0]["key"],
            "GetPetRequest.petId"
        );
        let r = run(t, r#"{"id": 1}"#).unwrap();
        assert_eq!(r.overrides, Overrides::default());
        let t = r#"#set($context.requestOverride.header.header1 = "$input.params('q')-x")
#set($context.requestOverride.querystring.q2 = $input.path('$.v'))
#set($name = "q3")
#set($context.requestOverride.querystring[$name] = "by index")
#set($context["requestOverride"].path["p"] = "nested")
$context.requestOverride.header.put("h2", "put")
#set($context.responseOverride.custom = "passed on")"#;
        let r = run(t, r#"{"v": "w"}"#).unwrap();
        assert_eq!(r.body.trim(), "");
        assert_eq!(
            r.overrides.request_headers(),
            vec![
                ("h2".into(), "put".into()),
                ("header1".into(), "a b-x".into())
            ]
        );
        assert_eq!(
            r.overrides.request_querystring(),
            vec![("q2".into(), "w".into()), ("q3".into(), "by index".into())]
        );
        assert_eq!(
            r.overrides.request_path(),
            vec![("p".into(), "nested".into())]
        );
        // The next template (the response's) sees them, and may set what is not set yet.
        let next = run_after(
            "$context.requestOverride.path.p $context.responseOverride.custom#set($context.responseOverride.status = 201)",
            "",
            Some(&r.overrides),
        )
        .unwrap();
        assert_eq!(next.body, "nested passed on");
        assert_eq!(next.overrides.status().as_deref(), Some("201"));
        assert_eq!(
            next.overrides.request_path(),
            vec![("p".into(), "nested".into())]
        );
        // Overriding the same member twice fails the template, as on AWS.
        let twice = "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)";
        assert!(run(twice, "").unwrap_err().contains("overridden twice"));
    }

    #[test]
    fn velocity_whitespace_rules() {
        assert_eq!(out("a\n  #set($x = 1)\nb$x\n", ""), "a\nb1\n");
        assert_eq!(
            out("#if(true)\nyes\n#else\nno\n#end\nafter", ""),
            "yes\nafter"
        );
        assert_eq!(out("x ## comment\ny #* block\n *#z", ""), "x y z");
        assert_eq!(out("#[[#set($x = 1) $x]]#", ""), "#set($x = 1) $x");
        assert_eq!(out("#endif #elsewhere #x", ""), "#endif #elsewhere #x");
    }

    #[test]
    fn templates_aws_fails_on_are_errors_never_panics() {
        for bad in [
            "#if(true)no end",
            "#foreach($x in [1,2])",
            "#end",
            "#else",
            "#set($x = )",
            "#set($x 1)",
            "#set(x = 1)",
            "#if(1 <)x#end",
            "#foreach(x in y)#end",
            "#macro(m)x#end",
            "#include('x')",
            "#* never closed",
            "#set($s = \"unclosed)",
            "$input.nothing()",
            "$util.parseJson('not json')",
            "$util.base64Decode('%%%')",
            "#set($s = 'abc')$s.substring(5)",
            "#set($l = [1])$l[3]",
            "#foreach($i in [1..1000000000])#end",
        ] {
            assert!(run(bad, "").is_err(), "{bad:?} should fail");
        }
        // Arbitrary cuts of a real template: an error or an output, never a panic.
        let t = r##"#set($a = $input.path('$'))#foreach($k in $a.keySet())"$k": "$util.escapeJavaScript($a.get($k))"#if($foreach.hasNext),#end#end ${a.b[0]} $!a.c('x', [1..2], {"k": -1.5})"##;
        for (i, _) in t.char_indices() {
            for (j, _) in t[i..].char_indices() {
                let _ = run(&t[i..i + j], r#"{"b": [1]}"#);
            }
        }
        let deep = "#if(true)".repeat(10_000);
        assert!(run(&deep, "").is_err());
        let deep = "(".repeat(10_000);
        assert!(run(&format!("#set($x = {deep})"), "").is_err());
        let nested = "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end";
        assert!(run(nested, "").is_err());
    }
}
