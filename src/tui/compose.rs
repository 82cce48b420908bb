//! The request composer's form and the exchange the response pane shows: pure state, edited by
//! `App::update`, drawn by `ui::compose`. Sending goes through the engine (`crate::request`, and
//! `stack::invoke` for a test invoke) in a worker.

use std::time::Instant;

use super::msg::Answer;
use crate::model::HttpRequest;
use crate::request::{RequestLog, parse_header, parse_method, parse_query};

/// Where a composed request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendTo {
    /// The stage URL: what the stage serves.
    Stage,
    /// TestInvokeMethod on the working API: what a redeploy would make live.
    WorkingApi,
}

/// The composer's fields, in Tab order.
pub const FIELDS: [&str; 5] = ["method", "path", "query", "headers", "body"];
const METHOD: usize = 0;
const PATH: usize = 1;
const QUERY: usize = 2;
const HEADERS: usize = 3;
const BODY: usize = 4;

/// The form as typed: one line of text per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composer {
    pub to: SendTo,
    pub fields: [String; 5],
    /// The field being typed into.
    pub field: usize,
    /// Which entry of the recall list (sent requests newest first, then saved ones) the form shows.
    pub recall: Option<usize>,
    /// What the form was recalled from, e.g. "saved: create-pet", "sent 2 of 5".
    pub recalled: Option<String>,
    /// Why Enter did not send.
    pub error: Option<String>,
}

impl Composer {
    pub fn new(to: SendTo, request: &HttpRequest) -> Self {
        Self {
            to,
            fields: form_of(request),
            field: PATH,
            recall: None,
            recalled: None,
            error: None,
        }
    }

    pub fn fill(&mut self, request: &HttpRequest) {
        self.fields = form_of(request);
        self.error = None;
    }

    pub fn type_char(&mut self, c: char) {
        self.fields[self.field].push(c);
        self.error = None;
    }

    pub fn erase(&mut self) {
        self.fields[self.field].pop();
        self.error = None;
    }

    pub fn next_field(&mut self) {
        self.field = (self.field + 1) % FIELDS.len();
    }

    pub fn prev_field(&mut self) {
        self.field = (self.field + FIELDS.len() - 1) % FIELDS.len();
    }

    /// The request the form describes (the body still as typed: `@file` is read when it is sent), or
    /// the one line that says what to fix.
    pub fn request(&self) -> Result<HttpRequest, String> {
        let method = parse_method(&self.fields[METHOD])?;
        let path = self.fields[PATH].trim();
        if !path.starts_with('/') {
            return Err(format!("the path must start with / (got {path:?})"));
        }
        if let Some(start) = path.find('{') {
            let name = &path[start
                ..path[start..]
                    .find('}')
                    .map_or(path.len(), |e| start + e + 1)];
            return Err(format!("fill {name} in the path with a value"));
        }
        let (path, inline) = path.split_once('?').unwrap_or((path, ""));
        let mut request = HttpRequest::new(method, path);
        request.query = parse_query(inline)?;
        request.query.extend(parse_query(&self.fields[QUERY])?);
        for h in self.fields[HEADERS]
            .split(';')
            .filter(|h| !h.trim().is_empty())
        {
            request.headers.push(parse_header(h)?);
        }
        let body = &self.fields[BODY];
        request.body = (!body.is_empty()).then(|| body.clone());
        Ok(request)
    }
}

/// A request as the form shows it: the query as `a=1&b=2`, the headers as `name: value; name: value`.
pub fn form_of(request: &HttpRequest) -> [String; 5] {
    let query = serde_urlencoded::to_string(&request.query).unwrap_or_default();
    let headers: Vec<String> = request
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    [
        request.method.clone(),
        request.path.clone(),
        query,
        headers.join("; "),
        request.body.clone().unwrap_or_default(),
    ]
}

/// A test invoke or a request in flight or answered: what the response pane shows.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub generation: u64,
    pub to: SendTo,
    /// As composed (a body file still `@file`), so that it can be edited and sent again.
    pub request: HttpRequest,
    pub started: Instant,
    /// None while in flight.
    pub answer: Option<Result<Answer, String>>,
    /// The Lambda log lines of a stage request's invocation, as the tail brings them.
    pub log: Option<RequestLog>,
    /// Lines scrolled down from the top.
    pub scroll: usize,
}

impl Exchange {
    pub fn in_flight(&self) -> bool {
        self.answer.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer(fields: [&str; 5]) -> Composer {
        let mut c = Composer::new(SendTo::Stage, &HttpRequest::new("GET", "/"));
        c.fields = fields.map(str::to_owned);
        c
    }

    #[test]
    fn the_form_becomes_a_request() {
        let c = composer([
            "post",
            "/pets?x=1",
            "a=b c",
            "content-type: application/json; x-trace: 7",
            "{\"name\":\"ada\"}",
        ]);
        let r = c.request().unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/pets");
        assert_eq!(
            r.query,
            vec![("x".into(), "1".into()), ("a".into(), "b c".into())]
        );
        assert_eq!(r.headers.len(), 2);
        assert_eq!(r.body.as_deref(), Some("{\"name\":\"ada\"}"));
        // And back: the form of a request parses to the same request.
        let mut again = composer(["", "", "", "", ""]);
        again.fill(&r);
        assert_eq!(again.request().unwrap(), r);
    }

    #[test]
    fn an_unfilled_path_parameter_or_a_bad_field_says_what_to_fix() {
        let e = composer(["GET", "/pets/{id}", "", "", ""])
            .request()
            .unwrap_err();
        assert_eq!(e, "fill {id} in the path with a value");
        assert!(composer(["G T", "/", "", "", ""]).request().is_err());
        assert!(composer(["GET", "pets", "", "", ""]).request().is_err());
        assert!(composer(["GET", "/", "", "nocolon", ""]).request().is_err());
    }
}
